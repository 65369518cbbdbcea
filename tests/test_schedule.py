"""Digest schedules: explicit time zones, daylight-saving changes, and what counts as the last run."""

from datetime import datetime, time, timezone

import pytest

from handlers.commands.parse import UsageError, parse_command
from store.rules.schedule import ScheduleError, last_run, parse_days, parse_time, period_of, schedule

UTC = timezone.utc


def test_new_york_0830_moves_in_utc_across_the_daylight_saving_change():
    plan = schedule("08:30", "weekdays", "America/New_York")
    # Friday 6 March 2026 is still EST (UTC-5); Monday 9 March is EDT (UTC-4).
    assert last_run(plan, datetime(2026, 3, 6, 13, 31, tzinfo=UTC)) == datetime(2026, 3, 6, 13, 30, tzinfo=UTC)
    assert last_run(plan, datetime(2026, 3, 9, 12, 31, tzinfo=UTC)) == datetime(2026, 3, 9, 12, 30, tzinfo=UTC)
    # In the autumn the other way: Monday 2 November 2026 is back on EST.
    assert last_run(plan, datetime(2026, 11, 2, 13, 31, tzinfo=UTC)) == datetime(2026, 11, 2, 13, 30, tzinfo=UTC)


@pytest.mark.parametrize("zone, utc_hour, utc_minute", [("Asia/Kolkata", 3, 0), ("America/Los_Angeles", 16, 30)])
def test_personal_0830_in_each_persons_own_zone(zone, utc_hour, utc_minute):
    plan = schedule("08:30", "weekdays", zone)
    run = last_run(plan, datetime(2026, 11, 24, 23, 0, tzinfo=UTC))  # Tuesday evening UTC
    assert run == datetime(2026, 11, 24, utc_hour, utc_minute, tzinfo=UTC)
    assert period_of(run, plan) == "2026-11-24"


def test_weekend_falls_back_to_friday_for_weekday_digests():
    plan = schedule("09:00", "weekdays", "UTC")
    assert last_run(plan, datetime(2026, 11, 22, 12, 0, tzinfo=UTC)) == datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def test_before_the_first_run_of_the_day_the_last_run_is_yesterdays():
    plan = schedule("08:30", "daily", "UTC")
    assert last_run(plan, datetime(2026, 11, 24, 8, 29, tzinfo=UTC)) == datetime(2026, 11, 23, 8, 30, tzinfo=UTC)


def test_parsing_days_and_times():
    assert parse_days("weekdays") == ("mon", "tue", "wed", "thu", "fri")
    assert parse_days("Fri,mon,WED") == ("mon", "wed", "fri")
    assert parse_time("8:05") == time(8, 5)
    with pytest.raises(ScheduleError, match="25:00"):
        parse_time("25:00")
    with pytest.raises(ScheduleError, match="someday"):
        parse_days("someday")


@pytest.mark.parametrize("text, message", [
    ("subscribe nightly-report", "'nightly-report' is not a digest"),
    ("subscribe at-risk 25:00", "'25:00' is not a time of day"),
    ("subscribe at-risk Mars/Base", "'Mars/Base' is not a time zone"),
    ("digest sometimes", "/delivery digest off"),
])
def test_bad_subscription_input_says_what_to_type(text, message):
    with pytest.raises(UsageError, match=message):
        parse_command(text)
