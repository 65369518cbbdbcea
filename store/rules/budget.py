"""Budget rules: burn, what is left, the estimate at completion, the forecast overrun, margin and a
project's success. Pure functions over plain numbers (definitions in `store.metrics`); queries
gather the numbers, these decide.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import NamedTuple

# Gross services margin the organisation aims for, and the share of projects finished on time and
# within budget.
MARGIN_TARGET = 0.40
SUCCESS_TARGET = 0.90
# The recent weekly burn: mean hours a week logged on a service over this many last whole weeks.
BURN_WEEKS = 4


class RemainingFrom(StrEnum):
    """Where the hours still to come were read from, said on every forecast."""

    ESTIMATES = "estimates"
    WEEKLY_BURN = "weekly_burn"
    NOTHING = "nothing"

    @property
    def label(self) -> str:
        return {"estimates": "from the open deliverables' estimates",
                "weekly_burn": f"at the last {BURN_WEEKS} weeks' burn",
                "nothing": "no estimates or due dates to forecast from"}[self.value]


# Tuples, not dataclasses: a budget answer makes one of each for every service (8,000 at 10,000
# services), and a frozen dataclass costs several times a tuple to build.
class Remaining(NamedTuple):
    hours: float | None
    source: RemainingFrom


def rate_of(own: float | None, by_role: float | None) -> float | None:
    """A person's rate: their own, else their role's, else none (their hours then carry no money)."""
    return own if own is not None else by_role


def remaining_hours(open_estimates: float, estimated_open: int, weekly_burn: float | None,
                    today: date, last_open_due: date | None) -> Remaining:
    """Hours still to come on a service: its open deliverables' estimates when any open deliverable
    has one; else its recent weekly burn until the last open deliverable is due (none left when
    that day has passed); else nothing to forecast from."""
    if estimated_open > 0:
        return Remaining(open_estimates, RemainingFrom.ESTIMATES)
    if weekly_burn is not None and last_open_due is not None:
        weeks_left = max((last_open_due - today).days, 0) / 7
        return Remaining(weekly_burn * weeks_left, RemainingFrom.WEEKLY_BURN)
    return Remaining(None, RemainingFrom.NOTHING)


def burn(spent: float, budget: float | None) -> float | None:
    """Spent over budget; None without a budget."""
    return spent / budget if budget else None


def estimate_at_completion(spent: float, remaining: float | None) -> float | None:
    """Spent plus what is still to come; None when nothing says what is to come."""
    return None if remaining is None else spent + remaining


def forecast_overrun(eac: float | None, budget: float | None) -> float | None:
    """How far the estimate at completion goes past the budget, as a share of it (negative: under)."""
    if eac is None or not budget:
        return None
    return eac / budget - 1


def margin(revenue: float, cost: float) -> float | None:
    """(revenue - cost) / revenue; None without revenue."""
    return (revenue - cost) / revenue if revenue > 0 else None


def project_succeeded(completed_on: date, planned_end: date | None, spent: float, budget: float | None) -> bool:
    """Finished on time (by its planned end, when it has one) and within budget (when it has one)."""
    on_time = planned_end is None or completed_on <= planned_end
    within = budget is None or spent <= budget
    return on_time and within


class BudgetBasis(StrEnum):
    """What a service's budget is measured in: its hours when it has an hours budget, else its money."""

    HOURS = "hours"
    MONEY = "money"


class Standing(NamedTuple):
    """A budget as it stands, in its basis' unit (hours, or money earned at bill rates)."""

    basis: BudgetBasis | None  # None: no budget
    budget: float | None
    spent: float
    remaining: Remaining  # hours still to come, and where they were read from
    eac: float | None

    @property
    def burn(self) -> float | None:
        return burn(self.spent, self.budget)

    @property
    def overrun(self) -> float | None:
        return forecast_overrun(self.eac, self.budget)


def standing(budget_hours: float | None, budget_amount: float | None, spent_hours: float, earned: float,
             remaining: Remaining) -> Standing:
    """A budget in hours is measured in hours spent; one in money only, in money earned (billable
    hours at bill rates), the hours still to come priced at what an hour logged has earned so far."""
    if budget_hours:
        return Standing(BudgetBasis.HOURS, budget_hours, spent_hours, remaining,
                        estimate_at_completion(spent_hours, remaining.hours))
    if budget_amount:
        per_hour = earned / spent_hours if spent_hours > 0 else None
        to_come = None if remaining.hours is None or per_hour is None else remaining.hours * per_hour
        return Standing(BudgetBasis.MONEY, budget_amount, earned, remaining, estimate_at_completion(earned, to_come))
    return Standing(None, None, spent_hours, remaining, None)
