"""Time as a dependency: production reads the system clock, tests pin it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Protocol
from zoneinfo import ZoneInfo


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)


@dataclass(frozen=True)
class FixedClock:
    at: datetime

    def now(self) -> datetime:
        return self.at


@dataclass(frozen=True)
class Week:
    """Monday 00:00 to the next Monday 00:00 in the organisation's time zone."""

    first_day: date
    start: datetime  # UTC
    end: datetime  # UTC, exclusive

    @property
    def last_day(self) -> date:
        return self.first_day + timedelta(days=6)

    def previous(self, tz: ZoneInfo) -> Week:
        return week_of(self.first_day - timedelta(days=7), tz)

    def following(self, tz: ZoneInfo) -> Week:
        return week_of(self.first_day + timedelta(days=7), tz)


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=tz).astimezone(timezone.utc)


def local_today(now: datetime, tz: ZoneInfo) -> date:
    return now.astimezone(tz).date()


def week_of(day: date, tz: ZoneInfo) -> Week:
    monday = day - timedelta(days=day.weekday())
    return Week(
        first_day=monday,
        start=local_midnight(monday, tz),
        end=local_midnight(monday + timedelta(days=7), tz),
    )


def current_week(now: datetime, tz: ZoneInfo) -> Week:
    return week_of(local_today(now, tz), tz)
