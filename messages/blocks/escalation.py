"""A blocked deliverable's follow-through: its escalation messages (one per place a step was posted, drawn
again as the ladder climbs, and when it is snoozed or no longer blocked), the DM that says a snooze ended,
and the words its row carries everywhere ("snoozed until Tue 9 Dec by @ryan: …", "escalated to @priya on
Tue")."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement

from messages.blocks.blockers import blocker_label
from messages.blocks.common import (
    Reply,
    context,
    date_token,
    escape,
    escape_clipped,
    mrkdwn_section,
    plural,
    time_token,
    user_mention,
)
from messages.ids import ActionId, DeliverableFollowValue, FollowAction, ViewKind, ViewRef
from store.enums import DeliverableStatus, DeliveryStatus
from store.health.rules import days_between
from store.readmodels import EscalationNote, PersonRef, SnoozeNote
from store.readmodels.escalations import EscalationStepLine, FollowUpView
from store.rules.escalation import Rung, rung_of

NAME_CHARS = 150
REASON_CHARS = 300
NOTE_CHARS = 500


def _day(moment: datetime, tz: ZoneInfo) -> str:
    """The local day of `moment` as a date token ("Tue 09 Dec" where Slack cannot say it better)."""
    return date_token(moment.astimezone(tz).date(), tz)


def _who(person: PersonRef | None, fallback: str) -> str:
    return user_mention(person.slack_user_id, person.name) if person else fallback


def snooze_words(snooze: SnoozeNote, tz: ZoneInfo) -> str:
    """`:zzz: snoozed until Tue 09 Dec by @ryan: waiting for the customer's IdP` (escaped)."""
    by = f" by {_who(snooze.by, 'someone')}" if snooze.by else ""
    return (f":zzz: snoozed until {_day(snooze.until, tz)}{by}: "
            f"{escape_clipped(snooze.reason, REASON_CHARS)}")


def _told(step: int, told: PersonRef | None) -> str:
    if rung_of(step) == Rung.CHANNELS:
        return "the escalations channels"
    return _who(told, "the service's lead" if rung_of(step) == Rung.LEAD else "its owner")


def escalation_words(note: EscalationNote, tz: ZoneInfo) -> str:
    """`escalated to @priya on Tue 09 Dec`, or that it could not be posted."""
    to, on = _told(note.step, note.told), _day(note.at, tz)
    if note.status == DeliveryStatus.FAILED.value:
        return f":warning: escalation to {to} on {on} could not be posted"
    if note.status == DeliveryStatus.UNCERTAIN.value:
        return f":arrow_up: escalated to {to} on {on} (it may not have arrived)"
    return f":arrow_up: escalated to {to} on {on}"


def _step_line(line: EscalationStepLine, tz: ZoneInfo) -> str:
    rung = rung_of(line.step)
    to = _told(line.step, line.told) if rung != Rung.CHANNELS else "the channels subscribed to `escalations`"
    how = (f"by {_who(line.requested_by, 'someone')}" if line.requested_by is not None or line.note
           else "on the ladder's schedule")
    outcome = {DeliveryStatus.FAILED.value: f" · :warning: could not be posted ({escape(line.error or 'error')})",
               DeliveryStatus.UNCERTAIN.value: " · may not have arrived",
               DeliveryStatus.EMPTY.value: f" · nobody to tell: {escape(line.error or 'nobody in Slack')}",
               DeliveryStatus.PENDING.value: " · being posted"}.get(line.status, "")
    text = f"{line.step}. {time_token(line.at)}: {to}, {how}{outcome}"
    if line.note:
        text += f"\n      _{escape_clipped(line.note, NOTE_CHARS)}_"
    return text


def _next_words(view: FollowUpView, tz: ZoneInfo) -> str:
    if view.next_step is None or view.next_at is None:
        return "Every step of the ladder has been taken."
    rung = rung_of(view.next_step)
    to = "the channels subscribed to `escalations`" if rung == Rung.CHANNELS else rung.words
    when = "at the next check" if view.next_at <= view.as_of else time_token(view.next_at)
    return f"Next: {to}, {when}."


def _headline(view: FollowUpView, tz: ZoneInfo) -> tuple[str, str]:
    """(emoji and words in mrkdwn, the words alone for the notification); the name escaped."""
    name = escape_clipped(view.name, NAME_CHARS)
    if not view.current:
        if view.status == DeliverableStatus.BLOCKED:
            return (f":white_check_mark: *This blocker ended*: *{name}* was unblocked, and is blocked again since "
                    "then: a new escalation follows it", f"Blocker ended: {name}")
        return (f":white_check_mark: *No longer blocked*: *{name}* is now {view.status.label.lower()}",
                f"No longer blocked: {name}")
    days = plural(days_between(view.blocked_since, view.as_of), "day")
    if view.snoozed and view.snooze is not None:
        return (f":zzz: *Snoozed*: *{name}*, blocked {days}, is held until {_day(view.snooze.until, tz)}; "
                "its escalation waits until then", f"Snoozed: {name}")
    if view.returned:
        return f":alarm_clock: *Back from snooze*: *{name}* is still blocked, {days}", f"Back from snooze: {name}"
    return f":rotating_light: *Escalation*: *{name}* has been blocked {days}", f"Escalation: {name} blocked {days}"


def _buttons(view: FollowUpView, ref: ViewRef) -> list[Block]:
    if not view.current:
        return []
    actions = [FollowAction.ESCALATE] if view.next_step is not None else []
    actions.append(FollowAction.SNOOZE)
    return [ActionsBlock(elements=[ButtonElement(
        text=action.label if action != FollowAction.SNOOZE or not view.snoozed else "Snooze again",
        action_id=f"{ActionId.DELIVERABLE_FOLLOW.value}:{view.deliverable_id}:{action.value}",
        value=DeliverableFollowValue(a=action, d=view.deliverable_id, v=view.version, w=ref).model_dump_json(),
        style="danger" if action == FollowAction.ESCALATE else None) for action in actions])]


def follow_up_message(view: FollowUpView, tz: ZoneInfo, ref: ViewRef) -> Reply:
    """The episode as it stands now, for `ref` (an escalation message, or a snooze's return DM)."""
    headline, said = _headline(view, tz)
    service = escape_clipped(view.service.label, NAME_CHARS)
    people = f"owner {_who(view.owner, 'nobody')} · lead {_who(view.lead, 'nobody')}"
    lines = [headline, f"{service} · {people}"]
    if view.blocked_reason:
        lines.append(f"Waiting for ({escape(blocker_label(view.blocked_category))}): "
                     f"{escape_clipped(view.blocked_reason, REASON_CHARS)}")
    if view.snooze is not None and view.current:
        ended = "" if view.snoozed else " (ended)"
        lines.append(f"{snooze_words(view.snooze, tz)}{ended}")
    blocks: list[Block] = [mrkdwn_section("\n".join(lines))]
    if view.steps:
        blocks.append(mrkdwn_section("*Escalation*\n" + "\n".join(_step_line(line, tz) for line in view.steps)))
    if view.current and not view.snoozed:
        blocks.append(mrkdwn_section(_next_words(view, tz)))
    blocks += _buttons(view, ref)
    days = ", ".join(str(day) for day in view.days)
    blocks.append(context(
        f"Escalates at {days} days blocked: its owner, the service's lead, then the channels subscribed to "
        f"`escalations` · this message is updated as it moves · As of {time_token(view.as_of)}"))
    shows = frozenset({("deliverable", view.deliverable_id), ("service", view.service.service_id)})
    return Reply(text=f"{said} ({service})", blocks=blocks, shareable=False, view=ref, shows=shows)


def follow_up_reply(view: FollowUpView, tz: ZoneInfo) -> Reply:
    """An escalation message (the view of one step's message) or a snooze's return DM (of the deliverable)."""
    if view.returned or view.step_id is None:
        return follow_up_message(view, tz, ViewRef(k=ViewKind.SNOOZE_RETURN, d=view.deliverable_id))
    return follow_up_message(view, tz, ViewRef(k=ViewKind.ESCALATION, es=view.step_id))

