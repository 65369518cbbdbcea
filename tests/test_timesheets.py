"""Hours logged and hours away per person and week (store/queries/timesheets.py, store/rules/capacity.py):
the demo's timesheets give the figures its story tells."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.orm import Session
from support import TEAM, UTC, WEDNESDAY, demo_people

from store.clock import current_week, week_of
from store.context import QueryContext
from store.queries.timesheets import Logged, hours_away, logged_hours
from store.rules.capacity import available_hours, share_of, working_days_between

CTX = QueryContext(team_id=TEAM, now=WEDNESDAY, tz=UTC)


@pytest.mark.parametrize("first, last, days", [
    (date(2026, 11, 16), date(2026, 11, 22), 5),  # Monday to Sunday
    (date(2026, 11, 20), date(2026, 11, 23), 2),  # Friday to Monday
    (date(2026, 11, 21), date(2026, 11, 22), 0),  # a weekend
    (date(2026, 11, 16), date(2026, 11, 29), 10),
    (date(2026, 11, 18), date(2026, 11, 18), 1),
    (date(2026, 11, 18), date(2026, 11, 17), 0),  # ends before it starts
])
def test_working_days_count_monday_to_friday(first, last, days):
    assert working_days_between(first, last) == days


def test_available_hours_are_capacity_less_time_off_never_below_zero():
    assert available_hours(40, 8) == 32 and available_hours(32, 40) == 0 and available_hours(40, 0) == 40


def test_last_week_s_timesheets_give_ryan_90_percent_and_bill_50(demo_engine):
    people, last_week = demo_people(demo_engine), CTX.week.previous(UTC)
    with Session(demo_engine) as session:
        logged = logged_hours(session, CTX, last_week)
        only_two = logged_hours(session, CTX, last_week, person_ids=[people["ryan"], people["bill"]])
    assert logged[people["ryan"]] == Logged(36.0, 32.0) and logged[people["bill"]] == Logged(20.0, 16.0)
    assert share_of(logged[people["ryan"]].hours, 40) == pytest.approx(0.9)
    assert share_of(logged[people["bill"]].hours, 40) == pytest.approx(0.5)
    assert set(only_two) == {people["ryan"], people["bill"]}
    delivery = [p for key, p in people.items() if key != "dana"]
    billable = sum(logged[p].billable for p in delivery)
    assert billable == 170 and sum(logged[p].hours for p in people.values()) == 230


def weeks_back(count: int):
    week = current_week(CTX.now, UTC)
    for _ in range(count):
        week = week.previous(UTC)
    return week


def test_time_off_takes_its_working_days_out_of_the_week(demo_engine):
    """Marcus was away all week five weeks ago (and logged nothing), Elena two days nine weeks ago;
    Priya is off next Friday; two weeks ago nobody was away."""
    people = demo_people(demo_engine)
    next_week = week_of(current_week(CTX.now, UTC).first_day + timedelta(days=7), UTC)
    with Session(demo_engine) as session:
        marcus = hours_away(session, CTX, weeks_back(5))
        marcus_logged = logged_hours(session, CTX, weeks_back(5))
        elena = hours_away(session, CTX, weeks_back(9))
        priya = hours_away(session, CTX, next_week, person_ids=[people["priya"]])
        quiet = hours_away(session, CTX, weeks_back(2))
    assert marcus == {people["marcus"]: 40.0} and people["marcus"] not in marcus_logged
    assert available_hours(40, marcus[people["marcus"]]) == 0
    assert elena == {people["elena"]: 16.0} and available_hours(32, 16.0) == 16
    assert priya == {people["priya"]: 8.0} and quiet == {}
