"""What services have spent and have still to come, and where their budgets stand (issue 19).

Read for many services at once, a statement per kind of row whatever their number (as plain rows
through the connection: at 10,000 services, ORM row loading was a third of the time): the hours spent
per service and person (the sums kept by migration 0016's triggers), everyone's rates, the open
deliverables' estimates and last due day (a covering partial index), and the recent weekly burn of
the services that have no estimates. `store.rules.budget` decides what the numbers mean.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, NamedTuple

from sqlalchemy import ColumnElement, case, func, select, text
from sqlalchemy.orm import Session

from store.enums import ServiceStatus
from store.models import OPEN_STATUSES_SQL, Deliverable, Person, RoleRate, Service, ServiceHours, WeeklyHours
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
    return {person_id: Rates(cost, bill) for person_id, cost, bill in session.connection().execute(query).all()}


class Spend(NamedTuple):
    """A service's hours to date, and what they cost and earned at each person's rates. Hours of
    people with no cost rate add no cost (`unpriced_hours` says how many)."""

    hours: float = 0.0
    billable_hours: float = 0.0
    cost: float = 0.0
    earned: float = 0.0
    unpriced_hours: float = 0.0


def _priced(hours, rate: str):
    """`hours` times the person's own `rate` ("cost_rate", "bill_rate"), else their role's (None: no rate)."""
    return func.sum(hours * func.coalesce(getattr(Person, rate), getattr(RoleRate, rate)))


def _spend_per_service(ctx: QueryContext, only: Collection[int] | None):
    """Each service's hours to date (the sums kept per service and person), priced in SQL at each
    person's rates, their own else their role's."""
    cost = func.coalesce(Person.cost_rate, RoleRate.cost_rate)
    query = (select(ServiceHours.service_id.label("service_id"),
                    func.sum(ServiceHours.hours).label("hours"),
                    func.sum(ServiceHours.billable_hours).label("billable_hours"),
                    _priced(ServiceHours.hours, "cost_rate").label("cost"),
                    _priced(ServiceHours.billable_hours, "bill_rate").label("earned"),
                    func.sum(case((cost.is_(None), ServiceHours.hours), else_=0)).label("unpriced"))
             .join(Person, Person.id == ServiceHours.person_id)
             .outerjoin(RoleRate, (RoleRate.team_id == Person.team_id) & (RoleRate.role == Person.role))
             .where(ServiceHours.team_id == ctx.team_id)
             .group_by(ServiceHours.service_id))
    return (query if only is None else query.where(id_in(ServiceHours.service_id, only, "spend_ids"))).subquery()


def _open_work_per_service(ctx: QueryContext, only: Collection[int] | None):
    """Each service's open deliverables: their estimates' sum, how many have one, the last due day;
    read from the partial index of open deliverables (`ix_deliverables_open_work`) alone."""
    query = (select(Deliverable.service_id.label("service_id"),
                    func.sum(Deliverable.estimate_hours).label("estimates"),
                    func.count(Deliverable.estimate_hours).label("estimated"),
                    func.max(Deliverable.due_on).label("last_due"))
             # The partial index's own condition, as literal SQL: a database uses a partial index only
             # for a condition it can see implies the index's (not a NOT IN, not bound parameters).
             .where(Deliverable.team_id == ctx.team_id, text(f"deliverables.{OPEN_STATUSES_SQL}"))
             .group_by(Deliverable.service_id))
    return (query if only is None else query.where(id_in(Deliverable.service_id, only, "work_ids"))).subquery()


def burn_weeks(ctx: QueryContext) -> tuple[date, date]:
    """The whole weeks the recent weekly burn is read over: the last `BURN_WEEKS` before this one."""
    first = ctx.week.first_day
    return first - timedelta(weeks=BURN_WEEKS), first


def weekly_burn(session: Session, ctx: QueryContext, service_ids: Collection[int]) -> dict[int, float]:
    """Mean hours a week logged on each service over the last `BURN_WEEKS` whole weeks. (Run even for
    no service: answers keep the same statements whatever the portfolio.)"""
    start, end = burn_weeks(ctx)
    rows = session.connection().execute(
        select(WeeklyHours.service_id, as_float(func.sum(WeeklyHours.hours)))
        .where(WeeklyHours.team_id == ctx.team_id, WeeklyHours.week_on >= start, WeeklyHours.week_on < end,
               id_in(WeeklyHours.service_id, service_ids, "service_ids"))
        .group_by(WeeklyHours.service_id)).all()
    return {service_id: (hours or 0.0) / BURN_WEEKS for service_id, hours in rows}


class Budgeted(NamedTuple):
    """A service with a budget, where its budget stands, and what it spent (hours, cost, earned)."""

    service_id: int
    owner_id: int | None
    customer_id: int
    spend: Spend
    standing: Standing


def _budgeted_services(ctx: QueryContext, only: Collection[int] | None) -> tuple[ColumnElement[bool], ...]:
    where = (Service.team_id == ctx.team_id, Service.status == ServiceStatus.ACTIVE,
             (Service.budget_hours > 0) | (Service.budget_amount > 0))
    return where if only is None else (*where, id_in(Service.id, only, "only_ids"))


def standings(session: Session, ctx: QueryContext, only: Collection[int] | None = None) -> dict[int, Budgeted]:
    """Every active service with a budget (or `only` those), and where its budget stands today: its
    budget, spend and open work in one statement (a row per service), and the recent weekly burn of
    those with no estimates in a second."""
    spent, work = _spend_per_service(ctx, only), _open_work_per_service(ctx, only)
    rows = session.connection().execute(
        select(Service.id, Service.owner_id, Service.customer_id, as_float(Service.budget_hours),
               as_float(Service.budget_amount), as_float(spent.c.hours), as_float(spent.c.billable_hours),
               as_float(spent.c.cost), as_float(spent.c.earned), as_float(spent.c.unpriced),
               as_float(work.c.estimates), work.c.estimated, work.c.last_due)
        .outerjoin(spent, spent.c.service_id == Service.id)
        .outerjoin(work, work.c.service_id == Service.id)
        .where(*_budgeted_services(ctx, only))).all()
    burning = weekly_burn(session, ctx, [row[0] for row in rows if not row[11]])
    today = ctx.today
    found = {}
    for (service_id, owner_id, customer_id, budget_hours, budget_amount, hours, billable, cost, earned, unpriced,
         estimates, estimated, last_due) in rows:
        used = Spend(hours or 0.0, billable or 0.0, cost or 0.0, earned or 0.0, unpriced or 0.0)
        remaining = remaining_hours(estimates or 0.0, estimated or 0, burning.get(service_id), today, last_due)
        found[service_id] = Budgeted(service_id, owner_id, customer_id, used,
                                     standing(budget_hours, budget_amount, used.hours, used.earned, remaining))
    return found
