"""The weekly portfolio digest: the dashboard with change against last week, in three slices.

Two kinds of comparison, each honest about what the database keeps:
- figures of a whole week (utilization, SLA compliance) compare the last whole week (Monday to
  Sunday, before this one) with the week before it;
- figures of a moment (on schedule, health) compare now with the same moment a week ago, rebuilt
  from dated facts (`store.health.as_of`). Load and phases have no history, so they are
  shown as they are now.
Thirty-one statements whatever the portfolio size.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import and_, case, func, not_, select
from sqlalchemy.orm import Session

from store.clock import Week, local_today
from store.context import QueryContext
from store.enums import Health, Phase, ServiceStatus
from store.health import (
    MAX_SHOWN_SERVICES,
    HealthThen,
    assess_signalled,
    counts_with_quiet,
    done_by,
    existed_then,
    signalled_as_of,
    views_of,
)
from store.health.rules import Assessment
from store.models import Customer, Deliverable, Service, Ticket
from store.queries.budget import project_success, week_margins
from store.queries.capacity import load_counts, overloaded_people
from store.queries.id_lists import id_in
from store.queries.portfolio import deliverable_tally
from store.queries.spend import rates
from store.queries.tickets import SLA_TARGET, Window, count_if
from store.queries.utilization import team_utilization
from store.readmodels.digests import HealthChange, WeeklyPortfolio, WeekSla, WeekUtilization
from store.readmodels.tickets import SlaCompliance

ENGAGEMENT_RULE = "engagement_declining"
WEEK = timedelta(days=7)


def _window(week: Week) -> Window:
    return Window(week.start, week.end)


def _utilization(session: Session, ctx: QueryContext, weeks: tuple[Week, Week]) -> tuple[WeekUtilization, ...]:
    """The delivery team's utilization in each week (`store.queries.utilization`): four statements a week."""
    results = []
    for week in weeks:
        team = team_utilization(session, ctx, week)
        results.append(WeekUtilization(first_day=week.first_day, team=team.team, in_band=team.in_band))
    return tuple(results)


def sla_by_week(session: Session, ctx: QueryContext, weeks: Sequence[Week]) -> tuple[WeekSla, ...]:
    """SLA compliance of each whole week: one statement (the weekly digest's two, the trends' eight).

    Met: resolved in the week by its due time. Misses: resolved in the week after its due time, and
    due in the week but unresolved when the week ended (the open breaches of that week).
    """
    def count(*conditions):
        return select(func.count()).where(Ticket.team_id == ctx.team_id, *conditions).scalar_subquery()

    # Each figure a count over its own range of the team/resolved/due index: one pass over both
    # weeks' tickets with a CASE per figure cost SQLite five times as much, in conditions.
    # Unresolved when the week ended: open now, or resolved since (two ranges, not an OR).
    columns = []
    for week in weeks:
        window = _window(week)
        resolved = window.holds(Ticket.resolved_at)
        columns += [count(resolved, Ticket.resolved_at <= Ticket.due_at), count(resolved),
                    count(Ticket.resolved_at.is_(None), window.holds(Ticket.due_at))
                    + count(Ticket.resolved_at >= window.end, window.holds(Ticket.due_at))]
    row = session.execute(select(*columns)).one()
    return tuple(
        WeekSla(first_day=week.first_day,
                sla=SlaCompliance(met=int(row[3 * i] or 0), resolved=int(row[3 * i + 1] or 0),
                                  open_breaches=int(row[3 * i + 2] or 0), target=SLA_TARGET))
        for i, week in enumerate(weeks)
    )


def _on_schedule_at(session: Session, ctx: QueryContext, at: datetime) -> float | None:
    """The on-schedule share of today's deliverables of active services as it stood at `at`: one statement.

    Late then: due before that day and not done by then (done now and completed by then).
    """
    day = local_today(at, ctx.tz)
    late = and_(Deliverable.due_on < day, not_(done_by(at)))
    total, late_count = session.execute(
        select(func.count(), count_if(late))
        .join(Service, Service.id == Deliverable.service_id)
        .where(Service.team_id == ctx.team_id, Service.status == ServiceStatus.ACTIVE)
    ).one()
    return None if not total else (int(total) - int(late_count or 0)) / int(total)


def _phases(session: Session, ctx: QueryContext, week_ago: datetime) -> tuple[dict[Phase, int], int]:
    """Active services by phase, and how many of them are compared with a week ago: one statement."""
    phases = {phase: 0 for phase in Phase}
    compared = 0
    rows = session.execute(
        select(Service.phase, func.count(), count_if(existed_then(ctx, week_ago)))
        .where(Service.team_id == ctx.team_id, Service.status == ServiceStatus.ACTIVE)
        .group_by(Service.phase)
    )
    for phase, count, existed in rows:
        phases[Phase(phase)] = int(count)
        compared += int(existed or 0)
    return phases, compared


class _Candidate(NamedTuple):
    """An active service with a signal now or a week ago, or an override: the only ones whose health
    can differ from On Track, now or then, so the only ones assessed or listed (a tuple: there can
    be thousands)."""

    id: int
    assessment: Assessment
    existed: bool  # compared with a week ago
    then: Health
    sort_name: tuple[str, str]  # customer, service: the order of the lists


def _candidates(session: Session, ctx: QueryContext, then: dict[int, HealthThen],
                week_ago: datetime) -> list[_Candidate]:
    """Assess the active services with a signal now or then or an override (six statements), and read
    their creation test and names (one)."""
    assessed = assess_signalled(session, ctx, also=then)
    rows = session.execute(
        select(Service.id, case((existed_then(ctx, week_ago), 1), else_=0), Customer.name, Service.name)
        .join(Customer, Customer.id == Service.customer_id)
        .where(id_in(Service.id, assessed, "candidate_ids"))
    )
    return [
        _Candidate(service_id, assessed[service_id], bool(existed),
                   then[service_id].health if service_id in then else Health.ON_TRACK, (customer, name))
        for service_id, existed, customer, name in rows
    ]


def _first(candidates: list[_Candidate], key) -> list[_Candidate]:
    """The first of `candidates` in `key` order, ties by id (as `views_of` sorts): no message shows more."""
    return sorted(candidates, key=lambda c: (*key(c), c.id))[:MAX_SHOWN_SERVICES]


def weekly_portfolio(session: Session, ctx: QueryContext) -> WeeklyPortfolio:
    last_week = ctx.week.previous(ctx.tz)
    weeks = (last_week, last_week.previous(ctx.tz))
    week_ago = ctx.now - WEEK
    # Health now and a week ago, assessed only where a signal or an override can make it other than
    # On Track; the rest are counted (`counts_with_quiet`), never built.
    then = signalled_as_of(session, ctx, at=week_ago)
    phases, compared_total = _phases(session, ctx, week_ago)
    active = sum(phases.values())
    candidates = _candidates(session, ctx, then, week_ago)
    loads = load_counts(session, ctx)
    overloaded = overloaded_people(session, ctx)
    utilization = _utilization(session, ctx, weeks)
    sla = sla_by_week(session, ctx, weeks)
    tally = deliverable_tally(session, ctx.team_id, today=ctx.today)
    on_schedule_then = _on_schedule_at(session, ctx, week_ago)
    person_rates = rates(session, ctx)
    margins = week_margins(session, ctx, weeks, person_rates)
    success, success_week_ago = project_success(session, ctx, person_rates)

    compared = [c for c in candidates if c.existed]
    # Now against then by the same rules: those the database dates (a budget forecast keeps no history).
    changed = [c for c in compared if c.assessment.dated != c.then]
    declining = [c for c in candidates if any(f.rule == ENGAGEMENT_RULE for f in c.assessment.findings)]
    flagged = [c for c in declining if c.assessment.shown != Health.ON_TRACK]
    changes_shown = _first(changed, lambda c: (-c.assessment.dated.severity, *c.sort_name))
    flags_shown = _first(flagged, lambda c: c.sort_name)
    views = {view.service_id: view for view in views_of(
        session, {c.id: c.assessment for c in [*changes_shown, *flags_shown]})}
    return WeeklyPortfolio(
        as_of=ctx.now, week_ago=week_ago,
        people=sum(loads.values()), load_counts=loads, overloaded=overloaded.people,
        last_week=utilization[0], week_before=utilization[1],
        active_services=active, phase_counts=phases,
        deliverables=tally, on_schedule_week_ago=on_schedule_then,
        sla_last_week=sla[0], sla_week_before=sla[1],
        margin_last_week=margins[0], margin_week_before=margins[1], success=success, success_week_ago=success_week_ago,
        health_counts=counts_with_quiet((c.assessment.shown for c in candidates), active),
        computed_counts_now=counts_with_quiet((c.assessment.dated for c in compared), compared_total),
        computed_counts_week_ago=counts_with_quiet((c.then for c in compared), compared_total),
        compared=compared_total,
        health_changes=[HealthChange(service=views[c.id], before=c.then, now=c.assessment.dated)
                        for c in changes_shown],
        health_changes_total=len(changed),
        engagement_declining=len(declining),
        engagement_declining_week_ago=sum(ENGAGEMENT_RULE in then[c.id].rules
                                          for c in compared if c.id in then),
        customer_org_flags=[views[c.id] for c in flags_shown],
        customer_org_flags_total=len(flagged),
    )
