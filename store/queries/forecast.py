"""`/delivery forecast [service]`: when open work is likely done, by Monte Carlo over each service's
recent weekly throughput (`store.rules.forecast`), and which open milestones are forecast to slip.

The portfolio's answer reads three things, each in one statement whatever the portfolio's size: the
open milestones of active services with the work still open on each (through the deliverables'
milestone index), how many open milestones there are in all, and the weekly completions of the
services those milestones belong to. It simulates only where it must: not where nothing is open, not
where every trial would finish by the week the milestone is due, and once for each distinct set of
facts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import Subquery, and_, case, func, select
from sqlalchemy.orm import Session

from store.clock import Week, local_today
from store.context import QueryContext
from store.enums import DONE_STATUSES, DeliverableStatus, ServiceStatus
from store.models import Deliverable, Milestone, Service
from store.queries.id_lists import id_in
from store.queries.refs import match_service_name, refs_of
from store.readmodels import ServiceRef
from store.readmodels.forecast import Forecast, ForecastReport, MilestoneForecast, PortfolioForecast, ServiceForecast
from store.rules.forecast import (
    HISTORY_WEEKS,
    Forecaster,
    Outcome,
    WeeksForecast,
    due_week,
    outcome_of,
    slips,
    surely_on_time,
    week_end,
)

MAX_SLIPPING = 15  # milestones shown by the portfolio's answer (all of them counted)
MAX_SERVICE_MILESTONES = 30  # a service's open milestones shown (all of them counted)
OPEN_STATUSES = tuple(status for status in DeliverableStatus if not status.is_done)


class Throughput(NamedTuple):
    """A service's completions: in each history week since it started (oldest first), and this week so far."""

    weekly: list[int]
    done_this_week: int

    @property
    def per_week(self) -> float | None:
        return sum(self.weekly) / len(self.weekly) if self.weekly else None


def history_weeks(ctx: QueryContext) -> list[Week]:
    """The HISTORY_WEEKS whole weeks before this one, oldest first."""
    weeks = [ctx.week.previous(ctx.tz)]
    while len(weeks) < HISTORY_WEEKS:
        weeks.append(weeks[-1].previous(ctx.tz))
    return weeks[::-1]


def throughput(session: Session, ctx: QueryContext, started: Mapping[int, datetime]) -> dict[int, Throughput]:
    """The completions of each service (by id, with when it was created) in each history week that began
    on or after the day it was created, and so far this week. One statement: completions counted by
    service and by week, the week told by the bounds of the weeks."""
    if not started:
        return {}
    weeks = [*history_weeks(ctx), ctx.week]
    week_number = case(*((Deliverable.completed_at < week.end, number) for number, week in enumerate(weeks)))
    done = (select(Deliverable.service_id, week_number.label("week"))
            .where(id_in(Deliverable.service_id, started, "service_ids"), Deliverable.status.in_(DONE_STATUSES),
                   Deliverable.completed_at >= weeks[0].start, Deliverable.completed_at < ctx.week.end)
            .subquery())
    counts: dict[int, list[int]] = defaultdict(lambda: [0] * len(weeks))
    for service_id, week, completed in session.connection().execute(
            select(done.c.service_id, done.c.week, func.count()).group_by(done.c.service_id, done.c.week)):
        counts[service_id][int(week)] = int(completed)
    found = {}
    for service_id, created_at in started.items():
        first_day = local_today(created_at, ctx.tz)
        counted = counts.get(service_id) or [0] * len(weeks)
        found[service_id] = Throughput([n for week, n in zip(weeks, counted[:-1], strict=False)
                                        if week.first_day >= first_day], counted[-1])
    return found


def _forecast(forecaster: Forecaster, made: Throughput, open_count: int) -> tuple[Forecast, WeeksForecast]:
    weeks = forecaster.weeks(made.weekly, open_count, made.done_this_week)
    first = forecaster.as_of_week
    return Forecast(outcome=weeks.outcome, open=open_count, history_weeks=len(made.weekly), per_week=made.per_week,
                    likely_on=week_end(first, weeks.likely) if weeks.likely else None,
                    safe_on=week_end(first, weeks.safe) if weeks.safe else None), weeks


def _milestone(forecaster: Forecaster, made: Throughput, ref: ServiceRef, milestone_id: int, name: str,
               due_on: date, open_count: int) -> MilestoneForecast:
    forecast, weeks = _forecast(forecaster, made, open_count)
    late = forecast.dated and slips(weeks.safe, due_week(forecaster.as_of_week, due_on))
    days_late = (forecast.safe_on - due_on).days if late and forecast.safe_on else None
    return MilestoneForecast(milestone_id=milestone_id, name=name, due_on=due_on, service=ref, forecast=forecast,
                             slips=late, days_late=days_late)


def milestone_forecasts(session: Session, ctx: QueryContext, *, service_id: int, created_at: datetime,
                        ref: ServiceRef, open_work: list[tuple[int, str, date, int]]) -> dict[int, MilestoneForecast]:
    """Each of one service's open milestones' forecast, by milestone id, from (id, name, due, open
    deliverables) the caller read (the service card): one statement, its throughput."""
    if not open_work:
        return {}
    made = throughput(session, ctx, {service_id: created_at})[service_id]
    forecaster = Forecaster(ctx.week.first_day)
    return {milestone_id: _milestone(forecaster, made, ref, milestone_id, name, due_on, open_count)
            for milestone_id, name, due_on, open_count in open_work}


def _open_work_by_milestone() -> Subquery:
    """Open deliverables per milestone, read from the deliverables' (milestone, status) index alone."""
    return (select(Deliverable.milestone_id, func.count().label("open"))
            .where(Deliverable.milestone_id.is_not(None), Deliverable.status.in_(OPEN_STATUSES))
            .group_by(Deliverable.milestone_id)
            .subquery())


def portfolio_forecast(session: Session, ctx: QueryContext) -> PortfolioForecast:
    """The open milestones of active services forecast to slip, worst first (the first MAX_SLIPPING), and
    how many open milestones there are, have open work, and were forecast or lacked history."""
    first_day = ctx.week.first_day
    open_work = _open_work_by_milestone()
    # Plain rows (Core, no ORM loading): a thousand of them at 10,000 services.
    rows = session.connection().execute(
        select(Milestone.id, Milestone.service_id, Milestone.name, Milestone.due_on, Service.created_at,
               open_work.c.open)
        .join(open_work, open_work.c.milestone_id == Milestone.id)
        .join(Service, Service.id == Milestone.service_id)
        .where(Milestone.team_id == ctx.team_id, Milestone.done_on.is_(None),
               Service.status == ServiceStatus.ACTIVE)).all()
    open_milestones = session.execute(
        select(func.count()).select_from(Milestone).join(Service, Service.id == Milestone.service_id)
        .where(Milestone.team_id == ctx.team_id, Milestone.done_on.is_(None),
               Service.status == ServiceStatus.ACTIVE)).scalar_one()
    made = throughput(session, ctx, {service_id: created_at for _m, service_id, _n, _d, created_at, _o in rows})
    forecaster = Forecaster(first_day)
    outcomes: dict[Outcome, int] = defaultdict(int)
    slipping = []
    for milestone_id, service_id, _name, due_on, _created, open_count in rows:
        facts = made[service_id]
        outcome = outcome_of(facts.weekly, open_count)
        outcomes[outcome] += 1
        due_in = due_week(first_day, due_on)
        if outcome != Outcome.FORECAST or surely_on_time(facts.weekly, open_count, facts.done_this_week, due_in):
            continue
        safe = forecaster.weeks(facts.weekly, open_count, facts.done_this_week).safe
        if slips(safe, due_in):
            # Worst first: past MAX_WEEKS, then the most days late at 85%; then by due date.
            late = None if safe is None else (week_end(first_day, safe) - due_on).days
            slipping.append(((late is not None, -(late or 0), due_on, milestone_id), milestone_id))
    slipping.sort()
    shown_ids = {milestone_id for _key, milestone_id in slipping[:MAX_SLIPPING]}
    by_id = {row.id: row for row in rows if row.id in shown_ids}
    refs = refs_of(session, ctx, {row.service_id for row in by_id.values()})
    shown = [_milestone(forecaster, made[row.service_id], refs[row.service_id], row.id, row.name, row.due_on, row.open)
             for row in (by_id[milestone_id] for _key, milestone_id in slipping[:MAX_SLIPPING])
             if row.service_id in refs]
    return PortfolioForecast(open_milestones=open_milestones, with_open_work=len(rows),
                             forecast=outcomes[Outcome.FORECAST], short_history=outcomes[Outcome.SHORT_HISTORY],
                             no_throughput=outcomes[Outcome.NO_THROUGHPUT], slipping=shown,
                             slipping_total=len(slipping))


def service_forecast(session: Session, ctx: QueryContext, service_id: int) -> ServiceForecast:
    """One service's forecasts: of all its open work, and of each of its open milestones (due first)."""
    ref = refs_of(session, ctx, [service_id])[service_id]
    created_at = session.execute(select(Service.created_at).where(Service.id == service_id)).scalar_one()
    milestones = session.execute(
        select(Milestone.id, Milestone.name, Milestone.due_on, func.count(Deliverable.id))
        .outerjoin(Deliverable, and_(Deliverable.milestone_id == Milestone.id, Deliverable.status.in_(OPEN_STATUSES)))
        .where(Milestone.service_id == service_id, Milestone.done_on.is_(None))
        .group_by(Milestone.id, Milestone.name, Milestone.due_on)
        .order_by(Milestone.due_on, Milestone.name, Milestone.id)).all()
    open_count = session.execute(select(func.count()).select_from(Deliverable).where(
        Deliverable.service_id == service_id, Deliverable.status.in_(OPEN_STATUSES))).scalar_one()
    made = throughput(session, ctx, {service_id: created_at})[service_id]
    forecaster = Forecaster(ctx.week.first_day)
    return ServiceForecast(
        ref=ref, weekly=made.weekly, done_this_week=made.done_this_week,
        whole=_forecast(forecaster, made, open_count)[0],
        milestones=[_milestone(forecaster, made, ref, milestone_id, name, due_on, int(count))
                    for milestone_id, name, due_on, count in milestones[:MAX_SERVICE_MILESTONES]],
        milestones_total=len(milestones))


def forecast_report(session: Session, ctx: QueryContext, *, name: str | None = None) -> ForecastReport:
    """With no name, the portfolio's open milestones forecast to slip; with one, the service it finds
    (as `/delivery status <name>` finds it), or the choices, or the closest names."""
    first_day = ctx.week.first_day
    if name is None or not name.strip():
        return ForecastReport(as_of=ctx.now, week_first_day=first_day, portfolio=portfolio_forecast(session, ctx))
    found = match_service_name(session, ctx, name)
    if found.service_id is None:
        return ForecastReport(as_of=ctx.now, week_first_day=first_day, query=name, choices=found.choices,
                              suggestions=found.suggestions)
    return ForecastReport(as_of=ctx.now, week_first_day=first_day, query=name,
                          service=service_forecast(session, ctx, found.service_id))
