"""Building blocks for every message: escaping, dates, plurals, limits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

from handlers.ids import ViewRef

# Slack's limits (https://api.slack.com/reference/block-kit/blocks).
MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_SECTION_TEXT = 3000
MAX_FIELD_TEXT = 2000


@dataclass(frozen=True)
class Reply:
    """A message: Block Kit blocks plus the top-level text Slack shows in notifications."""

    text: str
    blocks: list[Block]
    # Answers worth posting for everyone get a "Share in channel" button.
    shareable: bool = True
    # What the message shows, so a posted copy can be rebuilt after a change (see handlers/ids.py).
    view: ViewRef | None = None
    shows: frozenset[tuple[str, int]] = frozenset()

    def block_dicts(self) -> list[dict]:
        return [block.to_dict() for block in self.blocks]


def escape(text: str) -> str:
    """Escape user-provided text for mrkdwn, so it cannot mention, link or format."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def sentence(text: str) -> str:
    """`text` with its first letter capitalised, to start a reply with a message from the core."""
    return text[:1].upper() + text[1:]


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    return f"{count} {singular if count == 1 else (plural_form or singular + 's')}"


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def date_token(day: date, tz: ZoneInfo, fmt: str = "{date_short_pretty}") -> str:
    """A calendar date as Slack's date token; readers see it in their own time zone.

    Dates are anchored at noon in the organisation's zone so the day shown does not
    slip across midnight for readers a few hours away.
    """
    moment = datetime.combine(day, time(12), tzinfo=tz)
    return f"<!date^{int(moment.timestamp())}^{fmt}|{day.strftime('%a %d %b')}>"


def time_token(moment: datetime, fmt: str = "{date_short_pretty} {time}") -> str:
    fallback = moment.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(moment.timestamp())}^{fmt}|{fallback}>"


def mrkdwn_section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=clip(text, MAX_SECTION_TEXT)))


def fields_section(fields: list[str]) -> SectionBlock:
    return SectionBlock(fields=[MarkdownTextObject(text=clip(f, MAX_FIELD_TEXT)) for f in fields[:10]])


def context(*parts: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=clip(p, MAX_FIELD_TEXT)) for p in parts[:10]])
