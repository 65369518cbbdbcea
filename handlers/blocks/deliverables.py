"""How deliverables read, everywhere they appear: the summary line and one row each."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from store.enums import DeliverableStatus
from store.readmodels import DeliverableLine, DeliverableTally
from store.rules.health import days_between

from handlers.blocks.common import date_token, escape, plural

STATUS_EMOJI = {
    DeliverableStatus.BLOCKED: ":no_entry:",
    DeliverableStatus.IN_PROGRESS: ":hourglass_flowing_sand:",
    DeliverableStatus.NOT_STARTED: ":white_circle:",
    DeliverableStatus.COMPLETE: ":white_check_mark:",
    DeliverableStatus.ACCEPTED: ":white_check_mark:",
}


def tally_line(tally: DeliverableTally) -> str:
    """'12 of 15 complete, 3 in progress, 0 blocked' (complete counts Accepted too)."""
    return f"{tally.done} of {tally.total} complete, {tally.in_progress} in progress, {tally.blocked} blocked"


def deliverable_row(line: DeliverableLine, *, now: datetime, tz: ZoneInfo, show_owner: bool = True) -> str:
    parts = [f"{STATUS_EMOJI[line.status]} {escape(line.name)}"]
    if show_owner and line.owner:
        parts.append(escape(line.owner.name))
    if line.status == DeliverableStatus.BLOCKED and line.blocked_since:
        blocked = f"blocked {plural(days_between(line.blocked_since, now), 'day')}"
        if line.blocked_reason:
            blocked += f": {escape(line.blocked_reason)}"
        parts.append(blocked)
    if line.due_on and not line.status.is_done:
        parts.append(f"{'*late*, was due' if line.late else 'due'} {date_token(line.due_on, tz)}")
    return " · ".join(parts)
