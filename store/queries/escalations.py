"""What an escalation message and a snooze's return DM show: one blocked episode of a deliverable, the
steps its ladder took, its snooze, and what comes next (messages/blocks/escalation.py draws it)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from store.context import QueryContext
from store.enums import DeliverableStatus
from store.models import Deliverable, DeliverableSnooze, EscalationStep, Person, Service
from store.queries.lines import person_ref
from store.queries.refs import service_refs
from store.readmodels import PersonRef, SnoozeNote
from store.readmodels.escalations import EscalationStepLine, FollowUpView


def _person(session: Session, person_id: int | None) -> PersonRef | None:
    person = session.get(Person, person_id) if person_id else None
    return person_ref(person.name, person.slack_user_id) if person else None


def _steps(session: Session, deliverable_id: int, blocked_since: datetime) -> list[EscalationStepLine]:
    told, asked = aliased(Person), aliased(Person)
    rows = session.execute(
        select(EscalationStep, told.name, told.slack_user_id, asked.name, asked.slack_user_id)
        .outerjoin(told, told.id == EscalationStep.told_id)
        .outerjoin(asked, asked.id == EscalationStep.requested_by_id)
        .where(EscalationStep.deliverable_id == deliverable_id, EscalationStep.blocked_since == blocked_since)
        .order_by(EscalationStep.step))
    return [EscalationStepLine(step_id=row.id, step=row.step, at=row.claimed_at, told=person_ref(t, ts),
                               requested_by=person_ref(a, as_), note=row.note, status=row.status, error=row.error)
            for row, t, ts, a, as_ in rows]


def follow_up_view(session: Session, ctx: QueryContext, *, deliverable_id: int, blocked_since: datetime | None,
                   returned: bool = False, step_id: int | None = None) -> FollowUpView:
    """The episode of `deliverable_id` that began at `blocked_since` (its current one when None)."""
    deliverable = session.get(Deliverable, deliverable_id)
    if deliverable is None or deliverable.team_id != ctx.team_id:
        raise LookupError(f"no deliverable {deliverable_id} in this workspace")
    since = blocked_since or deliverable.blocked_since or ctx.now
    current = deliverable.status == DeliverableStatus.BLOCKED and deliverable.blocked_since == since
    service = session.get(Service, deliverable.service_id)
    assert service is not None  # deliverables.service_id is a non-null foreign key
    steps = _steps(session, deliverable_id, since)
    row = session.get(DeliverableSnooze, deliverable_id)
    snooze = SnoozeNote(until=row.until, by=_person(session, row.snoozed_by_id), reason=row.reason) \
        if row is not None and row.blocked_since == since else None
    taken = {line.step: line.at for line in steps}
    held = snooze.until if snooze is not None else None
    due = ctx.escalation.next_step(since, taken, held) if current else None
    return FollowUpView(
        as_of=ctx.now, deliverable_id=deliverable_id, name=deliverable.name,
        service=service_refs(session, ctx, only=service.id)[service.id], owner=_person(session, deliverable.owner_id),
        lead=_person(session, service.owner_id), status=deliverable.status, version=deliverable.version,
        blocked_since=since, blocked_reason=deliverable.blocked_reason if current else None, current=current,
        blocked_category=deliverable.blocked_category if current else None,
        steps=steps, snooze=snooze, next_step=due.step if due else None, next_at=due.at if due else None,
        days=ctx.escalation.days, returned=returned, step_id=step_id)


def escalation_view(session: Session, ctx: QueryContext, *, step_id: int) -> FollowUpView:
    """The episode of one escalation step (an escalation message's view names the step it was posted for)."""
    step = session.get(EscalationStep, step_id)
    if step is None or step.team_id != ctx.team_id:
        raise LookupError(f"no escalation step {step_id} in this workspace")
    return follow_up_view(session, ctx, deliverable_id=step.deliverable_id, blocked_since=step.blocked_since,
                          step_id=step_id)


def snooze_return_view(session: Session, ctx: QueryContext, *, deliverable_id: int) -> FollowUpView:
    """The episode a deliverable's snooze held (its current one when it has none): the return DM's view."""
    snooze = session.get(DeliverableSnooze, deliverable_id)
    return follow_up_view(session, ctx, deliverable_id=deliverable_id,
                          blocked_since=snooze.blocked_since if snooze is not None else None, returned=True)
