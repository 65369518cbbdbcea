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

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from store.enums import ServiceStatus
from store.models import Deliverable, Milestone, Person, Service
from store.queries.refs import match_service_name, refs_of
from store.queries.throughput import OPEN_STATUSES, Throughput, slipping, throughput
from store.readmodels import PersonRef, ServiceRef
from store.readmodels.forecast import (
    Forecast,
    ForecastReport,
    MilestoneForecast,
    PortfolioForecast,
    ServiceForecast,
    SlipWarningView,
)
from store.rules.forecast import (
    Forecaster,
    Outcome,
    SlipState,
    WeeksForecast,
    due_week,
    slips,
    week_end,
)

if TYPE_CHECKING:
    from store.context import QueryContext

MAX_SLIPPING = 15  # milestones shown by the portfolio's answer (all of them counted)
MAX_SERVICE_MILESTONES = 30  # a service's open milestones shown (all of them counted)


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


def portfolio_forecast(session: Session, ctx: QueryContext) -> PortfolioForecast:
    """The open milestones of active services forecast to slip, worst first (the first MAX_SLIPPING), and
    how many open milestones there are, have open work, and were forecast or lacked history."""
    found = slipping(session, ctx)
    open_milestones_total = session.execute(
        select(func.count()).select_from(Milestone).join(Service, Service.id == Milestone.service_id)
        .where(Milestone.team_id == ctx.team_id, Milestone.done_on.is_(None),
               Service.status == ServiceStatus.ACTIVE)).scalar_one()
    first = found.milestones[:MAX_SLIPPING]
    refs = refs_of(session, ctx, {row.service_id for row, _weeks in first})
    shown = [_milestone(found.forecaster, found.made[row.service_id], refs[row.service_id], row.id, row.name,
                        row.due_on, row.open)
             for row, _weeks in first if row.service_id in refs]
    outcomes = found.outcomes
    return PortfolioForecast(open_milestones=open_milestones_total, with_open_work=found.with_open_work,
                             forecast=outcomes[Outcome.FORECAST], short_history=outcomes[Outcome.SHORT_HISTORY],
                             no_throughput=outcomes[Outcome.NO_THROUGHPUT], slipping=shown,
                             slipping_total=len(found.milestones))


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


def slip_state(*, active: bool, done_on: date | None, due_on: date, today: date, slipping_now: bool) -> SlipState:
    if not active:
        return SlipState.CLOSED
    if done_on is not None:
        return SlipState.DONE
    if due_on < today:
        return SlipState.OVERDUE
    return SlipState.SLIPS if slipping_now else SlipState.ON_TIME


def slip_warning(session: Session, ctx: QueryContext, *, milestone_id: int) -> SlipWarningView:
    """A milestone's slip warning as it stands now, in three statements; LookupError when the team has
    no such milestone (or it belongs to no service)."""
    open_work = (select(func.count()).where(Deliverable.milestone_id == Milestone.id,
                                            Deliverable.status.in_(OPEN_STATUSES)).scalar_subquery())
    row = session.execute(
        select(Milestone.name, Milestone.due_on, Milestone.done_on, Milestone.service_id, Service.created_at,
               Person.name, Person.slack_user_id, open_work)
        .join(Service, Service.id == Milestone.service_id)
        .outerjoin(Person, Person.id == Service.owner_id)
        .where(Milestone.team_id == ctx.team_id, Milestone.id == milestone_id)).one_or_none()
    if row is None:
        raise LookupError(f"no milestone {milestone_id} of a service in this workspace")
    name, due_on, done_on, service_id, created_at, lead_name, lead_slack, open_count = row
    ref = refs_of(session, ctx, [service_id])[service_id]
    active = ref.status == ServiceStatus.ACTIVE
    forecast = None
    if active and done_on is None:
        forecast = milestone_forecasts(session, ctx, service_id=service_id, created_at=created_at, ref=ref,
                                       open_work=[(milestone_id, name, due_on, int(open_count))])[milestone_id]
    state = slip_state(active=active, done_on=done_on, due_on=due_on, today=ctx.today,
                       slipping_now=forecast is not None and forecast.slips)
    return SlipWarningView(milestone_id=milestone_id, name=name, due_on=due_on, done_on=done_on, service=ref,
                           lead=PersonRef(name=lead_name, slack_user_id=lead_slack) if lead_name else None,
                           state=state, forecast=forecast, as_of=ctx.now)


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
