"""`/delivery milestones`: milestones in a window, with progress and owner."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import HeaderBlock

from messages.blocks.common import Reply, context, date_token, escape, mrkdwn_section, plural
from store.readmodels import MilestoneItem, MilestoneListing

TITLES = {"this week": "Milestones this week", "next week": "Milestones next week", "overdue": "Overdue milestones"}
ROWS_PER_SECTION = 10


def _row(item: MilestoneItem, tz: ZoneInfo) -> str:
    mark = ":white_check_mark: " if item.done_on else ""
    progress = (f" · {item.deliverables_done} of {item.deliverables_total} deliverables"
                if item.deliverables_total else "")
    owner = f" · {escape(item.owner.name)}" if item.owner else ""
    return f"{mark}*{escape(item.service.customer_name)}*: {escape(item.name)} · {date_token(item.due_on, tz)}" \
           f"{progress}{owner}"


def milestones_message(listing: MilestoneListing, tz: ZoneInfo) -> Reply:
    title = TITLES[listing.window]
    span = ""
    if listing.first_day and listing.last_day and listing.window != "overdue":
        span = f" ({date_token(listing.first_day, tz)} to {date_token(listing.last_day, tz)})"
    blocks = [HeaderBlock(text=title), mrkdwn_section(f"{plural(listing.total, 'milestone')}{span}")]
    rows = [_row(item, tz) for item in listing.items]
    for start in range(0, len(rows), ROWS_PER_SECTION):
        blocks.append(mrkdwn_section("\n".join(rows[start:start + ROWS_PER_SECTION])))
    hidden = listing.total - len(rows)
    if hidden > 0:
        blocks.append(mrkdwn_section(f"and {hidden} more; `/delivery status <name>` shows a service's milestones"
                                     .replace("<", "&lt;").replace(">", "&gt;")))
    others = " · ".join(f"`/delivery milestones {w}`" for w in TITLES if w != listing.window)
    blocks.append(context(f"Also: {others}"))
    return Reply(text=f"{title}: {plural(listing.total, 'milestone')}.", blocks=blocks)
