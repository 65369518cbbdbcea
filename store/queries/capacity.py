"""The capacity answer behind `/delivery capacity`.

Five grouped statements whatever the number of people or services: people, active
services per person, appointment minutes per person and kind, open tickets per owner,
blocked deliverables per owner. Figures are assembled in Python with the rules of
`store.rules.capacity`; definitions live in `store.metrics`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, union
from sqlalchemy.orm import Session

from store.context import QueryContext
from store.enums import AppointmentKind, DeliverableStatus, ServiceStatus
from store.models import Appointment, Deliverable, Person, Service, Ticket, service_members
from store.readmodels import PersonRef
from store.readmodels_capacity import AppointmentsThisWeek, CapacityReport, PersonCapacity
from store.rules.capacity import (
    LoadState,
    billable_band,
    capacity_sort_key,
    load_state,
    service_load,
    share_of_capacity,
    spare_services,
)


@dataclass
class _Minutes:
    """One person's appointment minutes this week: all of them, and the billable ones."""

    total: int = 0
    billable: int = 0


@dataclass(frozen=True)
class _PersonRow:
    id: int
    name: str
    slack_user_id: str | None
    capacity_hours: float
    max_services: int


def _people(session: Session, team_id: str) -> list[_PersonRow]:
    """The workspace's people, by name then id so that namesakes keep a stable order."""
    rows = session.execute(
        select(
            Person.id, Person.name, Person.slack_user_id, Person.weekly_capacity_hours, Person.max_concurrent_services
        )
        .where(Person.team_id == team_id)
        .order_by(Person.name, Person.id)
    )
    # Numeric comes back as Decimal; capacity hours are a float everywhere past this point.
    return [_PersonRow(pid, name, slack, float(hours or 0), int(most or 0)) for pid, name, slack, hours, most in rows]


def _active_services_per_person(session: Session, team_id: str) -> dict[int, int]:
    """Distinct active services each person owns or is a team member of.

    UNION (not UNION ALL) removes the pair an owner who is also listed as a member
    would otherwise contribute twice, so a plain count per person is distinct.
    """
    active = (Service.team_id == team_id, Service.status == ServiceStatus.ACTIVE)
    owned = select(Service.owner_id.label("person_id"), Service.id.label("service_id")).where(
        *active, Service.owner_id.is_not(None)
    )
    staffed = (
        select(service_members.c.person_id.label("person_id"), Service.id.label("service_id"))
        .join(Service, Service.id == service_members.c.service_id)
        .where(*active)
    )
    pairs = union(owned, staffed).subquery()
    rows = session.execute(select(pairs.c.person_id, func.count()).group_by(pairs.c.person_id))
    return {person_id: int(count) for person_id, count in rows}


def _appointments(session: Session, team_id: str, start: datetime, end: datetime):
    """Appointment count and minutes per (person, kind) for appointments starting in [start, end)."""
    return session.execute(
        select(Appointment.person_id, Appointment.kind, func.count(), func.sum(Appointment.duration_minutes))
        .where(Appointment.team_id == team_id, Appointment.starts_at >= start, Appointment.starts_at < end)
        .group_by(Appointment.person_id, Appointment.kind)
    ).all()


def _open_tickets_per_owner(session: Session, team_id: str) -> dict[int, int]:
    rows = session.execute(
        select(Ticket.owner_id, func.count())
        .where(Ticket.team_id == team_id, Ticket.resolved_at.is_(None), Ticket.owner_id.is_not(None))
        .group_by(Ticket.owner_id)
    )
    return {owner_id: int(count) for owner_id, count in rows}


def _blocked_deliverables_per_owner(session: Session, team_id: str) -> dict[int, int]:
    rows = session.execute(
        select(Deliverable.owner_id, func.count())
        .join(Service, Service.id == Deliverable.service_id)
        .where(
            Deliverable.team_id == team_id,
            Service.team_id == team_id,
            Service.status == ServiceStatus.ACTIVE,
            Deliverable.status == DeliverableStatus.BLOCKED,
            Deliverable.owner_id.is_not(None),
        )
        .group_by(Deliverable.owner_id)
    )
    return {owner_id: int(count) for owner_id, count in rows}


def _split_appointments(rows) -> tuple[dict[int, _Minutes], AppointmentsThisWeek]:
    """Per-person minutes, and the workspace's totals (which count every appointment, whoever holds it)."""
    per_person: dict[int, _Minutes] = defaultdict(_Minutes)
    counts = {kind: 0 for kind in AppointmentKind}
    total_minutes = 0
    for person_id, kind, count, minutes in rows:
        kind, minutes = AppointmentKind(kind), int(minutes or 0)
        counts[kind] += int(count)
        total_minutes += minutes
        per_person[person_id].total += minutes
        if kind == AppointmentKind.CUSTOMER_SESSION:
            per_person[person_id].billable += minutes
    week = AppointmentsThisWeek(
        customer_sessions=counts[AppointmentKind.CUSTOMER_SESSION],
        internal=counts[AppointmentKind.INTERNAL],
        total_hours=total_minutes / 60,
    )
    return per_person, week


def _person_capacity(person: _PersonRow, active: int, minutes: _Minutes, tickets: int, blocked: int) -> PersonCapacity:
    hours, billable_hours = minutes.total / 60, minutes.billable / 60
    billable = share_of_capacity(billable_hours, person.capacity_hours)
    # Without re-validation (model_construct): every value is typed here, and a workspace has
    # thousands of people at 10,000 services.
    return PersonCapacity.model_construct(
        person=PersonRef.model_construct(name=person.name, slack_user_id=person.slack_user_id),
        active_services=active,
        max_services=person.max_services,
        load=service_load(active, person.max_services),
        state=load_state(active, person.max_services),
        spare_services=spare_services(active, person.max_services),
        capacity_hours=person.capacity_hours,
        appointment_hours=hours,
        billable_hours=billable_hours,
        utilization=share_of_capacity(hours, person.capacity_hours),
        billable_share=billable,
        billable_band=None if billable is None else billable_band(billable),
        open_tickets=tickets,
        blocked_deliverables=blocked,
    )


def capacity_report(session: Session, ctx: QueryContext, *,
                    states: Collection[LoadState] | None = None) -> CapacityReport:
    """Every person of the workspace (or those in `states` only, as the at-risk answers need the
    overloaded) with load, state and this week's utilization, in five statements."""
    team_id, week = ctx.team_id, ctx.week
    people = _people(session, team_id)
    active = _active_services_per_person(session, team_id)
    if states is not None:
        people = [p for p in people if load_state(active.get(p.id, 0), p.max_services) in states]
    minutes, appointments = _split_appointments(_appointments(session, team_id, week.start, week.end))
    tickets = _open_tickets_per_owner(session, team_id)
    blocked = _blocked_deliverables_per_owner(session, team_id)
    views = [
        _person_capacity(p, active.get(p.id, 0), minutes.get(p.id, _Minutes()), tickets.get(p.id, 0),
                         blocked.get(p.id, 0))
        for p in people
    ]
    views.sort(key=lambda v: capacity_sort_key(v.state, v.active_services, v.max_services, v.person.name))
    return CapacityReport(
        as_of=ctx.now, week_first_day=week.first_day, week_last_day=week.last_day, people=views,
        appointments=appointments,
    )
