"""The synthetic portfolio's money: the demo's role rates, a tenth of people on rates of their own,
estimates on four services in five, and budgets that keep every planned health: On Track services
are forecast well within budget, about half of the worse ones over it. Forecasts are computed here
from the rows with the budget rules, as a query would."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from support import TEAM, UTC, WEDNESDAY

from store.clock import current_week, local_today
from store.demo import spec
from store.demo.synthetic import load_synthetic
from store.demo.synthetic_plan import ServicePlan, service_plans
from store.enums import DeliverableStatus, Health, Role, ServiceStatus
from store.models import Deliverable, Person, RoleRate, Service, TimeEntry
from store.rules.budget import (
    BURN_WEEKS,
    Remaining,
    RemainingFrom,
    burn,
    estimate_at_completion,
    forecast_overrun,
    rate_of,
    remaining_hours,
)

SERVICES = 100
TODAY = local_today(WEDNESDAY, UTC)
THIS_WEEK = current_week(WEDNESDAY, UTC).first_day
OPEN = (DeliverableStatus.NOT_STARTED, DeliverableStatus.IN_PROGRESS, DeliverableStatus.BLOCKED)


def load(engine) -> None:
    load_synthetic(engine, team_id=TEAM, now=WEDNESDAY, tz=UTC, services=SERVICES)


@dataclass(frozen=True)
class Money:
    """One service's budget and what the budget rules make of its rows."""

    plan: ServicePlan
    budget_hours: Decimal | None
    budget_amount: Decimal | None
    owner_bill_rate: Decimal | None
    spent: float  # hours
    earned: float  # billable hours at bill rates
    estimates: list[Decimal | None]  # of its open deliverables
    remaining: Remaining

    @property
    def basis(self) -> tuple[float | None, float, float | None]:
        """(budget, spent, to come) in the budget's unit: hours when it has hours, else money earned,
        the hours to come priced at what an hour has earned so far."""
        if self.budget_hours is not None:
            return float(self.budget_hours), self.spent, self.remaining.hours
        per_hour = self.earned / self.spent if self.spent else None
        to_come = None if self.remaining.hours is None or per_hour is None else self.remaining.hours * per_hour
        return None if self.budget_amount is None else float(self.budget_amount), self.earned, to_come

    @property
    def overrun(self) -> float | None:
        budget, spent, to_come = self.basis
        return forecast_overrun(estimate_at_completion(spent, to_come), budget)

    @property
    def burn(self) -> float | None:
        budget, spent, _ = self.basis
        return burn(spent, budget)


def bill_rates(session: Session) -> dict[int, Decimal | None]:
    """Each person's bill rate: their own, else their role's."""
    by_role = {rate.role: rate.bill_rate for rate in session.scalars(select(RoleRate))}
    return {person.id: rate_of(person.bill_rate, by_role.get(person.role))
            for person in session.scalars(select(Person))}


def earnings(session: Session) -> dict[int, float]:
    """Each service's billable hours at their people's bill rates."""
    rates = bill_rates(session)
    earned: dict[int, float] = {}
    for service_id, person_id, hours in session.execute(
            select(TimeEntry.service_id, TimeEntry.person_id, func.sum(TimeEntry.hours))
            .where(TimeEntry.billable, TimeEntry.service_id.is_not(None))
            .group_by(TimeEntry.service_id, TimeEntry.person_id)):
        earned[service_id] = earned.get(service_id, 0.0) + float(hours * (rates[person_id] or 0))
    return earned


def weekly_burns(session: Session) -> dict[int, float]:
    """Mean hours a week logged on each service over the last BURN_WEEKS whole weeks before this one."""
    since = THIS_WEEK - timedelta(weeks=BURN_WEEKS)
    rows = session.execute(select(TimeEntry.service_id, func.sum(TimeEntry.hours))
                           .where(TimeEntry.worked_on >= since, TimeEntry.worked_on < THIS_WEEK)
                           .group_by(TimeEntry.service_id))
    return {service_id: float(hours) / BURN_WEEKS for service_id, hours in rows}


def portfolio_money(engine) -> dict[str, Money]:
    """Every service's money, by key, read from the rows."""
    plans = {plan.key: plan for plan in service_plans(SERVICES)}
    with Session(engine) as session:
        rates, burns, earned = bill_rates(session), weekly_burns(session), earnings(session)
        spent = dict(session.execute(select(TimeEntry.service_id, func.sum(TimeEntry.hours))
                                     .where(TimeEntry.service_id.is_not(None)).group_by(TimeEntry.service_id)).all())
        open_work: dict[int, list[Deliverable]] = {}
        for deliverable in session.scalars(select(Deliverable).where(Deliverable.status.in_(OPEN))):
            open_work.setdefault(deliverable.service_id, []).append(deliverable)
        money = {}
        for service in session.scalars(select(Service)):
            work = open_work.get(service.id, [])
            estimates = [d.estimate_hours for d in work]
            known = [e for e in estimates if e is not None]
            last_due = max((d.due_on for d in work), default=None)
            left = remaining_hours(float(sum(known)), len(known), burns.get(service.id), TODAY, last_due)
            money[service.key] = Money(plans[service.key], service.budget_hours, service.budget_amount,
                                       rates[service.owner_id], float(spent.get(service.id, 0)),
                                       earned.get(service.id, 0.0), estimates, left)
    assert len(money) == SERVICES
    return money


def forecast_share(m: Money) -> float | None:
    """The estimate at completion over the budget (in hours, or money for a money budget); spent
    over it where nothing says what is to come (no open deliverable)."""
    return m.burn if m.overrun is None else 1 + m.overrun


def well_within(m: Money) -> bool:
    share = forecast_share(m)
    return share is not None and share <= 0.95


def active(money: dict[str, Money], *health: Health) -> list[Money]:
    return [m for m in money.values() if m.plan.status == ServiceStatus.ACTIVE and m.plan.health in health]


def test_role_rates_are_the_demos_and_a_tenth_of_people_have_their_own(engine):
    load(engine)
    with Session(engine) as session:
        rates = {rate.role: (rate.cost_rate, rate.bill_rate) for rate in session.scalars(select(RoleRate))}
        people = list(session.scalars(select(Person)))
    decimal = {role: tuple(None if r is None else Decimal(r) for r in pair) for role, pair in spec.ROLE_RATES.items()}
    assert rates == {Role(role): pair for role, pair in decimal.items()}
    own = [p for p in people if p.cost_rate is not None or p.bill_rate is not None]
    assert 0.05 <= len(own) / len(people) <= 0.15, (len(own), len(people))
    for person in own:
        role_cost, role_bill = rates[person.role]
        assert person.cost_rate is not None and role_cost is not None and person.cost_rate > role_cost, person.key
        assert person.bill_rate is not None and role_bill is not None and person.bill_rate > role_bill, person.key


def test_budgets_come_in_hours_and_money_money_only_or_none(engine):
    load(engine)
    money = portfolio_money(engine)
    kinds = Counter("both" if m.budget_hours is not None and m.budget_amount is not None
                    else "money" if m.budget_amount is not None else "none" if m.budget_hours is None else "hours"
                    for m in money.values())
    assert kinds["hours"] == 0, "hours are always priced"
    assert 0.6 <= kinds["both"] / SERVICES <= 0.8, kinds
    assert 0.12 <= kinds["money"] / SERVICES <= 0.28, kinds
    assert 0.04 <= kinds["none"] / SERVICES <= 0.16, kinds
    for key, m in money.items():
        if m.budget_hours is not None:
            assert m.budget_hours > 0 and m.budget_hours == m.budget_hours.to_integral_value(), key
            assert m.budget_amount == m.budget_hours * m.owner_bill_rate, f"{key}: hours at the owner's bill rate"
    assert any(m.budget_amount is not None for m in money.values() if m.plan.status != ServiceStatus.ACTIVE)


def test_open_deliverables_of_four_services_in_five_carry_estimates(engine):
    load(engine)
    money = portfolio_money(engine)
    with Session(engine) as session:
        done_estimated = session.scalar(select(func.count()).where(
            Deliverable.status.not_in(OPEN), Deliverable.estimate_hours.is_not(None)))
    assert done_estimated == 0
    with_open = [m for m in money.values() if m.estimates]
    estimated = [m for m in with_open if any(e is not None for e in m.estimates)]
    assert 0.7 <= len(estimated) / len(with_open) <= 0.9, (len(estimated), len(with_open))
    for m in estimated:
        assert all(e is not None and 2 <= e <= 8 for e in m.estimates), f"{m.plan.key}: all open ones, 2-8 hours"


def test_on_track_services_are_forecast_well_within_budget(engine):
    load(engine)
    on_track = active(portfolio_money(engine), Health.ON_TRACK)
    budgeted = [m for m in on_track if m.basis[0]]
    assert len(budgeted) >= 0.8 * len(on_track)
    assert any(m.budget_hours is None for m in budgeted), "money budgets are forecast too"
    for m in budgeted:
        assert well_within(m), f"{m.plan.key}: forecast {m.overrun} over budget, burn {m.burn}"
    sources = Counter(m.remaining.source for m in budgeted)
    assert sources[RemainingFrom.ESTIMATES] > 0 and sources[RemainingFrom.WEEKLY_BURN] > 0, sources
    burns = sorted(m.burn for m in budgeted if m.burn is not None)
    assert burns[0] >= 0.35 and burns[-1] <= 0.9, burns
    assert burns[0] < 0.5 and burns[-1] > 0.75, f"spent/budget spreads from about 40% to 90%: {burns}"


def test_about_half_of_the_services_already_worse_are_forecast_over_budget(engine):
    load(engine)
    money = portfolio_money(engine)
    worse = [m for m in active(money, Health.NEEDS_ATTENTION, Health.AT_RISK) if m.basis[0]]
    shares = {m.plan.key: forecast_share(m) or 0.0 for m in worse}
    over = [m for m in worse if shares[m.plan.key] > 1.10]
    assert any(m.overrun is not None and m.overrun > 0.10 for m in over), "the budget finding is exercised"
    assert 0.3 <= len(over) / len(worse) <= 0.7, (len(over), len(worse))
    assert all(1.15 <= shares[m.plan.key] <= 1.40 for m in over), shares
    assert all(well_within(m) for m in worse if m not in over), shares


def money_rows(engine) -> list[tuple]:
    """Every money column the loader fills, by key."""
    with Session(engine) as session:
        statements = (select(RoleRate.key, RoleRate.role, RoleRate.cost_rate, RoleRate.bill_rate),
                      select(Person.key, Person.cost_rate, Person.bill_rate),
                      select(Service.key, Service.budget_hours, Service.budget_amount),
                      select(Deliverable.key, Deliverable.estimate_hours))
        return [tuple(row) for statement in statements
                for row in session.execute(statement.order_by(statement.selected_columns[0]))]


def test_same_size_gives_the_same_money_in_fresh_databases(engine, fresh_engine):
    load(engine)
    load(fresh_engine)
    rows = money_rows(engine)
    assert rows == money_rows(fresh_engine)
    assert sum(1 for row in rows if row[-1] is not None) > SERVICES, "not all empty"
