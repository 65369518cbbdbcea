"""The SLA clock (store/rules/sla.py): thresholds' instants with and without working hours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from store.rules.sla import (
    BREACH,
    Mark,
    SlaPolicy,
    SlaPolicyError,
    duration_words,
    parse_levels,
    parse_working_hours,
)

LONDON = ZoneInfo("Europe/London")
OFFICE = parse_working_hours("Mon-Fri 09:00-17:00", LONDON)


def at(day: int, hour: int, minute: int = 0, tz: ZoneInfo = LONDON) -> datetime:
    """A moment in December 2026 (the 4th is a Friday, the 7th a Monday)."""
    return datetime(2026, 12, day, hour, minute, tzinfo=tz)


def test_around_the_clock_the_thresholds_split_the_time_from_opened_to_due():
    opened = at(7, 9)
    marks = SlaPolicy().marks(opened, opened + timedelta(hours=8))
    assert marks == [Mark(50, at(7, 13)), Mark(75, at(7, 15)), Mark(BREACH, at(7, 17))]


def test_a_friday_evening_ticket_does_not_reach_half_its_sla_on_the_weekend():
    # Opened Friday 16:00, due Monday 16:00: one working hour on Friday and seven on Monday.
    policy = SlaPolicy(hours=OFFICE)
    marks = policy.marks(at(4, 16), at(7, 16))
    assert marks[0] == Mark(50, at(7, 12))  # 4 working hours in: Friday's 1, then Monday 09:00 + 3
    assert marks[1] == Mark(75, at(7, 14))
    assert marks[2] == Mark(BREACH, at(7, 16))
    assert policy.crossed(at(4, 16), at(7, 16), at(5, 12)) is None  # Saturday noon: not warned


def test_the_breach_is_the_due_time_even_outside_working_hours():
    marks = SlaPolicy(hours=OFFICE).marks(at(7, 10), at(7, 20))
    assert marks[-1] == Mark(BREACH, at(7, 20))
    assert marks[0] == Mark(50, at(7, 13, 30))  # 7 working hours between 10:00 and 17:00


def test_a_ticket_whose_sla_holds_no_working_time_is_warned_at_its_due_time():
    marks = SlaPolicy(hours=OFFICE).marks(at(5, 10), at(5, 20))  # all on a Saturday
    assert {mark.at for mark in marks} == {at(5, 20)}


def test_crossed_and_next_mark_follow_the_thresholds_in_order():
    policy, opened, due = SlaPolicy(levels=(40, 80)), at(7, 0), at(7, 10)
    assert policy.crossed(opened, due, at(7, 3)) is None
    assert policy.crossed(opened, due, at(7, 4)) == 40
    assert policy.crossed(opened, due, at(7, 9)) == 80
    assert policy.crossed(opened, due, at(7, 11)) == BREACH
    assert policy.next_mark(opened, due, None) == Mark(40, at(7, 4))
    assert policy.next_mark(opened, due, 40) == Mark(80, at(7, 8))
    assert policy.next_mark(opened, due, BREACH) is None


def test_working_hours_count_across_a_daylight_saving_change():
    # London leaves summer time on Sunday 25 October 2026: a working day is still eight hours.
    policy = SlaPolicy(hours=OFFICE)
    opened = datetime(2026, 10, 23, 9, tzinfo=LONDON)
    due = datetime(2026, 10, 26, 17, tzinfo=LONDON)
    assert policy.marks(opened, due)[0].at == datetime(2026, 10, 23, 17, tzinfo=LONDON)


def test_instants_are_the_same_whatever_zone_they_are_given_in():
    policy = SlaPolicy(hours=OFFICE)
    local = policy.marks(at(4, 16), at(7, 16))
    utc = policy.marks(at(4, 16).astimezone(UTC), at(7, 16).astimezone(UTC))
    assert local == utc


@pytest.mark.parametrize(("text", "days"), [("Mon-Fri 09:00-17:00", {0, 1, 2, 3, 4}),
                                            ("mon,wed,fri 08:00-16:30", {0, 2, 4}),
                                            ("Sat-Mon 10:00-14:00", {5, 6, 0})])
def test_working_hours_are_read_from_days_and_a_time_range(text, days):
    hours = parse_working_hours(text, LONDON)
    assert hours is not None and hours.days == frozenset(days)


@pytest.mark.parametrize("text", ["", "always", None])
def test_no_working_hours_means_every_hour_counts(text):
    assert parse_working_hours(text, LONDON) is None


@pytest.mark.parametrize("text", ["weekdays", "Mon-Fri 17:00-09:00", "Mon-Xyz 09:00-17:00", "Mon-Fri 9-5"])
def test_unreadable_working_hours_say_what_to_write(text):
    with pytest.raises(SlaPolicyError, match="Mon-Fri 09:00-17:00|like"):
        parse_working_hours(text, LONDON)


def test_levels_are_percentages_below_the_breach():
    assert parse_levels(None) == (50, 75)
    assert parse_levels("75, 50") == (50, 75)
    for bad in ("0,50", "50,100", "half"):
        with pytest.raises(SlaPolicyError):
            parse_levels(bad)


def test_the_fingerprint_changes_with_the_levels_and_the_hours():
    assert SlaPolicy().fingerprint() != SlaPolicy(levels=(60, 90)).fingerprint()
    assert SlaPolicy().fingerprint() != SlaPolicy(hours=OFFICE).fingerprint()


@pytest.mark.parametrize(("seconds", "words"), [(30, "under a minute"), (45 * 60, "45 min"), (3 * 3600, "3 h"),
                                                (3 * 3600 + 20 * 60, "3 h 20 min"), (86400, "1 day"),
                                                (2 * 86400 + 3 * 3600, "2 days 3 h")])
def test_durations_read_as_words(seconds, words):
    assert duration_words(seconds) == words


def test_the_share_gone_counts_only_working_hours():
    policy = SlaPolicy(hours=OFFICE)
    assert policy.share(at(4, 16), at(7, 16), at(5, 12)) == pytest.approx(1 / 8)  # Saturday: Friday's hour
    assert policy.share(at(4, 16), at(7, 16), at(7, 12)) == pytest.approx(4 / 8)
    assert SlaPolicy().share(at(7, 9), at(7, 17), at(7, 13)) == pytest.approx(0.5)
    assert SlaPolicy().share(at(7, 9), at(7, 17), at(7, 21)) == pytest.approx(1.5)
