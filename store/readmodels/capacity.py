"""Read models of `/delivery capacity`: each person's load and week, and the team's appointments.

Every figure is computed by `store.queries.capacity` with the rules of
`store.rules.capacity`; renderers only format them (definitions: `store.metrics`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from store.readmodels import PersonRef, ReadModel
from store.rules.capacity import BillableBand, HoursSource, LoadState, billable_band, share_of


# Utilization and PlannedWeek are frozen dataclasses, not pydantic models: the capacity answer makes
# one of each for every person (6,700 at 10,000 services), and constructing that many pydantic models
# cost it 80 ms. Pydantic read models hold them as fields like any other type.
@dataclass(frozen=True, slots=True)
class Utilization:
    """A person's or a team's hours in one whole week against the hours they had (utilization,
    billable_share; team figures are sums over sums: definitions in `store.metrics`)."""

    capacity_hours: float  # weekly capacity hours
    available_hours: float  # capacity hours less time off, each person's never below zero
    hours: float  # logged on timesheets, or appointment hours where nothing was logged
    billable_hours: float
    people: int = 1
    # People whose hours are their appointments, because they logged no time that week.
    from_appointments: int = 0

    @property
    def away_hours(self) -> float:
        return self.capacity_hours - self.available_hours

    @property
    def utilization(self) -> float | None:
        return share_of(self.hours, self.available_hours)

    @property
    def billable_share(self) -> float | None:
        return share_of(self.billable_hours, self.available_hours)

    @property
    def band(self) -> BillableBand | None:
        share = self.billable_share
        return None if share is None else billable_band(share)

    @property
    def source(self) -> HoursSource | None:
        """Timesheets when everyone counted logged time, appointments when nobody did, None when mixed."""
        if self.from_appointments == 0:
            return HoursSource.TIMESHEETS
        return HoursSource.APPOINTMENTS if self.from_appointments == self.people else None

    @classmethod
    def total(cls, parts: Iterable[Utilization]) -> Utilization:
        """The sums of several people's weeks (a team's figures, not an average of percentages)."""
        capacity = available = hours = billable = 0.0
        people = from_appointments = 0
        for p in parts:
            capacity += p.capacity_hours
            available += p.available_hours
            hours += p.hours
            billable += p.billable_hours
            people += p.people
            from_appointments += p.from_appointments
        return cls(capacity_hours=capacity, available_hours=available, hours=hours, billable_hours=billable,
                   people=people, from_appointments=from_appointments)


@dataclass(frozen=True, slots=True)
class PlannedWeek:
    """A person's coming week: available hours against what is scheduled (scheduled_hours)."""

    available_hours: float  # capacity hours less time off in that week
    allocated_hours: float  # allocations' hours a week, for the working days they cover
    appointment_hours: float  # appointments starting that week

    @property
    def scheduled_hours(self) -> float:
        return self.allocated_hours + self.appointment_hours

    @property
    def free_hours(self) -> float:
        return max(self.available_hours - self.scheduled_hours, 0.0)

    @property
    def scheduled_share(self) -> float | None:
        return share_of(self.scheduled_hours, self.available_hours)


class MyWeek(ReadModel):
    """One person's last whole week and next week, as `/delivery mine` and the App Home show them."""

    capacity_hours: float
    last_week_first_day: date
    last_week: Utilization
    next_week_first_day: date
    next_week: PlannedWeek


class PersonCapacity(ReadModel):
    """One person's capacity now and utilization this week."""

    person: PersonRef
    # service_load: active services owned or staffed, over max concurrent services.
    active_services: int
    max_services: int
    load: float | None  # None when max_services is 0
    state: LoadState
    spare_services: int
    capacity_hours: float
    # The last whole week and next week; None where the answer does not show them (at-risk's overloaded).
    last_week: Utilization | None = None
    next_week: PlannedWeek | None = None
    open_tickets: int
    blocked_deliverables: int


class AppointmentsThisWeek(ReadModel):
    """appointments_this_week: every appointment of the workspace starting this week."""

    customer_sessions: int = 0
    internal: int = 0
    total_hours: float = 0.0

    @property
    def total(self) -> int:
        return self.customer_sessions + self.internal


class PersonRoom(ReadModel):
    """Someone with free hours next week, and how many."""

    person: PersonRef
    state: LoadState
    next_week: PlannedWeek


class CapacityReport(ReadModel):
    as_of: datetime
    # The organisation's week (Monday to Sunday) that appointments cover.
    week_first_day: date
    week_last_day: date
    # The last whole week, that utilization covers, and the delivery team's figures in it.
    last_week_first_day: date
    team_last_week: Utilization
    # Next week, that scheduled hours cover, and who has the most free hours in it (the first few).
    next_week_first_day: date
    room_next_week: list[PersonRoom]
    room_next_week_total: int
    # Overloaded first, then at capacity, scheduled, available; most loaded first within a state.
    # The first few people only (as many as a message can show); every one is counted.
    people: list[PersonCapacity]
    state_counts: dict[LoadState, int]
    # Who can take on a service: available and with room left, most spare services first (the
    # first few). A person whose maximum is zero is "available" when they carry nothing, but has
    # no room to offer, so is left out.
    with_capacity: list[PersonCapacity]
    with_capacity_total: int
    appointments: AppointmentsThisWeek

    def count(self, state: LoadState) -> int:
        return self.state_counts.get(state, 0)

    @property
    def people_total(self) -> int:
        return sum(self.state_counts.values())
