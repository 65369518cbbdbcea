"""Health a week ago: the health rules applied to the facts as they stood at an earlier moment.

Health is computed, never stored, so "what was it a week ago" is answered by running the same
rules (`store.health.rules.assess`) on the signals as of that moment, rebuilt from what the
database dates:

- blocked deliverables: those blocked now since before then (`blocked_since`), and those whose
  latest audited status change at or before then made them Blocked (the audit trail);
- milestones: by due date and done date, with linked deliverables counted done when they are done
  now and were completed by then (a done deliverable with no completion time counts as done);
- customer sessions: by start time, in the same windows as now, ending then;
- overdue tickets: opened by then, due before then, and unresolved then (by resolution time).

What the database does not date is left out: a lead's override (overrides keep no start time),
and services that became active or were staffed differently (no history of service status). Only
services active now and created by then are compared. Six statements whatever the portfolio size
(five for `signalled_as_of`, which leaves out the services that had no signal).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import and_, case, func, or_, select, union_all
from sqlalchemy.orm import Session

from store.clock import local_today
from store.enums import DONE_STATUSES, DeliverableStatus, Health, ServiceStatus
from store.health.rules import BlockedDeliverable, HealthSignals, MilestoneProgress, assess
from store.health.signals import declining_sessions
from store.models import Deliverable, Milestone, Service, StatusChange, Ticket

if TYPE_CHECKING:
    from store.context import QueryContext


@dataclass(frozen=True)
class HealthThen:
    """One service's computed health at an earlier moment, and the rules that held then (a plain
    dataclass: there is one per active service, and the weekly digest only compares them)."""

    service_id: int
    health: Health
    rules: list[str]


def _active_now(ctx: QueryContext):
    return select(Service.id).where(Service.team_id == ctx.team_id, Service.status == ServiceStatus.ACTIVE)


def done_by(at: datetime):
    """A deliverable counted done at `at`: done now, and completed by then (or with no completion time)."""
    return and_(Deliverable.status.in_(DONE_STATUSES),
                or_(Deliverable.completed_at.is_(None), Deliverable.completed_at <= at))


def _blocked_then(session: Session, ctx: QueryContext, at: datetime) -> dict[int, list[BlockedDeliverable]]:
    cutoff = at - timedelta(days=ctx.limits.blocked_days)
    still_blocked = session.execute(
        select(Deliverable.id, Deliverable.service_id, Deliverable.name, Deliverable.blocked_since).where(
            Deliverable.team_id == ctx.team_id, Deliverable.status == DeliverableStatus.BLOCKED,
            Deliverable.blocked_since <= cutoff, Deliverable.service_id.in_(_active_now(ctx)),
        )
    ).all()
    latest = (
        select(StatusChange.object_id.label("object_id"), func.max(StatusChange.changed_at).label("changed_at"))
        .where(StatusChange.team_id == ctx.team_id, StatusChange.object_type == "deliverable",
               StatusChange.field == "status", StatusChange.changed_at <= at)
        .group_by(StatusChange.object_id)
        .subquery()
    )
    audited = session.execute(
        select(Deliverable.id, Deliverable.service_id, Deliverable.name, StatusChange.changed_at)
        .join(latest, and_(latest.c.object_id == StatusChange.object_id,
                           latest.c.changed_at == StatusChange.changed_at))
        .join(Deliverable, Deliverable.id == StatusChange.object_id)
        .where(StatusChange.team_id == ctx.team_id, StatusChange.object_type == "deliverable",
               StatusChange.field == "status", StatusChange.to_value == DeliverableStatus.BLOCKED.value,
               StatusChange.changed_at <= cutoff, Deliverable.service_id.in_(_active_now(ctx)))
    ).all()
    earliest: dict[int, tuple[int, str, datetime]] = {}
    for deliverable_id, service_id, name, since in [*still_blocked, *audited]:
        assert since is not None  # both statements test it against the cutoff, which no NULL passes
        if deliverable_id not in earliest or since < earliest[deliverable_id][2]:
            earliest[deliverable_id] = (service_id, name, since)
    found: dict[int, list[BlockedDeliverable]] = defaultdict(list)
    for service_id, name, since in earliest.values():
        found[service_id].append(BlockedDeliverable(name=name, since=since))
    return found


def _milestones_then(session: Session, ctx: QueryContext, at: datetime):
    day = local_today(at, ctx.tz)
    done = func.sum(case((done_by(at), 1), else_=0))
    total = func.count(Deliverable.id)
    rows = session.execute(
        select(Milestone.service_id, Milestone.name, Milestone.due_on, total, done)
        .outerjoin(Deliverable, Deliverable.milestone_id == Milestone.id)
        .where(
            Milestone.team_id == ctx.team_id,
            or_(Milestone.done_on.is_(None), Milestone.done_on > day),
            Milestone.due_on <= day + timedelta(days=ctx.limits.milestone_window_days),
            Milestone.service_id.in_(_active_now(ctx)),
        )
        .group_by(Milestone.id, Milestone.service_id, Milestone.name, Milestone.due_on)
        # As in store.health.signals: a superset of what the rules flag; they decide.
        .having(or_(Milestone.due_on < day, and_(total > 0, done <= total * ctx.limits.milestone_min_done_share)))
    )
    overdue: dict[int, list[MilestoneProgress]] = defaultdict(list)
    upcoming: dict[int, list[MilestoneProgress]] = defaultdict(list)
    for service_id, name, due_on, linked, done_count in rows:
        progress = MilestoneProgress(name, due_on, int(done_count or 0), int(linked))
        (overdue if due_on < day else upcoming)[service_id].append(progress)
    return overdue, upcoming


def _overdue_tickets_then(session: Session, ctx: QueryContext, at: datetime) -> dict[int, int]:
    """Tickets overdue at `at`, per service past the rule's limit. Unresolved then means open now
    or resolved since: two index ranges, where "resolved_at IS NULL OR resolved_at > at" in one
    WHERE reads every ticket."""
    overdue_then = (Ticket.team_id == ctx.team_id, Ticket.opened_at <= at, Ticket.due_at < at)
    unresolved_then = union_all(
        select(Ticket.service_id).where(*overdue_then, Ticket.resolved_at.is_(None)),
        select(Ticket.service_id).where(*overdue_then, Ticket.resolved_at > at),
    ).subquery()
    rows = session.execute(
        select(unresolved_then.c.service_id, func.count())
        .where(unresolved_then.c.service_id.in_(_active_now(ctx)))
        .group_by(unresolved_then.c.service_id)
        .having(func.count() > ctx.limits.overdue_tickets_max)  # the rule's own test: the rest raise nothing
    )
    return {service_id: int(count) for service_id, count in rows}


def signalled_as_of(session: Session, ctx: QueryContext, *, at: datetime) -> dict[int, HealthThen]:
    """Computed health at `at` of the services active now that had a signal then, in five statements.

    Every other service had nothing for the rules to find, so it was On Track: callers count those
    rather than build one object each. The creation time is not tested here (`health_as_of` does).
    """
    blocked = _blocked_then(session, ctx, at)
    overdue, upcoming = _milestones_then(session, ctx, at)
    sessions = declining_sessions(session, ctx.team_id, at, ctx.limits, None)
    tickets = _overdue_tickets_then(session, ctx, at)
    day = local_today(at, ctx.tz)
    results = {}
    for service_id in {*blocked, *overdue, *upcoming, *sessions, *tickets}:
        recent, prior = sessions.get(service_id, (0, 0))
        signals = HealthSignals(
            blocked=blocked.get(service_id, []), overdue_milestones=overdue.get(service_id, []),
            upcoming_milestones=upcoming.get(service_id, []), sessions_recent=recent, sessions_prior=prior,
            overdue_tickets=tickets.get(service_id, 0),
        )
        assessment = assess(signals, now=at, today=day, limits=ctx.limits)
        results[service_id] = HealthThen(service_id=service_id, health=assessment.computed,
                                         rules=sorted({f.rule for f in assessment.findings}))
    return results


def existed_then(ctx: QueryContext, at: datetime):
    """The test for a service compared with `at`: active now and created by then."""
    return and_(Service.team_id == ctx.team_id, Service.status == ServiceStatus.ACTIVE, Service.created_at <= at)


def health_as_of(session: Session, ctx: QueryContext, *, at: datetime) -> list[HealthThen]:
    """Computed health at `at` of the services active now that existed then, in six statements."""
    signalled = signalled_as_of(session, ctx, at=at)
    service_ids = session.scalars(select(Service.id).where(existed_then(ctx, at)).order_by(Service.id)).all()
    return [signalled.get(service_id) or HealthThen(service_id, Health.ON_TRACK, []) for service_id in service_ids]
