"""The digests' words, from Jinja2 templates in `messages/digests/templates`.

Each template holds one digest's copy as macros (title, intro, headings, the all-clear line,
the notification text); `common.j2` holds what every digest says alike ("and N more — type …").
Autoescaping is off, because mrkdwn is not HTML: user-provided values go through the
`mrkdwn_escape` filter in the templates, and rows already built by `messages.blocks` (escaped
there) are passed as they are. Undefined values fail loudly (StrictUndefined).
"""

from __future__ import annotations

from functools import lru_cache

from jinja2 import Environment, PackageLoader, StrictUndefined

from messages.blocks.common import escape, plural
from messages.blocks.tickets import signed


def percent(share: float | None, empty: str = "n/a") -> str:
    return empty if share is None else f"{share:.0%}"


def points(now: float | None, before: float | None) -> str:
    """A change between two shares in percentage points: '+6 pts', '−11 pts', '±0 pts' ('' without both)."""
    if now is None or before is None:
        return ""
    return f"{signed(round(now * 100) - round(before * 100))} pts"


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("messages.digests", "templates"),
        autoescape=False,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        auto_reload=False,  # templates ship with the package; no stat() per render
    )
    env.filters["mrkdwn_escape"] = escape
    env.filters["plural"] = plural
    env.filters["percent"] = percent
    env.globals["points"] = points
    env.globals["signed"] = signed
    return env


def say(template: str, macro: str, /, **values) -> str:
    """Render one macro of a template, without the template's own line breaks around it."""
    module = environment().get_template(template).module
    return str(getattr(module, macro)(**values)).strip()
