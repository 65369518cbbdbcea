"""The demo's timesheets, time off and allocations: thirteen weeks of time entries before this week,
this week's working days before today, a few days off (one of them next week), and each person's
planned hours a week on their active services."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from store.demo import spec
from store.enums import ServiceStatus
from store.models import Allocation, Service, TimeEntry, TimeOff

DAY = timedelta(days=1)
WORKDAYS = 5
CENT = Decimal("0.01")


def split(total: Decimal, parts: int) -> list[Decimal]:
    """`total` in `parts` shares to the hundredth that add up to it exactly (the first ones larger)."""
    cents = int((total / CENT).to_integral_value())
    share, extra = divmod(cents, parts)
    return [(share + (1 if n < extra else 0)) * CENT for n in range(parts)]


def days_worked(first_day_this_week: date, today: date) -> list[date]:
    """The working days of the thirteen weeks of timesheets before this week, and this week's before today."""
    start = first_day_this_week - spec.TIMESHEET_WEEKS * 7 * DAY
    days = (start + n * DAY for n in range((today - start).days))
    return [day for day in days if day.weekday() < WORKDAYS]


def _services_of(person_key: str, services: dict[str, Service]) -> list[Service]:
    return [services[s.key] for s in spec.SERVICES
            if s.status == ServiceStatus.ACTIVE and (s.owner == person_key or person_key in s.members)]


def time_entries(out, team_id: str, first_day_this_week: date, today: date, key) -> None:
    """`out.add` every time entry; `key(*parts)` makes the demo's keys."""
    days = days_worked(first_day_this_week, today)
    for person_key, sheet in spec.TIMESHEETS.items():
        person = out.people[person_key]
        services = _services_of(person_key, out.services)
        assert services or sheet.billable == "0", f"{person_key} bills time but has no active service"
        billable_a_day = Decimal(sheet.billable) / WORKDAYS
        internal_a_day = (Decimal(sheet.logged) - Decimal(sheet.billable)) / WORKDAYS
        for day in days:
            if _off(person_key, day, first_day_this_week):
                continue
            shares = split(billable_a_day, len(services)) if services and billable_a_day else []
            for service, hours in zip(services, shares, strict=False):
                out.add(TimeEntry(team_id=team_id, key=key("time", person_key, service.key, day.isoformat()),
                                  person=person, service=service, worked_on=day, hours=hours, billable=True,
                                  source="demo", note=f"{service.name} delivery"))
            if internal_a_day > 0:
                out.add(TimeEntry(team_id=team_id, key=key("time", person_key, "internal", day.isoformat()),
                                  person=person, worked_on=day, hours=internal_a_day.quantize(CENT), billable=False,
                                  source="demo", note="Internal: planning and coordination"))


def _off_days(off: spec.TimeOffSpec, first_day_this_week: date) -> tuple[date, date]:
    starts = first_day_this_week - off.weeks_ago * 7 * DAY + off.weekday * DAY
    return starts, starts + (off.days - 1) * DAY


def _off(person_key: str, day: date, first_day_this_week: date) -> bool:
    return any(off.person == person_key and _off_days(off, first_day_this_week)[0] <= day
               <= _off_days(off, first_day_this_week)[1] for off in spec.TIME_OFF)


def time_off(out, team_id: str, first_day_this_week: date, key) -> None:
    for n, off in enumerate(spec.TIME_OFF):
        starts, ends = _off_days(off, first_day_this_week)
        out.add(TimeOff(team_id=team_id, key=key("off", off.person, n), person=out.people[off.person],
                        starts_on=starts, ends_on=ends, hours_per_day=Decimal(off.hours_per_day), note=off.note))


def allocations(out, team_id: str, first_day_this_week: date, key) -> None:
    """Each person's planned hours a week (`spec.ALLOCATED`), split evenly over their active services."""
    starts_on = first_day_this_week - spec.TIMESHEET_WEEKS * 7 * DAY
    for person_key, weekly in spec.ALLOCATED.items():
        services = _services_of(person_key, out.services)
        for service, hours in zip(services, split(Decimal(weekly), len(services)), strict=True):
            out.add(Allocation(team_id=team_id, key=key("allocation", person_key, service.key),
                               person=out.people[person_key], service=service, hours_per_week=hours,
                               starts_on=starts_on, note="Planned delivery hours"))
