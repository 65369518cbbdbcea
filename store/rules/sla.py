"""How far a ticket is through its SLA, and when it crosses each warning threshold.

The SLA runs from when the ticket was opened to when it is due. Without working hours the share
elapsed is wall-clock time; with them (for example `Mon-Fri 09:00-17:00` in the organisation's
time zone) only time inside working hours counts, so a ticket opened on Friday evening reaches 50%
on Monday, not on Saturday. The breach (100%) is always the due time itself, working hours or not.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import NamedTuple
from zoneinfo import ZoneInfo

BREACH = 100
DEFAULT_LEVELS = (50, 75)
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
HOURS_PATTERN = re.compile(r"^\s*([a-z,\-]+)\s+([01]?\d|2[0-3]):([0-5]\d)\s*-\s*([01]?\d|2[0-4]):([0-5]\d)\s*$")
EXAMPLE = "Mon-Fri 09:00-17:00"


class SlaPolicyError(ValueError):
    """A warning policy that cannot be read; the message says what to write instead."""


@dataclass(frozen=True)
class WorkingHours:
    """The hours that count towards an SLA: these weekdays (Monday 0), from `start` to `end`, in `tz`."""

    days: frozenset[int]
    start: time
    end: time
    tz: ZoneInfo

    def describe(self) -> str:
        days = ",".join(DAY_NAMES[d].title() for d in sorted(self.days))
        return f"{days} {self.start:%H:%M}-{self.end:%H:%M} ({self.tz.key})"

    def windows(self, first: date, last: date) -> Iterator[tuple[datetime, datetime]]:
        """The working windows of the local days `first` to `last`, as aware instants."""
        day = first
        while day <= last:
            if day.weekday() in self.days:
                opens = datetime.combine(day, self.start, tzinfo=self.tz)
                closes = (datetime.combine(day + timedelta(days=1), time(0), tzinfo=self.tz) if self.end == time(0)
                          else datetime.combine(day, self.end, tzinfo=self.tz))
                yield opens, closes
            day += timedelta(days=1)

    def seconds_between(self, start: datetime, end: datetime) -> float:
        """Working seconds from `start` to `end` (0 when `end` is not after `start`)."""
        if end <= start:
            return 0.0
        total = 0.0
        for opens, closes in self.windows(start.astimezone(self.tz).date(), end.astimezone(self.tz).date()):
            overlap = (min(closes, end) - max(opens, start)).total_seconds()
            total += max(0.0, overlap)
        return total

    def after(self, start: datetime, seconds: float) -> datetime:
        """The instant at which `seconds` of working time have passed since `start`."""
        left = seconds
        first = start.astimezone(self.tz).date()
        while True:
            for opens, closes in self.windows(first, first + timedelta(days=13)):
                begin = max(opens, start)
                if closes <= begin:
                    continue
                room = (closes - begin).total_seconds()
                if left <= room:
                    return begin + timedelta(seconds=left)
                left -= room
            first += timedelta(days=14)


def parse_working_hours(text: str | None, tz: ZoneInfo) -> WorkingHours | None:
    """`Mon-Fri 09:00-17:00` (or `mon,wed,fri 08:00-16:00`); empty or `always` means around the clock."""
    if text is None or text.strip().lower() in ("", "always", "24/7"):
        return None
    match = HOURS_PATTERN.match(text.lower())
    if not match:
        raise SlaPolicyError(f"'{text}' is not a set of working hours; write days and hours like {EXAMPLE}, "
                             "or leave it empty to count every hour")
    days = _days(match.group(1), text)
    start = time(int(match.group(2)), int(match.group(3)))
    end = time(0) if match.group(4) == "24" else time(int(match.group(4)), int(match.group(5)))
    if end != time(0) and end <= start:
        raise SlaPolicyError(f"'{text}': the working day must end after it starts, as in {EXAMPLE}")
    return WorkingHours(frozenset(days), start, end, tz)


def _days(words: str, text: str) -> set[int]:
    days: set[int] = set()
    for part in words.split(","):
        first, _, last = part.partition("-")
        if first[:3] not in DAY_NAMES or (last and last[:3] not in DAY_NAMES):
            raise SlaPolicyError(f"'{text}': '{part}' is not a day or a range of days like Mon-Fri")
        a, b = DAY_NAMES.index(first[:3]), DAY_NAMES.index((last or first)[:3])
        days.update(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
    return days


def parse_levels(text: str | None) -> tuple[int, ...]:
    """The warning thresholds before the breach, in percent of the SLA: `50,75` by default."""
    if text is None or not text.strip():
        return DEFAULT_LEVELS
    try:
        levels = tuple(sorted({int(part) for part in text.split(",") if part.strip()}))
    except ValueError:
        raise SlaPolicyError(f"'{text}' is not a list of percentages; write them like 50,75") from None
    if not levels or levels[0] < 1 or levels[-1] >= BREACH:
        raise SlaPolicyError(f"'{text}': each warning must be between 1 and 99 percent of the SLA, like 50,75")
    return levels


QUIET_PATTERN = re.compile(r"^\s*([01]?\d|2[0-3]):([0-5]\d)\s*-\s*([01]?\d|2[0-3]):([0-5]\d)\s*$")
DEFAULT_QUIET_HOURS = "20:00-08:00"
MUTE_FOR = timedelta(days=7)


class HoldReason(StrEnum):
    """Why a warning was not posted to someone (it is listed in their digest and in at-risk instead)."""

    QUIET_HOURS = "quiet_hours"
    MUTED = "muted"
    ROLLED_UP = "rolled_up"  # past the channel's warning posts an hour: in that hour's summary message

    @property
    def words(self) -> str:
        return {"quiet_hours": "held for quiet hours", "muted": "muted",
                "rolled_up": "in the hour's summary"}[self.value]


@dataclass(frozen=True)
class QuietHours:
    """Local hours in which warnings are not sent by DM; `start` after `end` spans midnight."""

    start: time
    end: time

    def contains(self, moment: datetime, tz: ZoneInfo) -> bool:
        local = moment.astimezone(tz).time()
        if self.start <= self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end


def parse_quiet_hours(text: str | None) -> QuietHours | None:
    """`20:00-08:00` (spanning midnight) or `12:00-13:00`; empty means warnings are sent at any hour."""
    if text is None or not text.strip():
        return None
    match = QUIET_PATTERN.match(text)
    if not match:
        raise SlaPolicyError(f"'{text}' is not a range of hours; write it like {DEFAULT_QUIET_HOURS}, or leave it "
                             "empty to send warnings at any hour")
    start = time(int(match.group(1)), int(match.group(2)))
    end = time(int(match.group(3)), int(match.group(4)))
    if start == end:
        raise SlaPolicyError(f"'{text}': quiet hours must start and end at different times")
    return QuietHours(start, end)


class Mark(NamedTuple):
    """A threshold (percent of the SLA; 100 is the breach) and when a ticket crosses it."""

    level: int
    at: datetime


@dataclass(frozen=True)
class SlaPolicy:
    """When tickets are warned about: the thresholds before the breach, and the hours that count."""

    levels: tuple[int, ...] = DEFAULT_LEVELS
    hours: WorkingHours | None = None
    # A breach longer ago than this when it is first looked at (the bot was down, the ticket was imported
    # late, warnings were just switched on) is missed, not posted: old news is noise, and the overdue
    # digests carry it. A warning before the breach is sent however late: the ticket can still be saved.
    catch_up: timedelta = timedelta(hours=2)
    # DMs in each reader's quiet hours (their own time zone) are held for their morning digest.
    quiet: QuietHours | None = QuietHours(time(20), time(8))
    # Warning posts a channel gets in a clock hour; the rest roll into one summary message for the hour.
    channel_posts_per_hour: int = 6

    @property
    def all_levels(self) -> tuple[int, ...]:
        return (*self.levels, BREACH)

    def marks(self, opened: datetime, due: datetime) -> list[Mark]:
        """Each threshold's instant for a ticket opened at `opened` and due at `due`, in order."""
        if due <= opened:
            return [Mark(level, due) for level in self.all_levels]
        if self.hours is None:
            span = due - opened
            return [*(Mark(level, opened + span * level / BREACH) for level in self.levels), Mark(BREACH, due)]
        total = self.hours.seconds_between(opened, due)
        if total <= 0:
            return [Mark(level, due) for level in self.all_levels]
        return [*(Mark(level, min(due, self.hours.after(opened, total * level / BREACH))) for level in self.levels),
                Mark(BREACH, due)]

    def share(self, opened: datetime, due: datetime, now: datetime) -> float:
        """How much of the SLA has gone at `now` (1.0 at the due time; more past it), in the hours that count."""
        if now >= due:
            return 1.0 + max(0.0, (now - due) / (due - opened)) if due > opened else 1.0
        if self.hours is None:
            return max(0.0, (now - opened) / (due - opened))
        total = self.hours.seconds_between(opened, due)
        return self.hours.seconds_between(opened, now) / total if total > 0 else 0.0

    def crossed(self, opened: datetime, due: datetime, now: datetime) -> int | None:
        """The highest threshold the ticket has crossed at `now`; None before the first."""
        passed = [mark.level for mark in self.marks(opened, due) if mark.at <= now]
        return passed[-1] if passed else None

    def next_mark(self, opened: datetime, due: datetime, after_level: int | None) -> Mark | None:
        """The first threshold above `after_level` (any, when None); None past the breach."""
        return next((mark for mark in self.marks(opened, due) if after_level is None or mark.level > after_level),
                    None)

    def old_breach(self, mark: Mark, noticed: datetime) -> bool:
        """A breach crossed longer than the catch-up before it was `noticed`: missed, not posted."""
        return mark.level == BREACH and mark.at < noticed - self.catch_up

    def fingerprint(self) -> str:
        """What the stored thresholds' instants depend on: when it changes, they are computed again."""
        hours = self.hours.describe() if self.hours is not None else "always"
        return f"{','.join(map(str, self.levels))}|{hours}"


class SnoozeChoice(StrEnum):
    HOUR = "hour"
    TOMORROW = "tomorrow"

    @property
    def label(self) -> str:
        return {"hour": "For an hour", "tomorrow": f"Until tomorrow {SNOOZE_MORNING:%H:%M}"}[self.value]


SNOOZE_MORNING = time(9)


def snooze_until(choice: SnoozeChoice, now: datetime, tz: ZoneInfo) -> datetime:
    """When a snooze chosen at `now` ends: an hour later, or at 09:00 tomorrow in the organisation's zone."""
    if choice == SnoozeChoice.HOUR:
        return now + timedelta(hours=1)
    tomorrow = now.astimezone(tz).date() + timedelta(days=1)
    return datetime.combine(tomorrow, SNOOZE_MORNING, tzinfo=tz)


def duration_words(seconds: float) -> str:
    """`2 days 3 h`, `3 h 20 min`, `45 min`, or `under a minute`."""
    minutes = int(abs(seconds) // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} day{'s' if days != 1 else ''}" + (f" {hours} h" if hours else "")
    if hours:
        return f"{hours} h" + (f" {minutes} min" if minutes else "")
    return f"{minutes} min" if minutes else "under a minute"
