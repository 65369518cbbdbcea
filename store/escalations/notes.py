"""What a blocked deliverable's row says of its follow-up, wherever rows are shown: its live snooze ("snoozed
until Tue 9 Dec by @ryan: …") and its episode's latest escalation ("escalated to @priya on Tue")."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.context import QueryContext
from store.enums import DeliverableStatus, DeliveryStatus
from store.models import DeliverableSnooze, EscalationStep, Person
from store.queries.lines import person_ref
from store.readmodels import DeliverableLine, EscalationNote, SnoozeNote
from store.rules.escalation import LAST_STEP


def follow_ups(session: Session, ctx: QueryContext, lines: list[DeliverableLine]) -> list[DeliverableLine]:
    """`lines` with the snooze and escalation of each blocked one filled in: two statements, whatever the
    lines (so a command's statements do not depend on what it finds)."""
    ids = sorted({line.deliverable_id for line in lines if line.status == DeliverableStatus.BLOCKED})
    snoozes = {deliverable_id: (since, SnoozeNote(until=until, by=person_ref(name, slack), reason=reason))
               for deliverable_id, since, until, reason, name, slack in session.execute(
                   select(DeliverableSnooze.deliverable_id, DeliverableSnooze.blocked_since, DeliverableSnooze.until,
                          DeliverableSnooze.reason, Person.name, Person.slack_user_id)
                   .outerjoin(Person, Person.id == DeliverableSnooze.snoozed_by_id)
                   .where(DeliverableSnooze.deliverable_id.in_(ids), DeliverableSnooze.until > ctx.now))}
    steps: dict[int, list[tuple[object, int, EscalationNote | None]]] = {}
    for deliverable_id, since, step, at, status, name, slack in session.execute(
            select(EscalationStep.deliverable_id, EscalationStep.blocked_since, EscalationStep.step,
                   EscalationStep.claimed_at, EscalationStep.status, Person.name, Person.slack_user_id)
            .outerjoin(Person, Person.id == EscalationStep.told_id)
            .where(EscalationStep.deliverable_id.in_(ids)).order_by(EscalationStep.step)):
        note = None if status == DeliveryStatus.EMPTY.value else EscalationNote(
            step=step, at=at, told=person_ref(name, slack), status=status, last=step == LAST_STEP)
        steps.setdefault(deliverable_id, []).append((since, step, note))
    if not ids:
        return lines
    filled = []
    for line in lines:
        if line.status != DeliverableStatus.BLOCKED or line.blocked_since is None:
            filled.append(line)
            continue
        snooze = snoozes.get(line.deliverable_id)
        episode = [(step, note) for since, step, note in steps.get(line.deliverable_id, [])
                   if since == line.blocked_since]
        shown = next((note for _step, note in reversed(episode) if note is not None), None)
        at_top = any(step == LAST_STEP for step, _note in episode)
        if shown is not None and at_top != shown.last:
            shown = shown.model_copy(update={"last": at_top})
        filled.append(line.model_copy(update={
            "snooze": snooze[1] if snooze and snooze[0] == line.blocked_since else None, "escalation": shown}))
    return filled
