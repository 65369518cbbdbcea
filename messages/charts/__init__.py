"""Charts: renderers that draw a read model as a PNG, with alt text that states its numbers (issue 22).

A message that has charts carries them as `ChartDraft`s (`Reply.charts`): what to draw, drawn only when
the message is sent with its charts (`messages.uploads`), so an answer's text never waits for them.
The views table (`messages.views`) says which charts each view has. Drawing is matplotlib's Agg
canvas on a `Figure` of its own (`messages.charts.canvas`), never pyplot's global state, so threads
may draw at once; this module itself imports no matplotlib.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

# Every chart is this many pixels (at 100 dpi): wide enough for eight weeks or twenty names, and Slack
# shows it whole in a message without scaling the text away.
WIDTH_PX = 800
HEIGHT_PX = 400
DPI = 100
# Slack takes up to 1,000 characters of alt text for an uploaded file.
MAX_ALT_TEXT = 1000


@dataclass(frozen=True)
class Chart:
    """A drawn chart: PNG bytes and the alt text that states its numbers."""

    name: str  # the file's name without ".png": health-mix, compliance, billable
    title: str
    png: bytes
    alt_text: str

    @property
    def filename(self) -> str:
        return f"{self.name}.png"


@dataclass(frozen=True)
class ChartDraft:
    """A chart a message has, not yet drawn: `draw()` renders it from the read model the message was
    drawn from (no second query)."""

    name: str
    title: str
    draw: Callable[[], Chart]


def percent(share: float | None) -> str:
    """A share as the charts, their alt text and the trends answer print it."""
    return "no data" if share is None else f"{share * 100:.0f}%"


def clip_alt(text: str) -> str:
    return text if len(text) <= MAX_ALT_TEXT else text[: MAX_ALT_TEXT - 1] + "…"
