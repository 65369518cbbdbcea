"""What services have spent and have still to come, and where their budgets stand (issue 19).

Read for many services at once, a statement per kind of row whatever their number: the hours spent
per service and person (the sums kept by migration 0016's triggers), everyone's rates, the open
deliverables' estimates and last due day (a covering partial index), and the recent weekly burn of
the services that have no estimates. `store.rules.budget` decides what the numbers mean.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from store.enums import DONE_STATUSES, ServiceStatus
from store.models import Deliverable, Person, RoleRate, Service, ServiceHours, WeeklyHours
from store.queries.id_lists import id_in
from store.queries.timesheets import as_float
from store.rules.budget import BURN_WEEKS, Standing, remaining_hours, standing

if TYPE_CHECKING:
    from store.context import QueryContext  # its module imports store.health, which reads budgets here


@dataclass(frozen=True, slots=True)
class Rates:
    """A person's cost and bill rate an hour: their own, else their role's; None when neither has one."""

    cost: float | None
    bill: float | None


def rates(session: Session, ctx: QueryContext, person_ids: Collection[int] | None = None) -> dict[int, Rates]:
    """Everyone's rates (or `person_ids` those), their own else their role's, in one statement."""
    query = (select(Person.id, as_float(func.coalesce(Person.cost_rate, RoleRate.cost_rate)),
                    as_float(func.coalesce(Person.bill_rate, RoleRate.bill_rate)))
             .outerjoin(RoleRate, (RoleRate.team_id == Person.team_id) & (RoleRate.role == Person.role))
             .where(Person.team_id == ctx.team_id))
    if person_ids is not None:
        query = query.where(id_in(Person.id, person_ids, "person_ids"))
    return {person_id: Rates(cost, bill) for person_id, cost, bill in session.execute(query)}


@dataclass(frozen=True, slots=True)
class Spend:
    """A service's hours to date, and what they cost and earned at each person's rates. Hours of
    people with no cost rate add no cost (`unpriced_hours` says how many)."""

    hours: float = 0.0
    billable_hours: float = 0.0
    cost: float = 0.0
    earned: float = 0.0
    unpriced_hours: float = 0.0


def spend(session: Session, ctx: QueryContext, service_ids: Collection[int] | None = None,
          person_rates: dict[int, Rates] | None = None) -> dict[int, Spend]:
    """Each service's spend to date (of `service_ids`, when given); a service nobody logged time on
    is absent. Priced with `person_rates` (read here when not given)."""
    query = select(ServiceHours.service_id, ServiceHours.person_id, as_float(ServiceHours.hours),
                   as_float(ServiceHours.billable_hours)).where(ServiceHours.team_id == ctx.team_id)
    if service_ids is not None:
        query = query.where(id_in(ServiceHours.service_id, service_ids, "service_ids"))
    rows = session.execute(query).all()
    if person_rates is None:
        person_rates = rates(session, ctx, {person_id for _, person_id, _, _ in rows})
    sums: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0, 0.0])
    none = Rates(None, None)
    for service_id, person_id, hours, billable in rows:
        rate = person_rates.get(person_id, none)
        total = sums[service_id]
        total[0] += hours
        total[1] += billable
        if rate.cost is None:
            total[4] += hours
        else:
            total[2] += hours * rate.cost
        total[3] += billable * (rate.bill or 0.0)
    return {service_id: Spend(*total) for service_id, total in sums.items()}


@dataclass(frozen=True, slots=True)
class OpenWork:
    """A service's open deliverables: the sum of their estimates, how many have one, the last due day."""

    estimate_hours: float = 0.0
    estimated: int = 0
    last_due: date | None = None


def open_work(session: Session, ctx: QueryContext, service_ids: Collection[int] | None = None) -> dict[int, OpenWork]:
    """Each service's open work (of `service_ids`, when given), read from the partial index of open
    deliverables (`ix_deliverables_open_work`) alone."""
    query = (select(Deliverable.service_id, as_float(func.sum(Deliverable.estimate_hours)),
                    func.count(Deliverable.estimate_hours), func.max(Deliverable.due_on))
             .where(Deliverable.team_id == ctx.team_id, Deliverable.status.not_in(DONE_STATUSES))
             .group_by(Deliverable.service_id))
    if service_ids is not None:
        query = query.where(id_in(Deliverable.service_id, service_ids, "service_ids"))
    return {service_id: OpenWork(hours or 0.0, int(estimated), last_due)
            for service_id, hours, estimated, last_due in session.execute(query)}


def burn_weeks(ctx: QueryContext) -> tuple[date, date]:
    """The whole weeks the recent weekly burn is read over: the last `BURN_WEEKS` before this one."""
    first = ctx.week.first_day
    return first - timedelta(weeks=BURN_WEEKS), first


def weekly_burn(session: Session, ctx: QueryContext, service_ids: Collection[int]) -> dict[int, float]:
    """Mean hours a week logged on each service over the last `BURN_WEEKS` whole weeks. (Run even for
    no service: answers keep the same statements whatever the portfolio.)"""
    start, end = burn_weeks(ctx)
    rows = session.execute(
        select(WeeklyHours.service_id, as_float(func.sum(WeeklyHours.hours)))
        .where(WeeklyHours.team_id == ctx.team_id, WeeklyHours.week_on >= start, WeeklyHours.week_on < end,
               id_in(WeeklyHours.service_id, service_ids, "service_ids"))
        .group_by(WeeklyHours.service_id))
    return {service_id: (hours or 0.0) / BURN_WEEKS for service_id, hours in rows}


@dataclass(frozen=True, slots=True)
class Budgeted:
    """A service with a budget, where its budget stands, and what it spent (hours, cost, earned)."""

    service_id: int
    owner_id: int | None
    spend: Spend
    standing: Standing


def _budgeted_services(ctx: QueryContext, only: Collection[int] | None) -> tuple[ColumnElement[bool], ...]:
    where = (Service.team_id == ctx.team_id, Service.status == ServiceStatus.ACTIVE,
             (Service.budget_hours > 0) | (Service.budget_amount > 0))
    return where if only is None else (*where, id_in(Service.id, only, "only_ids"))


def standings(session: Session, ctx: QueryContext, only: Collection[int] | None = None,
              person_rates: dict[int, Rates] | None = None) -> dict[int, Budgeted]:
    """Every active service with a budget (or `only` those), and where its budget stands today."""
    services = session.execute(
        select(Service.id, Service.owner_id, as_float(Service.budget_hours), as_float(Service.budget_amount))
        .where(*_budgeted_services(ctx, only))).all()
    ids = None if only is None else [service_id for service_id, *_ in services]
    spent = spend(session, ctx, ids, person_rates)
    work = open_work(session, ctx, ids)
    by_burn = [service_id for service_id, *_ in services if work.get(service_id, OpenWork()).estimated == 0]
    burning = weekly_burn(session, ctx, by_burn)
    nothing = Spend()
    found = {}
    for service_id, owner_id, budget_hours, budget_amount in services:
        open_ = work.get(service_id, OpenWork())
        used = spent.get(service_id, nothing)
        remaining = remaining_hours(open_.estimate_hours, open_.estimated, burning.get(service_id), ctx.today,
                                    open_.last_due)
        found[service_id] = Budgeted(service_id, owner_id, used,
                                     standing(budget_hours, budget_amount, used.hours, used.earned, remaining))
    return found
