"""Following a blocked deliverable through: when its escalation ladder takes each step, and until when a
snooze holds it. Pure functions of the clock and the facts: the store and the scheduler ask, never decide.

The ladder has three rungs, taken in order, each once per blocked episode (an episode is one stretch of
being blocked, named by when it began, `blocked_since`): a DM to the deliverable's owner, a DM to the
service's lead, then a post in the channels subscribed to `escalations`. Step k is due when the
deliverable has been blocked `days[k-1]` days (DELIVERY_ESCALATION_DAYS, 2,4,6 by default), and never
sooner after the step before it than the gap between their days: a ladder that starts late (the bot was
down, a deliverable was imported already blocked for weeks) or that was held by a snooze climbs one rung
at a time, not all at once. "Escalate now" takes the next rung at once; the following ones keep their gaps
from it. While a snooze holds the episode, nothing is due: the next step waits for the snooze's end.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import NamedTuple
from zoneinfo import ZoneInfo

DEFAULT_DAYS = (2, 4, 6)
EXAMPLE = "2,4,6"
MAX_DAYS = 365


class EscalationPolicyError(ValueError):
    """A ladder that cannot be read; the message says what to write instead."""


class Rung(StrEnum):
    """Who a step tells."""

    OWNER = "owner"  # a DM to the deliverable's owner (unowned, or not in Slack: the service's lead)
    LEAD = "lead"  # a DM to the service's lead
    CHANNELS = "channels"  # the channels subscribed to `escalations`

    @property
    def words(self) -> str:
        return {"owner": "its owner", "lead": "the service's lead",
                "channels": "the channels subscribed to escalations"}[self.value]


RUNGS = (Rung.OWNER, Rung.LEAD, Rung.CHANNELS)
LAST_STEP = len(RUNGS)


def rung_of(step: int) -> Rung:
    """The rung of step `step` (1, 2 or 3)."""
    if not 1 <= step <= LAST_STEP:
        raise ValueError(f"no escalation step {step}: the ladder has {LAST_STEP}")
    return RUNGS[step - 1]


def step_words(step: int) -> str:
    """How the audit trail names a step: `step 2: lead`."""
    return f"step {step}: {rung_of(step).value}"


def parse_escalation_days(text: str | None) -> tuple[int, ...]:
    """DELIVERY_ESCALATION_DAYS: the days blocked at which each rung is taken, `2,4,6` by default; three
    whole numbers, increasing."""
    if text is None or not text.strip():
        return DEFAULT_DAYS
    try:
        days = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise EscalationPolicyError(f"'{text}' is not a list of days; write three like {EXAMPLE}") from None
    if len(days) != LAST_STEP:
        raise EscalationPolicyError(f"'{text}': give the days of all {LAST_STEP} steps (owner, lead, channels), "
                                    f"like {EXAMPLE}")
    if days[0] < 1 or days[-1] > MAX_DAYS or any(b <= a for a, b in zip(days, days[1:], strict=False)):
        raise EscalationPolicyError(f"'{text}': the days must increase, from 1 to {MAX_DAYS}, like {EXAMPLE}")
    return days


class Due(NamedTuple):
    """The next step of an episode, and when it is due."""

    step: int
    at: datetime


@dataclass(frozen=True)
class EscalationPolicy:
    """The days blocked at which each rung is taken."""

    days: tuple[int, ...] = DEFAULT_DAYS

    @property
    def first_gap(self) -> timedelta:
        """No deliverable blocked for less than this has a step due: the tick reads only older ones."""
        return timedelta(days=self.days[0])

    def next_step(self, blocked_since: datetime, taken: Mapping[int, datetime],
                  snoozed_until: datetime | None = None) -> Due | None:
        """The episode's next step and when it is due, given the steps `taken` (step: when); None when every
        rung was taken. A snooze moves it to the snooze's end at the earliest."""
        step = max(taken, default=0) + 1
        if step > LAST_STEP:
            return None
        at = blocked_since + timedelta(days=self.days[step - 1])
        if step > 1 and step - 1 in taken:
            at = max(at, taken[step - 1] + timedelta(days=self.days[step - 1] - self.days[step - 2]))
        if snoozed_until is not None:
            at = max(at, snoozed_until)
        return Due(step, at)

    def describe(self) -> str:
        """`2, 4 and 6 days`."""
        shown = [str(day) for day in self.days]
        return f"{', '.join(shown[:-1])} and {shown[-1]} days"


# ---- snoozes --------------------------------------------------------------------------------------------


class SnoozeChoice(StrEnum):
    DAY = "day"
    THREE_DAYS = "three_days"
    NEXT_MONDAY = "next_monday"
    DATE = "date"

    @property
    def label(self) -> str:
        return {"day": "1 day", "three_days": "3 days", "next_monday": "Until next Monday",
                "date": "Until a date"}[self.value]


# A snooze ends at this local time on its last day: the start of a working day, in the organisation's zone.
SNOOZE_ENDS_AT = time(9)
MAX_SNOOZE_DAYS = 60


def next_monday(today: date) -> date:
    """The Monday after `today` (a week on, when today is a Monday)."""
    return today + timedelta(days=7 - today.weekday())


def snooze_problem(choice: SnoozeChoice, today: date, picked: date | None) -> str | None:
    """Why a snooze cannot be chosen so (said in the form), or None."""
    if choice != SnoozeChoice.DATE:
        return None
    if picked is None:
        return "Pick the date it comes back on."
    if picked <= today:
        return "Pick a date after today."
    if picked > today + timedelta(days=MAX_SNOOZE_DAYS):
        return f"A snooze lasts at most {MAX_SNOOZE_DAYS} days: pick an earlier date."
    return None


def snooze_day(choice: SnoozeChoice, today: date, picked: date | None = None) -> date:
    """The local day a snooze chosen `today` ends on."""
    if choice == SnoozeChoice.DAY:
        return today + timedelta(days=1)
    if choice == SnoozeChoice.THREE_DAYS:
        return today + timedelta(days=3)
    if choice == SnoozeChoice.NEXT_MONDAY:
        return next_monday(today)
    problem = snooze_problem(choice, today, picked)
    if problem is not None or picked is None:
        raise ValueError(problem or "a snooze to a date needs the date")
    return picked


def snooze_until(choice: SnoozeChoice, now: datetime, tz: ZoneInfo, picked: date | None = None) -> datetime:
    """When a snooze chosen at `now` ends: 09:00 in the organisation's zone on its last day."""
    day = snooze_day(choice, now.astimezone(tz).date(), picked)
    return datetime.combine(day, SNOOZE_ENDS_AT, tzinfo=tz)
