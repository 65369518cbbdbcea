"""`delivery-bot ask <text> --charts DIR`: an answer's charts as PNG files, for a terminal (issue 22).

Drawn from the same view as the answer (`messages.views.show_now`, as the asker), by the same renderers
that Slack's uploads use, so a file here is the image a DM would hold.
"""

from __future__ import annotations

from pathlib import Path

from bot.local import LOCAL_USER
from handlers.commands.answers import READ_VIEWS, view_of
from handlers.commands.parse import parse_command
from messages.charts import ChartDraft
from messages.uploads import draw_all
from messages.views import show_now
from store.workspace import Workspace


class ChartsRefused(Exception):
    """The answer has no charts, or they could not be written; the message says which."""


def write_charts(workspace: Workspace, text: str, user: str | None, folder: str) -> list[tuple[Path, str]]:
    """Write the charts of `/delivery <text>` into `folder` (made if missing): each file's path and alt text."""
    command = parse_command(text)
    charts: tuple[ChartDraft, ...] = ()
    if command.subcommand in READ_VIEWS:
        charts = show_now(workspace, view_of(command), user or LOCAL_USER, private=True).reply.charts
    if not charts:
        raise ChartsRefused(f"`/delivery {command.text}` has no charts")
    target = Path(folder)
    written = []
    try:
        target.mkdir(parents=True, exist_ok=True)
        for chart in draw_all(charts):
            path = target / chart.filename
            path.write_bytes(chart.png)
            written.append((path, chart.alt_text))
    except OSError as problem:
        raise ChartsRefused(f"could not write the charts into {folder}: {problem}") from None
    return written
