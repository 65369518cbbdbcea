"""When a digest is due: "HH:MM on these days in this time zone", read by APScheduler's CronTrigger.

The cron trigger does the calendar arithmetic (daylight-saving changes included); this module
only answers "which run is the latest one due at or before this instant?".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_SETS = {"weekdays": DAY_NAMES[:5], "daily": DAY_NAMES, "weekends": DAY_NAMES[5:]}
TIME_PATTERN = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
LOOKBACK = timedelta(days=8)


class ScheduleError(ValueError):
    """A schedule that cannot be read; the message says what to type instead."""


@dataclass(frozen=True)
class Schedule:
    at: time
    days: tuple[str, ...]
    tz: ZoneInfo

    @property
    def trigger(self) -> CronTrigger:
        return CronTrigger(day_of_week=",".join(self.days), hour=self.at.hour, minute=self.at.minute,
                           timezone=self.tz)

    def describe(self) -> str:
        days = next((name for name, members in DAY_SETS.items() if members == self.days), ", ".join(self.days))
        return f"{days} at {self.at.strftime('%H:%M')} ({self.tz.key})"


def parse_time(text: str) -> time:
    match = TIME_PATTERN.match(text.strip())
    if not match:
        raise ScheduleError(f"'{text}' is not a time of day; use 24-hour HH:MM, for example 08:30")
    return time(int(match.group(1)), int(match.group(2)))


def parse_days(text: str) -> tuple[str, ...]:
    wanted = text.strip().lower()
    if wanted in DAY_SETS:
        return DAY_SETS[wanted]
    days = [d.strip()[:3] for d in wanted.split(",") if d.strip()]
    if not days or any(d not in DAY_NAMES for d in days):
        raise ScheduleError(f"'{text}' is not a set of days; use weekdays, daily, or a list like mon,wed,fri")
    return tuple(d for d in DAY_NAMES if d in days)


def parse_zone(text: str) -> ZoneInfo:
    try:
        return ZoneInfo(text.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(f"'{text}' is not a time zone; use an IANA name like Europe/London") from None


def schedule(at: str, days: str, tz: str) -> Schedule:
    return Schedule(at=parse_time(at), days=parse_days(days), tz=parse_zone(tz))


def last_run(plan: Schedule, at: datetime) -> datetime | None:
    """The latest scheduled run at or before `at` (within the last eight days), in UTC."""
    trigger = plan.trigger
    latest = None
    fire = trigger.get_next_fire_time(None, at - LOOKBACK)
    while fire is not None and fire <= at:
        latest = fire
        fire = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
    return None if latest is None else latest.astimezone(ZoneInfo("UTC"))


def period_of(run: datetime, plan: Schedule) -> str:
    """The ledger's period for a run: its local date, so each day's run is one delivery."""
    return run.astimezone(plan.tz).date().isoformat()
