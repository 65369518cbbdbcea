"""`/delivery history <service>`: who changed what, from, to, why, when, and where."""

from __future__ import annotations

from slack_sdk.models.blocks import Block, HeaderBlock

from messages.blocks.blockers import blocker_label
from messages.blocks.common import (
    Reply,
    clip,
    context,
    escape,
    escape_clipped,
    mrkdwn_section,
    plural,
    time_token,
    user_mention,
)
from store.enums import Surface
from store.readmodels.history import ChangeLine, ServiceHistory

ROWS_PER_SECTION = 8


def _value(text: str | None) -> str:
    """An audited value as it reads: enum values with spaces; a ticket's owner may be a name, so escaped."""
    return escape((text or "—").replace("_", " "))


def change_line(change: ChangeLine) -> str:
    who = (user_mention(change.changed_by.slack_user_id, change.changed_by.name) if change.changed_by
           else user_mention(change.changed_by_slack_user_id) if change.changed_by_slack_user_id
           # No one asked: the bot did it on its own (an escalation step on the ladder's schedule, a snooze ending).
           else "Delivery bot" if change.surface == Surface.SLACK else "someone")
    line = (f"{time_token(change.changed_at)} · {who} · *{escape(clip(change.object_name, 120))}* "
            f"{escape(change.field)}: {_value(change.from_value)} → {_value(change.to_value)} "
            f"(via {change.surface.value})")
    if change.blocker_category:
        line += f" · {escape(blocker_label(change.blocker_category))}"
    if change.reason:
        line += f"\n      _{escape(clip(change.reason, 300))}_"
    return line


def history_message(history: ServiceHistory) -> Reply:
    card = history.lookup.card
    if card is None:
        raise ValueError("history_message needs a history whose lookup found one service")
    title = f"History · {escape(card.ref.label)}"
    blocks: list[Block] = [HeaderBlock(text=escape_clipped(f"History · {card.ref.label}", 150))]
    if not history.changes:
        blocks.append(mrkdwn_section("No changes recorded yet."))
    rows = [change_line(c) for c in history.changes]
    for start in range(0, len(rows), ROWS_PER_SECTION):
        blocks.append(mrkdwn_section("\n".join(rows[start:start + ROWS_PER_SECTION])))
    hidden = history.total - len(rows)
    footer = f"Newest first · {plural(history.total, 'change')}" + (f", the latest {len(rows)} shown" if hidden else "")
    blocks.append(context(footer))
    return Reply(text=f"{title}: {plural(history.total, 'change')}.", blocks=blocks)
