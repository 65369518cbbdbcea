"""Building blocks for every message: escaping, dates, plurals, limits."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

from messages.charts import ChartDraft
from messages.ids import ViewRef

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
    # What the message shows, so a posted copy can be rebuilt after a change (see messages/ids.py).
    view: ViewRef | None = None
    shows: frozenset[tuple[str, int]] = frozenset()
    # The charts it has (messages.charts), drawn and attached when it is sent with them: never part of
    # the blocks, so the text stands alone when charts are off or their upload fails.
    charts: tuple[ChartDraft, ...] = ()

    def block_dicts(self) -> list[dict]:
        return [block.to_dict() for block in self.blocks]


def escape(text: str) -> str:
    """Escape user-provided text for mrkdwn, so it cannot mention, link or format.

    The one rule for everything sent to Slack (blocks, the top-level `text` of a message or a
    notification, modals, App Home): what a person or a CSV supplied is escaped exactly once, where
    it is put into the text, and the bot's own markup (`<@U…>` from `user_mention`, `<#C…>` from
    `channel_mention`, `<!date^…>` tokens) is added around it. Slack treats `&`, `<` and `>` as
    control characters in every text object, plain_text too (headers, button and option labels,
    placeholders), so plain_text showing user text is escaped the same way (`escape_clipped` where
    it has a length limit).
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_clipped(text: str, limit: int) -> str:
    """`text` escaped, then clipped to `limit` characters (with "…") without cutting an entity in half."""
    escaped = escape(text)
    if len(escaped) <= limit:
        return escaped
    pieces, size = [], 0
    for char in text:
        piece = escape(char)
        if size + len(piece) > limit - 1:
            break
        pieces.append(piece)
        size += len(piece)
    return "".join(pieces) + "…"


# A Slack id as the bot writes it into a mention: letters, digits and a few separators, never the
# `<`, `>`, `|`, `&`, `!` or spaces that would end the mention early or start another one. Ids come
# from Slack's payloads, but people's ids also from CSV imports, so they are checked, not trusted.
_SLACK_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def is_slack_id(text: str | None) -> bool:
    """Whether `text` is a well-formed Slack id (a user's, a channel's), fit to mention or to post to."""
    return bool(text) and _SLACK_ID.fullmatch(text or "") is not None


def user_mention(slack_user_id: str | None, name: str | None = None) -> str:
    """`<@U…>` for a well-formed Slack user id; otherwise the person's name (or the id), escaped."""
    if slack_user_id and _SLACK_ID.fullmatch(slack_user_id):
        return f"<@{slack_user_id}>"
    return escape(name or slack_user_id or "someone")


def channel_mention(channel_id: str | None) -> str:
    """`<#C…>` for a well-formed Slack channel id; otherwise the id as escaped code."""
    if not channel_id:
        return "this channel"
    if _SLACK_ID.fullmatch(channel_id):
        return f"<#{channel_id}>"
    return f"`{escape(channel_id)}`"


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
