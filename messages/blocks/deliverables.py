"""How deliverables read, everywhere they appear: the summary line, one row each (a blocked one with its snooze
and latest escalation), its menu (a blocked one's with Snooze and Escalate now)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Option, OverflowMenuElement, SectionBlock

from messages.blocks.blockers import blocker_label
from messages.blocks.common import date_token, escape, mrkdwn_section, plural, user_mention
from messages.blocks.escalation import escalation_words, snooze_words
from messages.ids import ActionId, DeliverableFollowValue, DeliverableMoveValue, FollowAction, ViewRef
from store.enums import DeliverableStatus
from store.health.rules import days_between
from store.readmodels import DeliverableLine, DeliverableTally
from store.rules.transitions import allowed_moves

STATUS_EMOJI = {
    DeliverableStatus.BLOCKED: ":no_entry:",
    DeliverableStatus.IN_PROGRESS: ":hourglass_flowing_sand:",
    DeliverableStatus.NOT_STARTED: ":white_circle:",
    DeliverableStatus.COMPLETE: ":white_check_mark:",
    DeliverableStatus.ACCEPTED: ":white_check_mark:",
}
DONE_WORDS = {DeliverableStatus.COMPLETE: "Completed", DeliverableStatus.ACCEPTED: "Accepted"}


def tally_line(tally: DeliverableTally) -> str:
    """'12 of 15 complete, 3 in progress, 0 blocked' (complete counts Accepted too)."""
    return f"{tally.done} of {tally.total} complete, {tally.in_progress} in progress, {tally.blocked} blocked"


def deliverable_row(line: DeliverableLine, *, now: datetime, tz: ZoneInfo, show_owner: bool = True) -> str:
    parts = [f"{STATUS_EMOJI[line.status]} {escape(line.name)}"]
    if show_owner and line.owner:
        parts.append(escape(line.owner.name))
    if line.status == DeliverableStatus.BLOCKED and line.blocked_since:
        blocked = f"blocked {plural(days_between(line.blocked_since, now), 'day')}"
        blocked += f" · {escape(blocker_label(line.blocked_category))}"
        if line.blocked_reason:
            blocked += f": {escape(line.blocked_reason)}"
        parts.append(blocked)
        if line.snooze is not None:
            parts.append(snooze_words(line.snooze, tz))
        if line.escalation is not None:
            parts.append(escalation_words(line.escalation, tz))
    if line.due_on and not line.status.is_done:
        parts.append(f"{'*late*, was due' if line.late else 'due'} {date_token(line.due_on, tz)}")
    if line.status.is_done and line.done_by is not None:
        parts.append(f"{DONE_WORDS[line.status]} by {user_mention(line.done_by.slack_user_id, line.done_by.name)}")
    return " · ".join(parts)


def follow_actions(line: DeliverableLine) -> list[FollowAction]:
    """A blocked row's follow-ups: snooze it, and escalate it now while a step is left."""
    if line.status != DeliverableStatus.BLOCKED or line.blocked_since is None:
        return []
    escalate = [] if line.escalation is not None and line.escalation.last else [FollowAction.ESCALATE]
    return [FollowAction.SNOOZE, *escalate]


def moves_menu(line: DeliverableLine, view: ViewRef) -> OverflowMenuElement:
    options = [
        Option(text=move.label, value=DeliverableMoveValue(m=move, d=line.deliverable_id, v=line.version,
                                                           w=view).model_dump_json())
        for move in allowed_moves(line.status)
    ]
    options += [
        Option(text="Snooze again" if action == FollowAction.SNOOZE and line.snooze else action.label,
               value=DeliverableFollowValue(a=action, d=line.deliverable_id, v=line.version, w=view).model_dump_json())
        for action in follow_actions(line)
    ]
    return OverflowMenuElement(action_id=f"{ActionId.DELIVERABLE_MOVE.value}:{line.deliverable_id}", options=options)


def deliverable_section(line: DeliverableLine, *, now: datetime, tz: ZoneInfo, view: ViewRef | None,
                        show_owner: bool = True, service_label: str | None = None) -> SectionBlock:
    """A row with a menu of the moves valid from its status (when shown where moves apply).

    `service_label` (raw text, escaped here) names the service where rows of several services mix.
    """
    text = deliverable_row(line, now=now, tz=tz, show_owner=show_owner)
    if service_label:
        text += f" · {escape(service_label)}"
    section = mrkdwn_section(text)
    if view is not None:
        section.accessory = moves_menu(line, view)
    return section
