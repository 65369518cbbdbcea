"""The escalation ladder's and snoozes' rules (store/rules/escalation.py): pure functions of the clock."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.settings import SettingsError, load_settings
from store.rules.escalation import (
    DEFAULT_DAYS,
    Due,
    EscalationPolicy,
    EscalationPolicyError,
    Rung,
    SnoozeChoice,
    next_monday,
    parse_escalation_days,
    rung_of,
    snooze_day,
    snooze_problem,
    snooze_until,
    step_words,
)

BLOCKED = datetime(2026, 12, 1, 10, 0, tzinfo=timezone.utc)  # a Tuesday
DAY = timedelta(days=1)
POLICY = EscalationPolicy()


def test_the_ladder_has_three_rungs_owner_lead_channels():
    assert [rung_of(step) for step in (1, 2, 3)] == [Rung.OWNER, Rung.LEAD, Rung.CHANNELS]
    assert step_words(2) == "step 2: lead"
    with pytest.raises(ValueError):
        rung_of(4)


def test_steps_fall_due_at_2_4_and_6_days_blocked():
    assert POLICY.days == DEFAULT_DAYS == (2, 4, 6)
    assert POLICY.next_step(BLOCKED, {}) == Due(1, BLOCKED + 2 * DAY)
    assert POLICY.next_step(BLOCKED, {1: BLOCKED + 2 * DAY}) == Due(2, BLOCKED + 4 * DAY)
    assert POLICY.next_step(BLOCKED, {1: BLOCKED + 2 * DAY, 2: BLOCKED + 4 * DAY}) == Due(3, BLOCKED + 6 * DAY)
    assert POLICY.next_step(BLOCKED, {1: BLOCKED, 2: BLOCKED, 3: BLOCKED}) is None


def test_a_late_ladder_climbs_one_rung_at_a_time_keeping_the_gaps():
    """Imported already blocked for ten days: the owner now, the lead two days later, the channels two after."""
    first_seen = BLOCKED + 10 * DAY
    assert POLICY.next_step(BLOCKED, {}) == Due(1, BLOCKED + 2 * DAY)  # due long ago: taken at once
    assert POLICY.next_step(BLOCKED, {1: first_seen}) == Due(2, first_seen + 2 * DAY)
    assert POLICY.next_step(BLOCKED, {1: first_seen, 2: first_seen + 2 * DAY}) == Due(3, first_seen + 4 * DAY)


def test_escalate_now_takes_the_next_rung_and_the_following_ones_keep_their_gap():
    now = BLOCKED + 1 * DAY  # escalated by hand before the ladder's first day
    assert POLICY.next_step(BLOCKED, {1: now}) == Due(2, BLOCKED + 4 * DAY)
    assert POLICY.next_step(BLOCKED, {1: now, 2: now}) == Due(3, BLOCKED + 6 * DAY)
    assert POLICY.next_step(BLOCKED, {1: now, 2: BLOCKED + 5 * DAY}) == Due(3, BLOCKED + 7 * DAY)


def test_a_snooze_moves_the_next_step_to_its_end():
    until = BLOCKED + 5 * DAY
    assert POLICY.next_step(BLOCKED, {1: BLOCKED + 2 * DAY}, until) == Due(2, until)
    assert POLICY.next_step(BLOCKED, {}, BLOCKED + DAY) == Due(1, BLOCKED + 2 * DAY), "a snooze that ended first"


def test_the_days_are_a_setting():
    assert parse_escalation_days(None) == parse_escalation_days(" ") == (2, 4, 6)
    assert parse_escalation_days("1,3,10") == (1, 3, 10)
    assert EscalationPolicy((1, 3, 10)).next_step(BLOCKED, {}) == Due(1, BLOCKED + DAY)
    assert EscalationPolicy((1, 3, 10)).describe() == "1, 3 and 10 days"
    for wrong in ("2,4", "2,4,6,8", "4,2,6", "0,2,4", "a,b,c", "2,2,4", "2,4,400"):
        with pytest.raises(EscalationPolicyError):
            parse_escalation_days(wrong)
    assert load_settings(delivery_escalation_days="1,2,3").escalation_policy == EscalationPolicy((1, 2, 3))
    with pytest.raises(SettingsError, match="^DELIVERY_ESCALATION_DAYS: '6,4,2': the days must increase"):
        load_settings(delivery_escalation_days="6,4,2")


def test_next_monday_is_a_week_on_from_a_monday():
    assert next_monday(date(2026, 12, 2)) == date(2026, 12, 7)  # Wednesday
    assert next_monday(date(2026, 12, 6)) == date(2026, 12, 7)  # Sunday
    assert next_monday(date(2026, 12, 7)) == date(2026, 12, 14)  # Monday


def test_a_snooze_ends_at_nine_in_the_organisations_zone_on_its_day():
    london = ZoneInfo("Europe/London")
    now = datetime(2026, 12, 2, 22, 30, tzinfo=timezone.utc)  # Wednesday evening
    assert snooze_until(SnoozeChoice.DAY, now, london) == datetime(2026, 12, 3, 9, 0, tzinfo=london)
    assert snooze_until(SnoozeChoice.THREE_DAYS, now, london) == datetime(2026, 12, 5, 9, 0, tzinfo=london)
    assert snooze_until(SnoozeChoice.NEXT_MONDAY, now, london) == datetime(2026, 12, 7, 9, 0, tzinfo=london)
    assert snooze_until(SnoozeChoice.DATE, now, london, date(2026, 12, 9)) == datetime(2026, 12, 9, 9, tzinfo=london)
    auckland = ZoneInfo("Pacific/Auckland")  # already Thursday there
    assert snooze_until(SnoozeChoice.DAY, now, auckland) == datetime(2026, 12, 4, 9, 0, tzinfo=auckland)


def test_a_date_must_be_after_today_and_within_sixty_days():
    today = date(2026, 12, 2)
    assert snooze_problem(SnoozeChoice.DAY, today, None) is None
    assert snooze_problem(SnoozeChoice.DATE, today, None) == "Pick the date it comes back on."
    assert snooze_problem(SnoozeChoice.DATE, today, today) == "Pick a date after today."
    assert snooze_problem(SnoozeChoice.DATE, today, today + 61 * DAY).startswith("A snooze lasts at most 60 days")
    assert snooze_problem(SnoozeChoice.DATE, today, today + 60 * DAY) is None
    with pytest.raises(ValueError):
        snooze_day(SnoozeChoice.DATE, today, None)
