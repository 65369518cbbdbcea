"""Capacity rules: how loaded a person is, and where their billable time sits.

Pure functions over plain numbers, so the definitions in `store.metrics`
(service_load, load_state, utilization, billable_share) can be checked without
a database and read in one place. Queries gather the numbers; these decide.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from fractions import Fraction

# Load from which a person counts as "scheduled" (near capacity); exact, so 3 of 4 is exactly 75%.
SCHEDULED_FROM = Fraction(3, 4)
# The billable share the organisation aims for, inclusive at both ends.
BILLABLE_TARGET_LOW = 0.70
BILLABLE_TARGET_HIGH = 0.80
# Shares are ratios of floats; this many decimals decide which side of a band edge they sit on.
_BAND_PRECISION = 9


class LoadState(StrEnum):
    OVERLOADED = "overloaded"
    AT_CAPACITY = "at_capacity"
    SCHEDULED = "scheduled"
    AVAILABLE = "available"

    @property
    def label(self) -> str:
        return {
            "overloaded": "Overloaded",
            "at_capacity": "At capacity",
            "scheduled": "Scheduled",
            "available": "Available",
        }[self.value]

    @property
    def rank(self) -> int:
        """Position in the capacity answer: the people who need action come first."""
        return _RANKS[self]


_RANKS = {state: rank for rank, state in enumerate(LoadState)}


class HoursSource(StrEnum):
    """Where a week's hours were read from: time entries, or appointments when none were logged."""

    TIMESHEETS = "timesheets"
    APPOINTMENTS = "appointments"


class BillableBand(StrEnum):
    BELOW = "below"
    WITHIN = "within"
    ABOVE = "above"


def load_state(active: int, max_services: int) -> LoadState:
    """The capacity state of someone with `active` services and room for `max_services`.

    Compared as exact fractions so that a load on the 75% edge never falls just short
    through floating point. A maximum of zero (or a nonsensical negative one) means no
    room: any service at all is an overload.
    """
    if max_services <= 0:
        return LoadState.OVERLOADED if active > 0 else LoadState.AVAILABLE
    if active > max_services:
        return LoadState.OVERLOADED
    if active == max_services:
        return LoadState.AT_CAPACITY
    # active / max >= numerator / denominator, in integers (exact, and cheap for thousands of people).
    if active * SCHEDULED_FROM.denominator >= SCHEDULED_FROM.numerator * max_services:
        return LoadState.SCHEDULED
    return LoadState.AVAILABLE


def service_load(active: int, max_services: int) -> float | None:
    """Active services over maximum concurrent services; None when there is no maximum to divide by."""
    return active / max_services if max_services > 0 else None


def spare_services(active: int, max_services: int) -> int:
    """How many more services someone can take on before reaching capacity."""
    return max(0, max_services - active)


WORKING_DAYS = 5


def working_days_between(first: date, last: date) -> int:
    """Monday-to-Friday days from `first` to `last`, both included (0 when `last` is before `first`)."""
    if last < first:
        return 0
    whole_weeks, extra = divmod((last - first).days + 1, 7)
    return whole_weeks * 5 + sum((first.weekday() + n) % 7 < 5 for n in range(extra))


def allocated_hours_in(hours_per_week: float, starts_on: date, ends_on: date | None, first_day: date,
                       last_day: date) -> float:
    """An allocation's hours in the days `first_day` to `last_day` of a week: its hours a week times
    the share of the week's five working days that it covers (an open end covers them all)."""
    first, last = max(starts_on, first_day), min(ends_on or last_day, last_day)
    return hours_per_week * working_days_between(first, last) / WORKING_DAYS


def available_hours(capacity_hours: float, away_hours: float) -> float:
    """Hours a person can work in a week: weekly capacity hours less its time off, never below zero."""
    return max(capacity_hours - away_hours, 0.0)


def share_of(hours: float, available: float) -> float | None:
    """Hours over available hours (utilization, billable share, scheduled share); None without any."""
    return hours / available if available > 0 else None


def billable_band(share: float) -> BillableBand:
    """Where a billable share sits against the 70-80% target band (both ends count as within)."""
    share = round(share, _BAND_PRECISION)
    if share < BILLABLE_TARGET_LOW:
        return BillableBand.BELOW
    if share > BILLABLE_TARGET_HIGH:
        return BillableBand.ABOVE
    return BillableBand.WITHIN


def capacity_sort_key(state: LoadState, active: int, max_services: int, name: str) -> tuple:
    """Overloaded first, then at capacity, scheduled, available; within a state, most loaded first, then by name.

    Someone with services and no maximum has an unbounded load, so sorts first among
    the overloaded; someone with neither sorts as a load of zero.
    """
    load = service_load(active, max_services)
    if load is None:
        load = float("inf") if active > 0 else 0.0
    return (state.rank, -load, name.casefold(), name)
