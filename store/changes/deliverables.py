"""Move a deliverable between statuses, from Slack, the CLI or an import."""

from __future__ import annotations

from datetime import date

from sqlalchemy import update
from sqlalchemy.orm import Session

from store.changes import ChangeApplied, ChangeRefused, InvalidChange, StaleChange, rows_matched
from store.changes.actors import actor_facts, actor_person, last_change, target_facts
from store.context import QueryContext
from store.enums import DeliverableStatus, Surface
from store.models import Deliverable, Service, StatusChange
from store.rules.permissions import authorize
from store.rules.transitions import RESULT, Move, allowed_moves, permission_for


def _stale(session: Session, ctx: QueryContext, deliverable: Deliverable) -> StaleChange:
    who, when = last_change(session, ctx, "deliverable", deliverable.id)
    return StaleChange(f"marked {deliverable.status.label}", who, when)


def _new_values(ctx: QueryContext, deliverable: Deliverable, move: Move, person_id: int | None,
                reason: str | None, expected_unblock_on: date | None) -> dict:
    status = RESULT[move]
    values: dict = {"status": status, "version": deliverable.version + 1}
    if move == Move.BLOCK:
        values |= {"blocked_reason": reason, "blocked_since": ctx.now, "expected_unblock_on": expected_unblock_on}
    elif deliverable.status == DeliverableStatus.BLOCKED:
        values |= {"blocked_reason": None, "blocked_since": None, "expected_unblock_on": None}
    if status == DeliverableStatus.COMPLETE:
        values["completed_at"] = ctx.now
    if move == Move.ACCEPT:
        values |= {"accepted_at": ctx.now, "accepted_by_id": person_id}
    if move == Move.REOPEN:
        values |= {"completed_at": None, "accepted_at": None, "accepted_by_id": None}
    return values


def move_deliverable(
    session: Session,
    ctx: QueryContext,
    *,
    actor_slack_user_id: str,
    deliverable_id: int,
    move: Move,
    version: int,
    reason: str | None = None,
    expected_unblock_on: date | None = None,
    surface: Surface = Surface.SLACK,
) -> ChangeApplied:
    """Apply `move` if the actor may and the deliverable is still at `version`; else change nothing.

    Runs inside the caller's transaction: the new state and its StatusChange commit together.
    """
    deliverable = session.get(Deliverable, deliverable_id)
    if deliverable is None or deliverable.team_id != ctx.team_id:
        raise InvalidChange("that deliverable no longer exists")
    service = session.get(Service, deliverable.service_id)
    assert service is not None  # deliverables.service_id is a non-null foreign key
    person = actor_person(session, ctx, actor_slack_user_id)
    decision = authorize(permission_for(move), actor_facts(person),
                         target_facts(session, service, deliverable.owner_id))
    if not decision.allowed:
        raise ChangeRefused(decision.who_can, linked=person is not None)
    assert person is not None  # authorize allows no one without a Person row
    if deliverable.version != version:
        raise _stale(session, ctx, deliverable)
    if move not in allowed_moves(deliverable.status):
        raise InvalidChange(f"'{deliverable.name}' is {deliverable.status.label}: it cannot {move.value} now")
    if move == Move.BLOCK and not (reason or "").strip():
        raise InvalidChange("blocking needs a reason")
    before = deliverable.status
    values = _new_values(ctx, deliverable, move, person.id, reason, expected_unblock_on)
    applied = rows_matched(session.execute(
        update(Deliverable)
        .where(Deliverable.id == deliverable_id, Deliverable.version == version)
        .values(**values)
        .execution_options(synchronize_session=False)
    ))
    if applied != 1:
        # Someone else's change committed between our read and our write.
        session.refresh(deliverable)
        raise _stale(session, ctx, deliverable)
    session.add(StatusChange(
        team_id=ctx.team_id, object_type="deliverable", object_id=deliverable_id, field="status",
        from_value=before.value, to_value=values["status"].value, reason=reason, changed_by_id=person.id,
        changed_by_slack_user_id=actor_slack_user_id, surface=surface, changed_at=ctx.now,
    ))
    session.flush()
    return ChangeApplied(object_type="deliverable", object_id=deliverable_id, service_id=service.id,
                         from_value=before.value, to_value=values["status"].value, version=values["version"])
