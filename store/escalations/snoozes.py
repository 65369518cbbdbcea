"""Snoozes of blocked deliverables: which are live, and the DM that tells the owner one came back.

A snooze holds one blocked episode (its `blocked_since`) until its end: meanwhile the deliverable leaves
the at-risk digest and its escalation ladder waits; it still counts as blocked everywhere else (health,
tallies, cards, which say "snoozed until …"). At each tick, one transaction before anything is posted, the
snoozes that ended and whose return nobody claimed are read through `ix_deliverable_snoozes_unreturned`
and claimed (on PostgreSQL, skipping those another scheduler holds): a DM to the deliverable's owner (the
service's lead when it has none in Slack) when it is still blocked in that episode, audited; recorded as
having nothing to tell when it is not. An owner in quiet hours is told at a later tick.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import ColumnElement, exists, select, update
from sqlalchemy.orm import Session

from store.context import QueryContext
from store.enums import DeliverableStatus, DeliveryStatus, Surface
from store.models import Deliverable, DeliverableSnooze, Person, Service, StatusChange
from store.readmodels.escalations import ReturnClaim
from store.sla import hold_facts

MOST_PER_TICK = 200


@dataclass(frozen=True)
class ReturnOutcome:
    deliverable_id: int
    until: datetime
    status: DeliveryStatus
    error: str | None = None


@dataclass
class ReturnWork:
    claimed: list[ReturnClaim] = field(default_factory=list)
    empty: int = 0  # no longer blocked in that episode, or nobody to tell
    waiting: int = 0  # their owner is in quiet hours: told at a later tick


def until_words(until: datetime) -> str:
    """How the audit trail writes a snooze's end: `until 2026-12-09 09:00 UTC`."""
    return f"until {until.astimezone(timezone.utc):%Y-%m-%d %H:%M} UTC"


def snoozed_now(ctx: QueryContext) -> ColumnElement[bool]:
    """A deliverable row's current episode is held by a live snooze (for queries over `Deliverable`)."""
    return exists().where(DeliverableSnooze.deliverable_id == Deliverable.id,
                          DeliverableSnooze.blocked_since == Deliverable.blocked_since,
                          DeliverableSnooze.until > ctx.now)


def _audit_end(session: Session, ctx: QueryContext, deliverable_id: int, until: datetime, reason: str,
               person: Person | None = None, actor: str | None = None) -> None:
    session.add(StatusChange(team_id=ctx.team_id, object_type="deliverable", object_id=deliverable_id,
                             field="snooze", from_value=until_words(until), to_value="ended", reason=reason,
                             changed_by_id=person.id if person else None, changed_by_slack_user_id=actor,
                             surface=Surface.SLACK, changed_at=ctx.now))


def end_snooze_early(session: Session, ctx: QueryContext, *, deliverable_id: int, blocked_since: datetime,
                     why: str, person: Person, actor_slack_user_id: str) -> bool:
    """End a live snooze of this episode now, with no return DM (someone acted on it), audited. Whether one was."""
    snooze = session.get(DeliverableSnooze, deliverable_id)
    if snooze is None or snooze.blocked_since != blocked_since or snooze.until <= ctx.now:
        return False
    _audit_end(session, ctx, deliverable_id, snooze.until, why, person, actor_slack_user_id)
    snooze.until, snooze.return_status, snooze.return_error = ctx.now, DeliveryStatus.EMPTY.value, why[:200]
    snooze.return_claimed_at = snooze.return_finished_at = ctx.now
    return True


def claim_returns(session: Session, ctx: QueryContext, *, claimed_by: str, limit: int = MOST_PER_TICK) -> ReturnWork:
    """Claim the snoozes that ended by now and whose return nobody claimed (see the module's words)."""
    query = (select(DeliverableSnooze.deliverable_id, DeliverableSnooze.until, DeliverableSnooze.blocked_since,
                    Deliverable.status, Deliverable.blocked_since, Deliverable.service_id, Deliverable.owner_id,
                    Service.owner_id)
             .join(Deliverable, Deliverable.id == DeliverableSnooze.deliverable_id)
             .join(Service, Service.id == Deliverable.service_id)
             .where(DeliverableSnooze.team_id == ctx.team_id, DeliverableSnooze.return_status.is_(None),
                    DeliverableSnooze.until <= ctx.now)
             .order_by(DeliverableSnooze.until).limit(limit))
    if session.get_bind().dialect.name == "postgresql":
        # Another scheduler's tick takes the rows it locked; this one takes the rest.
        query = query.with_for_update(of=DeliverableSnooze, skip_locked=True)
    rows = list(session.execute(query))
    work = ReturnWork()
    if not rows:
        return work
    people = dict(session.execute(select(Person.id, Person.slack_user_id).where(
        Person.id.in_(sorted({p for row in rows for p in row[6:] if p is not None})))).all())
    holds = hold_facts(session, ctx, slack_user_ids=[s for s in people.values() if s], service_ids=[])
    decided: list[dict[str, object]] = []
    for deliverable_id, until, since, status, blocked_since, service_id, owner_id, lead_id in rows:
        place = (people.get(owner_id) if owner_id else None) or (people.get(lead_id) if lead_id else None)
        current = status == DeliverableStatus.BLOCKED and blocked_since == since
        if current and place and holds.reason(ctx, place, None) is not None:
            work.waiting += 1
            continue
        outcome, error = DeliveryStatus.PENDING, None
        if not current:
            outcome, error = DeliveryStatus.EMPTY, "no longer blocked when its snooze ended"
        elif not place:
            outcome, error = DeliveryStatus.EMPTY, "neither its owner nor the service's lead is in Slack"
        decided.append({"deliverable_id": deliverable_id, "until": until, "status": outcome.value, "error": error})
        if current:
            _audit_end(session, ctx, deliverable_id, until, "snooze ended: back to follow")
        if outcome == DeliveryStatus.PENDING and place:
            work.claimed.append(ReturnClaim(deliverable_id=deliverable_id, service_id=service_id, until=until,
                                            place=place))
        else:
            work.empty += 1
    for row in decided:
        pending = row["status"] == DeliveryStatus.PENDING.value
        session.execute(
            update(DeliverableSnooze)
            .where(DeliverableSnooze.deliverable_id == row["deliverable_id"], DeliverableSnooze.until == row["until"],
                   DeliverableSnooze.return_status.is_(None))
            .values(return_status=row["status"], return_error=row["error"], return_claimed_at=ctx.now,
                    return_claimed_by=claimed_by, return_finished_at=None if pending else ctx.now)
            .execution_options(synchronize_session=False))
    return work


def finish_returns(session: Session, ctx: QueryContext, *, outcomes: Sequence[ReturnOutcome]) -> None:
    for o in outcomes:
        session.execute(
            update(DeliverableSnooze)
            .where(DeliverableSnooze.deliverable_id == o.deliverable_id, DeliverableSnooze.until == o.until,
                   DeliverableSnooze.return_status == DeliveryStatus.PENDING.value)
            .values(return_status=o.status.value, return_error=o.error, return_finished_at=ctx.now)
            .execution_options(synchronize_session=False))


def expire_stale_returns(session: Session, ctx: QueryContext, *, claimed_before: datetime) -> int:
    """Returns still pending from a process that stopped: uncertain, never posted again."""
    result = session.execute(
        update(DeliverableSnooze)
        .where(DeliverableSnooze.team_id == ctx.team_id,
               DeliverableSnooze.return_status == DeliveryStatus.PENDING.value,
               DeliverableSnooze.return_claimed_at < claimed_before)
        .values(return_status=DeliveryStatus.UNCERTAIN.value, return_finished_at=ctx.now,
                return_error="claimed but never finished: the claiming process stopped")
        .execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)


def returns_of(session: Session, ctx: QueryContext) -> list[tuple[int, str | None]]:
    """(deliverable id, return status) of every snooze: for tests and the CLI."""
    return list(session.execute(select(DeliverableSnooze.deliverable_id, DeliverableSnooze.return_status)
                                .where(DeliverableSnooze.team_id == ctx.team_id)
                                .order_by(DeliverableSnooze.deliverable_id)))

