"""Health signals of many services at once, in SQL: what the rules (`store.health.rules`) look at.

Every column read here is one whose change marks the service for kept health (the triggers of
migrations 0010 and 0017); tests/test_kept_health.py holds the two lists to each other."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import QueryableAttribute, Session

from store.enums import DONE_STATUSES, DeliverableStatus, ServiceStatus
from store.health.rules import (
    BlockedDeliverable,
    BudgetForecast,
    HealthSignals,
    HealthThresholds,
    MilestoneProgress,
    SlipForecast,
)
from store.health.tallies import declining_from_tallies, session_counts_at
from store.models import Deliverable, Milestone, Service, Ticket
from store.queries.id_lists import id_in
from store.queries.spend import standings
from store.queries.throughput import slipping
from store.rules.budget import BudgetBasis
from store.rules.forecast import week_end

if TYPE_CHECKING:
    from store.context import QueryContext


def active_services(team_id: str, only: Collection[int] | None = None):
    query = select(Service.id).where(Service.team_id == team_id, Service.status == ServiceStatus.ACTIVE)
    return query if only is None else query.where(id_in(Service.id, only, "only_ids"))


def of_active_services(service_id: QueryableAttribute[int | None], team_id: str) -> ColumnElement[bool]:
    """`service_id` is one of the team's active services, for rows that carry the team themselves.
    Written as "none of the services not active", which are few: the databases then read the rows
    by their own team's index, where "one of 9,000 active services" led SQLite to seek each active
    service in turn (17 ms instead of 7 for the blocked deliverables at 10,000 services)."""
    return service_id.not_in(
        select(Service.id).where(Service.team_id == team_id, Service.status != ServiceStatus.ACTIVE))


def _rows_of(model, team_id: str, only: Collection[int] | None) -> tuple:
    """Conditions that a `model` row is of one of the team's active services (of `only` those, when
    given). For the whole portfolio, by the team's own index; for a few services, by each one's own
    rows (their service's index), the services checked to be the team's and active: through the
    team's index, SQLite read every overdue ticket of the team to find those of 50 services."""
    if only is None:
        return model.team_id == team_id, of_active_services(model.service_id, team_id)
    return (model.service_id.in_(active_services(team_id, only)),)


def _blocked(session: Session, team_id: str, now: datetime, limits: HealthThresholds, only):
    cutoff = now - timedelta(days=limits.blocked_days)
    rows = session.execute(
        select(Deliverable.service_id, Deliverable.name, Deliverable.blocked_since).where(
            *_rows_of(Deliverable, team_id, only),
            Deliverable.status == DeliverableStatus.BLOCKED,
            Deliverable.blocked_since <= cutoff,
        )
    )
    found: dict[int, list[BlockedDeliverable]] = defaultdict(list)
    for service_id, name, since in rows:
        assert since is not None  # `blocked_since <= cutoff` matches no NULL
        found[service_id].append(BlockedDeliverable(name=name, since=since))
    return found


def _open_milestones(session: Session, team_id: str, today: date, limits: HealthThresholds, only):
    """Open milestones that may raise a finding: overdue ones, and those due within the window with
    at most the rule's share done (a superset of the timeline rule's test, which decides; in SQL,
    so the many milestones on track never reach Python)."""
    done = func.sum(case((Deliverable.status.in_(DONE_STATUSES), 1), else_=0))
    total = func.count(Deliverable.id)
    rows = session.execute(
        select(Milestone.service_id, Milestone.name, Milestone.due_on, total, done)
        .outerjoin(Deliverable, Deliverable.milestone_id == Milestone.id)
        .where(
            *_rows_of(Milestone, team_id, only),
            Milestone.done_on.is_(None),
            Milestone.due_on <= today + timedelta(days=limits.milestone_window_days),
        )
        .group_by(Milestone.id, Milestone.service_id, Milestone.name, Milestone.due_on)
        .having(or_(Milestone.due_on < today, and_(total > 0, done <= total * limits.milestone_min_done_share)))
    )
    overdue: dict[int, list[MilestoneProgress]] = defaultdict(list)
    upcoming: dict[int, list[MilestoneProgress]] = defaultdict(list)
    for service_id, name, due_on, linked, done_count in rows:
        progress = MilestoneProgress(name, due_on, int(done_count or 0), int(linked))
        (overdue if due_on < today else upcoming)[service_id].append(progress)
    return overdue, upcoming


def declining_sessions(session: Session, team_id: str, now: datetime, limits: HealthThresholds, only):
    """Customer sessions in the recent and the prior engagement window, of the services whose
    engagement is declining only (the rule's own test, in SQL): the rest raise no finding, and
    leaving them out keeps Python's work proportional to the problems, not to the portfolio. From
    the engagement tallies when the whole portfolio is asked for and they are current; else (and
    for a few services, which are a few index ranges) from the appointments."""
    if only is None:
        tallied = declining_from_tallies(session, team_id, now=now, limits=limits)
        if tallied is not None:
            return tallied
    counts = session_counts_at(team_id, now, limits, active_services(team_id, only)).subquery()
    service_id, recent, prior = counts.c
    rows = session.execute(
        select(service_id, recent, prior).where(prior > 0, recent < prior * limits.engagement_min_ratio)
    )
    return {service_id: (int(r or 0), int(p or 0)) for service_id, r, p in rows}


def _overdue_tickets(session: Session, team_id: str, now: datetime, limits: HealthThresholds, only):
    """Overdue tickets per service, of the services with more than the rule allows."""
    rows = session.execute(
        select(Ticket.service_id, func.count())
        .where(
            *_rows_of(Ticket, team_id, only),
            Ticket.resolved_at.is_(None),
            Ticket.due_at < now,
        )
        .group_by(Ticket.service_id)
        .having(func.count() > limits.overdue_tickets_max)
    )
    return dict(rows.all())


def _over_budget(session: Session, ctx: QueryContext, only) -> dict[int, BudgetForecast]:
    """Services forecast past their budget by more than the rule allows (`store.queries.spend`)."""
    over = {}
    for service_id, budgeted in standings(session, ctx, only).items():
        s = budgeted.standing
        if s.overrun is not None and s.overrun > ctx.limits.budget_overrun_max:
            hours = (s.eac, s.budget) if s.basis == BudgetBasis.HOURS and s.eac is not None and s.budget else None
            over[service_id] = BudgetForecast(s.overrun, hours, s.remaining.source.label)
    return over


def _slipping(session: Session, ctx: QueryContext, only) -> dict[int, list[SlipForecast]]:
    """Milestones due today or later forecast to slip, by service, worst first (an overdue one is a
    finding of its own)."""
    found = slipping(session, ctx, only, from_today=True)
    first_day = ctx.week.first_day
    by_service: dict[int, list[SlipForecast]] = defaultdict(list)
    for row, weeks in found.milestones:
        by_service[row.service_id].append(SlipForecast(
            row.name, row.due_on, week_end(first_day, weeks.likely) if weeks.likely else None,
            week_end(first_day, weeks.safe) if weeks.safe else None))
    return by_service


def gather_signals(session: Session, ctx: QueryContext,
                   only: Collection[int] | None = None) -> dict[int, HealthSignals]:
    """Signals of the workspace's active services (or of `only` those), in twelve statements at most."""
    team_id, now, today, limits = ctx.team_id, ctx.now, ctx.today, ctx.limits
    blocked = _blocked(session, team_id, now, limits, only)
    overdue, upcoming = _open_milestones(session, team_id, today, limits, only)
    sessions = declining_sessions(session, team_id, now, limits, only)
    tickets = _overdue_tickets(session, team_id, now, limits, only)
    budgets = _over_budget(session, ctx, only)
    slips = _slipping(session, ctx, only)
    service_ids = (set(blocked) | set(overdue) | set(upcoming) | set(sessions) | set(tickets) | set(budgets)
                   | set(slips))
    return {
        service_id: HealthSignals(
            blocked=blocked.get(service_id, []),
            overdue_milestones=overdue.get(service_id, []),
            upcoming_milestones=upcoming.get(service_id, []),
            sessions_recent=sessions.get(service_id, (0, 0))[0],
            sessions_prior=sessions.get(service_id, (0, 0))[1],
            overdue_tickets=tickets.get(service_id, 0),
            budget=budgets.get(service_id),
            slipping=slips.get(service_id, []),
        )
        for service_id in service_ids
    }
