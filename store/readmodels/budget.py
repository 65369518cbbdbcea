"""Read models of budgets (`/delivery budget`, the service card's budget line).

Money is need-to-know: a figure the viewer may not see (rates, costs, money amounts, margins) is
None here, filled only for a service's lead and ops (`store.rules.permissions.sees_money`), so no
renderer can show what the store did not hand it. Definitions: `store.metrics`.
"""

from __future__ import annotations

from datetime import datetime

from store.readmodels import PersonRef, ReadModel, ServiceRef
from store.rules.budget import MARGIN_TARGET, SUCCESS_TARGET, BudgetBasis, RemainingFrom
from store.rules.permissions import MONEY_AUDIENCE


class BudgetLine(ReadModel):
    """One service's budget as it stands. In hours for an hours budget; for a money-only budget the
    amounts (`budget`, `spent`, `eac`) are money, None when the viewer may not see money."""

    ref: ServiceRef
    owner: PersonRef | None
    basis: BudgetBasis
    budget: float | None
    spent: float | None
    burn: float | None  # spent / budget
    complete: float | None  # share of its deliverables complete or accepted
    remaining_hours: float | None
    remaining_from: RemainingFrom
    eac: float | None
    overrun: float | None  # the estimate at completion past the budget, as a share of it
    margin: float | None = None  # None: hidden from the viewer, or nothing earned yet
    cost: float | None = None
    earned: float | None = None
    money_shown: bool = False

    @property
    def over(self) -> bool:
        return self.burn is not None and self.burn > 1


class CustomerMargin(ReadModel):
    customer_name: str
    services: int
    earned: float
    cost: float
    margin: float | None


class SuccessRate(ReadModel):
    """Projects completed, and those finished on time and within budget (target `SUCCESS_TARGET`)."""

    completed: int
    succeeded: int
    target: float = SUCCESS_TARGET

    @property
    def rate(self) -> float | None:
        return self.succeeded / self.completed if self.completed else None


class BudgetReport(ReadModel):
    as_of: datetime
    budgeted: int  # active services with a budget
    over: list[BudgetLine]  # spent past their budget, worst first
    over_count: int
    forecast_over: list[BudgetLine]  # not over yet, forecast to end past it, worst first
    forecast_over_count: int
    threshold: float  # the forecast overrun past which a service Needs Attention
    # Money, for those who may see it: the portfolio's (ops), the lowest margins among the services
    # the viewer may see, and customers' (ops).
    money_scope: str  # "all", "own" (a lead: the services they lead) or "none"
    margin_total: float | None = None
    earned_total: float | None = None
    cost_total: float | None = None
    lowest_margins: list[BudgetLine] = []
    below_target_count: int = 0
    customers_below_target: list[CustomerMargin] = []
    customers_below_target_count: int = 0
    success: SuccessRate
    success_week_ago: SuccessRate
    margin_target: float = MARGIN_TARGET
    money_audience: str = MONEY_AUDIENCE
