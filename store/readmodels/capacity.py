"""Read models of `/delivery capacity`: each person's load and week, and the team's appointments.

Every figure is computed by `store.queries.capacity` with the rules of
`store.rules.capacity`; renderers only format them (definitions: `store.metrics`).
"""

from __future__ import annotations

from datetime import date, datetime

from store.readmodels import PersonRef, ReadModel
from store.rules.capacity import BillableBand, LoadState


class PersonCapacity(ReadModel):
    """One person's capacity now and utilization this week."""

    person: PersonRef
    # service_load: active services owned or staffed, over max concurrent services.
    active_services: int
    max_services: int
    load: float | None  # None when max_services is 0
    state: LoadState
    spare_services: int
    # utilization / billable_share: this week's appointment hours over weekly capacity hours.
    capacity_hours: float
    appointment_hours: float
    billable_hours: float
    utilization: float | None  # None when capacity_hours is 0
    billable_share: float | None
    billable_band: BillableBand | None
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


class CapacityReport(ReadModel):
    as_of: datetime
    # The organisation's week (Monday to Sunday) that utilization and appointments cover.
    week_first_day: date
    week_last_day: date
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
