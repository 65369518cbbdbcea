"""Budget rules (store/rules/budget.py): burn, what is left, the estimate at completion, the forecast
overrun, margin and a project's success, without a database."""

from __future__ import annotations

from datetime import date

import pytest

from store.rules.budget import (
    Remaining,
    RemainingFrom,
    burn,
    estimate_at_completion,
    forecast_overrun,
    margin,
    project_succeeded,
    rate_of,
    remaining_hours,
)

TODAY = date(2026, 12, 7)


def test_own_rates_win_over_the_role_s_and_none_stays_none():
    assert (rate_of(195, 180), rate_of(None, 180), rate_of(None, None), rate_of(0, 180)) == (195, 180, None, 0)


def test_estimates_come_first_then_the_weekly_burn_then_nothing():
    assert remaining_hours(64, 3, 8.0, TODAY, date(2027, 1, 4)) == Remaining(64, RemainingFrom.ESTIMATES)
    assert remaining_hours(0, 0, 8.0, TODAY, date(2027, 1, 4)) == Remaining(32, RemainingFrom.WEEKLY_BURN)
    assert remaining_hours(0, 0, 8.0, TODAY, date(2026, 12, 1)) == Remaining(0, RemainingFrom.WEEKLY_BURN), \
        "the last due day passed: nothing more at the burn"
    assert remaining_hours(0, 0, None, TODAY, date(2027, 1, 4)) == Remaining(None, RemainingFrom.NOTHING)
    assert remaining_hours(0, 0, 8.0, TODAY, None) == Remaining(None, RemainingFrom.NOTHING)
    assert RemainingFrom.WEEKLY_BURN.label == "at the last 4 weeks' burn"


def test_delta_burns_its_budget_and_precision_stays_within():
    """The demo's story in numbers: Delta 104 of 120 h with 64 h of estimates, Precision 104 of 160
    with 18."""
    delta = estimate_at_completion(104, remaining_hours(64, 3, None, TODAY, None).hours)
    precision = estimate_at_completion(104, remaining_hours(18, 3, None, TODAY, None).hours)
    assert burn(104, 120) == pytest.approx(0.8667, abs=1e-4) and delta == 168
    assert forecast_overrun(delta, 120) == pytest.approx(0.4)
    assert forecast_overrun(precision, 160) == pytest.approx(-0.2375)
    assert burn(10, None) is None and burn(10, 0) is None
    assert forecast_overrun(None, 120) is None and forecast_overrun(168, None) is None


def test_margin_is_over_revenue():
    assert margin(1000, 640) == pytest.approx(0.36) and margin(0, 50) is None and margin(100, 150) == -0.5


@pytest.mark.parametrize("completed_on, planned_end, spent, budget, succeeded", [
    (date(2026, 10, 30), date(2026, 10, 30), 100, 100, True),  # on the day, on the hour
    (date(2026, 10, 31), date(2026, 10, 30), 90, 100, False),  # a day late
    (date(2026, 10, 20), date(2026, 10, 30), 101, 100, False),  # over budget
    (date(2026, 10, 20), None, 50, None, True),  # nothing to miss
])  # fmt: skip
def test_a_project_succeeds_on_time_and_within_budget(completed_on, planned_end, spent, budget, succeeded):
    assert project_succeeded(completed_on, planned_end, spent, budget) is succeeded
