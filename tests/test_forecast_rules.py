"""The forecast rules (store/rules/forecast.py), without a database: Monte Carlo over weekly
throughput, reproducible, exact where the draws cannot differ, and checked against a plain
trial-by-trial count of the same draws."""

from __future__ import annotations

import itertools
import math
import random
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from store.rules.forecast import (
    MAX_WEEKS,
    TRIALS,
    Forecaster,
    Outcome,
    WeeksForecast,
    _simulate,
    due_week,
    forecast_weeks,
    slips,
    surely_on_time,
    week_bounds,
    week_draws,
    week_end,
)

MONDAY = date(2026, 11, 16)


def by_hand(history, remaining, done_this_week=0, trials=TRIALS) -> tuple[int | None, int | None]:
    """The 50% and 85% finish weeks counted trial by trial from the same draws: each trial's running
    total, the week it first reaches the open work, and the nearest-rank percentiles of those weeks."""
    totals = [0] * trials
    finished: list[int | None] = [None] * trials
    draws = week_draws(history, remaining, done_this_week=done_this_week, as_of_week=MONDAY, trials=trials)
    for week, drawn in zip(range(1, MAX_WEEKS + 1), draws, strict=False):
        for trial, value in enumerate(drawn):
            totals[trial] += value
            if finished[trial] is None and totals[trial] >= remaining:
                finished[trial] = week
    ranked = sorted(MAX_WEEKS + 1 if week is None else week for week in finished)

    def rank(share: float) -> int | None:
        week = ranked[math.ceil(share * trials) - 1]
        return None if week > MAX_WEEKS else week

    return rank(0.5), rank(0.85)


# -- outcomes without dates ---------------------------------------------------------------------

def test_nothing_open_is_done():
    assert forecast_weeks([1, 2, 3, 4], 0, as_of_week=MONDAY) == WeeksForecast(Outcome.DONE)


def test_under_four_weeks_of_history_gives_no_dates():
    assert forecast_weeks([3, 3, 3], 5, as_of_week=MONDAY) == WeeksForecast(Outcome.SHORT_HISTORY)
    assert forecast_weeks([], 5, as_of_week=MONDAY).outcome == Outcome.SHORT_HISTORY
    four = forecast_weeks([3, 3, 3, 3], 5, as_of_week=MONDAY)
    assert four == WeeksForecast(Outcome.FORECAST, 2, 2)


def test_no_completions_in_any_history_week_gives_no_dates():
    assert forecast_weeks([0] * 8, 1, as_of_week=MONDAY) == WeeksForecast(Outcome.NO_THROUGHPUT)
    assert Outcome.NO_THROUGHPUT.label == "no completions in the last 8 weeks"


# -- exact cases -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("per_week", "remaining", "done", "weeks"), [
    (2, 6, 0, 3),  # 2 + 2 + 2: done in week 3
    (2, 5, 0, 3),
    (2, 4, 0, 2),
    (2, 1, 0, 1),  # this week
    (2, 6, 1, 4),  # 1 already done this week: this week adds 1, then 2 + 2 + 2 ... 1 + 2 + 2 = 5 < 6 -> week 4
    (2, 6, 5, 4),  # more done this week than it draws: this week adds nothing
    (1, 104, 0, 104),  # the last week a trial draws
])
def test_a_steady_throughput_gives_exact_dates(per_week, remaining, done, weeks):
    history = [per_week] * 8
    assert forecast_weeks(history, remaining, done_this_week=done, as_of_week=MONDAY) == (
        WeeksForecast(Outcome.FORECAST, weeks, weeks))
    # The simulation, had it run, agrees with the shortcut.
    assert _simulate(history, remaining, done, MONDAY, TRIALS) == (weeks, weeks)
    assert week_end(MONDAY, weeks) == date(2026, 11, 22) + timedelta(weeks=weeks - 1)


def test_a_finish_date_is_the_sunday_ending_its_week():
    assert week_end(MONDAY, 1) == date(2026, 11, 22)
    assert week_end(MONDAY, 3) == date(2026, 12, 6)
    assert (due_week(MONDAY, date(2026, 11, 16)), due_week(MONDAY, date(2026, 11, 22)),
            due_week(MONDAY, date(2026, 11, 23)), due_week(MONDAY, date(2026, 11, 15))) == (1, 1, 2, 0)


def test_three_weeks_in_four_finishing_in_one_week_checks_by_hand():
    # Each week either 4 (six weeks in eight) or nothing: 2 open is done in week 1 with chance 3/4 and
    # by week 2 with 1 - (1/4)^2 = 15/16. So likely week 1, 85% week 2 (the trials' shares are far from
    # the thresholds: 750 +- 14 and 938 +- 8 of 1,000).
    history = [0, 0, 4, 4, 4, 4, 4, 4]
    assert forecast_weeks(history, 2, as_of_week=MONDAY) == WeeksForecast(Outcome.FORECAST, 1, 2)
    first, second = itertools.islice(week_draws(history, 2, as_of_week=MONDAY), 2)
    done_in_one = sum(d >= 2 for d in first)
    done_in_two = sum(a + b >= 2 for a, b in zip(first, second, strict=True))
    assert 700 < done_in_one < 850 <= done_in_two
    assert by_hand(history, 2) == (1, 2)


def test_the_simulation_counts_what_a_trial_by_trial_count_of_the_same_draws_does():
    rng = random.Random(7)
    cases = [([0, 0, 1, 1, 1, 2, 3, 1], 3, 0), ([0, 0, 0, 0, 0, 1, 1, 2], 2, 1), ([1, 2, 3, 1, 0, 2, 2, 1], 30, 2),
             ([300, 0, 1000, 2], 5000, 0), ([0, 0, 0, 0, 0, 0, 0, 1], 9, 0), ([5, 0, 0, 0, 1], 7, 3)]
    cases += [([rng.randint(0, 4) for _ in range(rng.randint(4, 8))], rng.randint(1, 12), rng.randint(0, 2))
              for _ in range(12)]
    for history, remaining, done in cases:
        if max(history) == 0:
            continue
        assert _simulate(history, remaining, done, MONDAY, TRIALS) == by_hand(history, remaining, done), (
            history, remaining, done)


def test_the_draws_are_uniform_over_the_history_weeks():
    # Five weeks: 256 is no multiple of 5, so a byte past 255 is drawn again rather than favouring some.
    drawn = [value for week in itertools.islice(week_draws([0, 1, 2, 3, 4], 1, as_of_week=MONDAY), 1, 41)
             for value in week]
    counts = [drawn.count(value) for value in range(5)]
    assert all(abs(count - len(drawn) / 5) < 400 for count in counts), counts  # 8,000 each, sd ~ 80


# -- the cap ---------------------------------------------------------------------------------------

def test_past_two_years_there_is_no_date():
    # One week in eight completes one: 30 open takes 240 weeks on average.
    assert forecast_weeks([0] * 7 + [1], 30, as_of_week=MONDAY) == WeeksForecast(Outcome.FORECAST, None, None)
    # More than the history's best week every week for two years: no trial can finish.
    assert forecast_weeks([0, 1, 0, 1], 105, as_of_week=MONDAY) == WeeksForecast(Outcome.FORECAST, None, None)
    assert week_bounds([1] * 8, 105) == (None, None)
    # Likely within two years, 85% not.
    twelve = forecast_weeks([0] * 7 + [1], 12, as_of_week=MONDAY)
    assert twelve.likely is not None and twelve.likely <= MAX_WEEKS and twelve.safe is None
    assert by_hand([0] * 7 + [1], 12) == (twelve.likely, twelve.safe)
    assert slips(None, 500), "a milestone past the cap slips, whenever it is due"


# -- reproducible ----------------------------------------------------------------------------------

def test_the_same_facts_in_the_same_week_give_the_same_dates():
    history = [0, 1, 3, 0, 2, 1, 0, 1]
    made = forecast_weeks(history, 7, done_this_week=1, as_of_week=MONDAY)
    assert made.likely is not None and made.likely != made.safe, "a case where the draws matter"
    again = forecast_weeks(list(reversed(history)), 7, done_this_week=1, as_of_week=MONDAY)
    assert again == made, "the history weeks' order does not matter"
    random.seed(1)  # nothing global is used
    assert forecast_weeks(history, 7, done_this_week=1, as_of_week=MONDAY) == made
    code = ("from datetime import date; from store.rules.forecast import forecast_weeks; "
            "print(tuple(forecast_weeks([0, 1, 3, 0, 2, 1, 0, 1], 7, done_this_week=1, "
            "as_of_week=date(2026, 11, 16))))")
    for hash_seed in ("1", "2"):
        printed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                                 env={"PYTHONHASHSEED": hash_seed}, cwd=Path(__file__).parents[1]).stdout
        assert printed.strip() == str(tuple(made)), "another process, another hash seed: the same dates"


def test_another_week_draws_anew():
    history = [0, 1, 3, 0, 2, 1, 0, 1]
    weeks = {tuple(next(week_draws(history, 7, as_of_week=MONDAY + timedelta(weeks=n)))[:50]) for n in range(3)}
    assert len(weeks) == 3


def test_more_open_work_of_a_service_is_never_forecast_sooner():
    history = [0, 2, 0, 1, 0, 0, 3, 1]
    made = [forecast_weeks(history, remaining, done_this_week=1, as_of_week=MONDAY) for remaining in range(1, 25)]
    for fewer, more in itertools.pairwise(made):
        assert fewer.likely is not None and more.likely is not None and fewer.safe is not None
        assert fewer.likely <= more.likely and fewer.safe <= (more.safe or MAX_WEEKS + 1)


def test_a_forecaster_works_each_distinct_set_of_facts_out_once():
    forecaster = Forecaster(MONDAY)
    first = forecaster.weeks([0, 1, 2, 1, 0, 3, 1, 1], 4)
    assert forecaster.weeks([3, 1, 1, 0, 0, 1, 2, 1], 4) is first
    forecaster.weeks([0, 1, 2, 1, 0, 3, 1, 1], 5)
    forecaster.weeks([0, 1, 2, 1, 0, 3, 1, 1], 4, done_this_week=1)
    assert forecaster.worked_out == 3


# -- slipping --------------------------------------------------------------------------------------

def test_a_milestone_slips_when_its_85_percent_week_ends_after_the_week_it_is_due():
    assert not slips(2, due_week(MONDAY, date(2026, 11, 25))), "due Wednesday of week 2, 85% done in week 2"
    assert slips(3, due_week(MONDAY, date(2026, 11, 29)))
    assert slips(1, due_week(MONDAY, date(2026, 11, 13))), "due last week and still open"


def test_bounds_say_when_every_trial_finishes_by_the_week_due_without_drawing():
    assert week_bounds([1, 2, 3, 4], 6) == (2, 6)
    assert week_bounds([0, 2, 3, 4], 6) == (2, None)
    assert surely_on_time([1, 2, 3, 4], 6, 0, 6)
    assert not surely_on_time([1, 2, 3, 4], 6, 0, 5)
    assert not surely_on_time([0, 2, 3, 4], 6, 0, 50), "a week of nothing can follow another"
    assert not surely_on_time([1, 1, 1], 1, 0, 9), "no forecast without enough history"
