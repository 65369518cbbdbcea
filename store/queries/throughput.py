"""Each service's weekly throughput of completed deliverables, and the open milestones it forecasts to
slip (`store.rules.forecast`): what `/delivery forecast` answers from, and what the health rule "forecast
to slip" (`store.health`) reads. Below `store.context` and `store.health`, so both can use it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, NamedTuple

from sqlalchemy import Subquery, case, func, select
from sqlalchemy.orm import Session

from store.clock import Week, local_today
from store.enums import DONE_STATUSES, DeliverableStatus, ServiceStatus
from store.models import Deliverable, Milestone, Service
from store.queries.id_lists import id_in
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

if TYPE_CHECKING:
    from store.context import QueryContext

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
    service and by week, the week told by the bounds of the weeks; run with no service too, so that
    an answer's statements are the same whatever the portfolio holds."""
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


def _open_work_by_milestone() -> Subquery:
    """Open deliverables per milestone, read from the deliverables' (milestone, status) index alone."""
    return (select(Deliverable.milestone_id, func.count().label("open"))
            .where(Deliverable.milestone_id.is_not(None), Deliverable.status.in_(OPEN_STATUSES))
            .group_by(Deliverable.milestone_id)
            .subquery())


class OpenMilestone(NamedTuple):
    """An open milestone of an active service with open deliverables linked to it."""

    id: int
    service_id: int
    name: str
    due_on: date
    created_at: datetime  # its service's
    open: int  # open deliverables linked


class Slipping(NamedTuple):
    """The open milestones forecast to slip, worst first (past MAX_WEEKS, then the most days late at 85%,
    then by due date), with the facts they were forecast from."""

    milestones: list[tuple[OpenMilestone, WeeksForecast]]
    made: dict[int, Throughput]
    forecaster: Forecaster
    outcomes: dict[Outcome, int]  # of every open milestone with open work
    with_open_work: int


def open_milestones(session: Session, ctx: QueryContext, only: Collection[int] | None = None) -> list[OpenMilestone]:
    """The open milestones of active services (of `only` those, when given) with open work on each."""
    open_work = _open_work_by_milestone()
    # Plain rows (Core, no ORM loading): a thousand of them at 10,000 services.
    query = (select(Milestone.id, Milestone.service_id, Milestone.name, Milestone.due_on, Service.created_at,
                    open_work.c.open)
             .join(open_work, open_work.c.milestone_id == Milestone.id)
             .join(Service, Service.id == Milestone.service_id)
             .where(Milestone.team_id == ctx.team_id, Milestone.done_on.is_(None),
                    Service.status == ServiceStatus.ACTIVE))
    if only is not None:
        query = query.where(id_in(Milestone.service_id, only, "only_ids"))
    return [OpenMilestone(*row) for row in session.connection().execute(query)]


def slipping(session: Session, ctx: QueryContext, only: Collection[int] | None = None, *,
             from_today: bool = False) -> Slipping:
    """The open milestones (of `only` those services, when given; due today or later when
    `from_today`) forecast to slip: simulated only where some trial could finish after the week the
    milestone is due, each distinct set of facts once. Two statements."""
    first_day = ctx.week.first_day
    rows = [row for row in open_milestones(session, ctx, only) if not from_today or row.due_on >= ctx.today]
    made = throughput(session, ctx, {row.service_id: row.created_at for row in rows})
    forecaster = Forecaster(first_day)
    outcomes: dict[Outcome, int] = defaultdict(int)
    found = []
    for row in rows:
        facts = made[row.service_id]
        outcome = outcome_of(facts.weekly, row.open)
        outcomes[outcome] += 1
        due_in = due_week(first_day, row.due_on)
        if outcome != Outcome.FORECAST or surely_on_time(facts.weekly, row.open, facts.done_this_week, due_in):
            continue
        weeks = forecaster.weeks(facts.weekly, row.open, facts.done_this_week)
        if slips(weeks.safe, due_in):
            late = None if weeks.safe is None else (week_end(first_day, weeks.safe) - row.due_on).days
            found.append(((late is not None, -(late or 0), row.due_on, row.id), row, weeks))
    found.sort(key=lambda item: item[0])
    return Slipping([(row, weeks) for _key, row, weeks in found], made, forecaster, outcomes, len(rows))
