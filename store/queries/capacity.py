"""The capacity answer behind `/delivery capacity`.

Six grouped statements whatever the number of people or services: people, active services
per person, this week's appointments, and for the people shown only, appointment minutes per
person and kind, open tickets per owner and blocked deliverables per owner. Figures are
assembled in Python with the rules of `store.rules.capacity`; definitions live in `store.metrics`.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select, union_all
from sqlalchemy.orm import Session

from store.context import QueryContext
from store.enums import AppointmentKind, DeliverableStatus, Role, ServiceStatus
from store.models import Appointment, Deliverable, Person, Service, Ticket, service_members
from store.queries.id_lists import id_in
from store.queries.timesheets import as_float
from store.queries.utilization import DELIVERY_ROLES, Capacity, people_week, planned_by_person
from store.readmodels import PersonRef
from store.readmodels.capacity import (
    AppointmentsThisWeek,
    CapacityReport,
    PersonCapacity,
    PersonRoom,
    PlannedWeek,
    Utilization,
)
from store.rules.capacity import (
    LoadState,
    capacity_sort_key,
    load_state,
    service_load,
    spare_services,
)


@dataclass(frozen=True)
class _PersonRow:
    id: int
    name: str
    slack_user_id: str | None
    capacity_hours: float
    max_services: int
    role: Role


def _people(session: Session, team_id: str) -> list[_PersonRow]:
    """The workspace's people, by name then id so that namesakes keep a stable order."""
    rows = session.execute(
        select(
            Person.id, Person.name, Person.slack_user_id, as_float(Person.weekly_capacity_hours),
            Person.max_concurrent_services, Person.role,
        )
        .where(Person.team_id == team_id)
        .order_by(Person.name, Person.id)
    )
    return [_person_row(*row) for row in rows]


def _person_row(pid: int, name: str, slack: str | None, hours, most, role: Role) -> _PersonRow:
    # Capacity hours are a float everywhere past this point (read as one: `as_float`).
    return _PersonRow(pid, name, slack, float(hours or 0), int(most or 0), role)


def _active_services_counted(team_id: str):
    """(person_id, active): distinct active services each person owns or is a team member of.

    An owner who is also listed as a member of the same service is counted once, as the owner:
    that is the only pair the two lists can share (members are unique per service), so they are
    added up (UNION ALL) instead of made distinct pair by pair, which cost a sort or hash of
    every pair (10,800 at 10,000 services).
    """
    active = (Service.team_id == team_id, Service.status == ServiceStatus.ACTIVE)
    owned = select(Service.owner_id.label("person_id")).where(*active, Service.owner_id.is_not(None))
    staffed = (
        select(service_members.c.person_id.label("person_id"))
        .join(Service, Service.id == service_members.c.service_id)
        .where(*active, or_(Service.owner_id.is_(None), Service.owner_id != service_members.c.person_id))
    )
    people = union_all(owned, staffed).subquery()
    return select(people.c.person_id, func.count().label("active")).group_by(people.c.person_id)


def _active_services_per_person(session: Session, team_id: str) -> dict[int, int]:
    return {person_id: int(count) for person_id, count in session.execute(_active_services_counted(team_id))}


def active_services_per_person(session: Session, ctx: QueryContext) -> dict[int, int]:
    """Each person's active services, owned or on the team of, as service_load counts them (one
    statement); a person with none is absent."""
    return _active_services_per_person(session, ctx.team_id)


def _appointments_this_week(session: Session, team_id: str, start: datetime, end: datetime) -> AppointmentsThisWeek:
    """The workspace's appointments starting in [start, end): every one, whoever holds it."""
    counts = {kind: 0 for kind in AppointmentKind}
    total_minutes = 0
    for kind, count, minutes in session.execute(
        select(Appointment.kind, func.count(), func.sum(Appointment.duration_minutes))
        .where(Appointment.team_id == team_id, Appointment.starts_at >= start, Appointment.starts_at < end)
        .group_by(Appointment.kind)
    ):
        counts[AppointmentKind(kind)] += int(count)
        total_minutes += int(minutes or 0)
    return AppointmentsThisWeek(
        customer_sessions=counts[AppointmentKind.CUSTOMER_SESSION],
        internal=counts[AppointmentKind.INTERNAL],
        total_hours=total_minutes / 60,
    )


def _open_tickets_per_owner(session: Session, team_id: str, owner_ids: Collection[int]) -> dict[int, int]:
    rows = session.execute(
        select(Ticket.owner_id, func.count())
        .where(Ticket.team_id == team_id, Ticket.resolved_at.is_(None), id_in(Ticket.owner_id, owner_ids, "owner_ids"))
        .group_by(Ticket.owner_id)
    )
    # The IN test never matches a NULL owner; the check only tells the type checker so.
    return {owner_id: int(count) for owner_id, count in rows if owner_id is not None}


def _blocked_deliverables_per_owner(session: Session, team_id: str, owner_ids: Collection[int]) -> dict[int, int]:
    rows = session.execute(
        select(Deliverable.owner_id, func.count())
        .join(Service, Service.id == Deliverable.service_id)
        .where(
            Deliverable.team_id == team_id,
            Service.team_id == team_id,
            Service.status == ServiceStatus.ACTIVE,
            Deliverable.status == DeliverableStatus.BLOCKED,
            id_in(Deliverable.owner_id, owner_ids, "owner_ids"),
        )
        .group_by(Deliverable.owner_id)
    )
    # The IN test never matches a NULL owner; the check only tells the type checker so.
    return {owner_id: int(count) for owner_id, count in rows if owner_id is not None}


def _person_capacity(person: _PersonRow, active: int, last_week: Utilization | None,
                     next_week: PlannedWeek | None, tickets: int, blocked: int) -> PersonCapacity:
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
        last_week=last_week,
        next_week=next_week,
        open_tickets=tickets,
        blocked_deliverables=blocked,
    )


# A Slack message holds at most 50 blocks: no answer lists more people than this, so read models
# are built for the first this many of a list, and the rest are counted.
MAX_SHOWN_PEOPLE = 50


@dataclass(frozen=True)
class _Load:
    """One person's load, enough to count and order everyone before any read model is built."""

    person: _PersonRow
    active: int
    state: LoadState

    @property
    def order(self) -> tuple:
        return capacity_sort_key(self.state, self.active, self.person.max_services, self.person.name)

    @property
    def has_room(self) -> bool:
        return self.state == LoadState.AVAILABLE and spare_services(self.active, self.person.max_services) > 0

    @property
    def room_order(self) -> tuple:
        spare = spare_services(self.active, self.person.max_services)
        return -spare, service_load(self.active, self.person.max_services) or 0.0, self.person.name.casefold()


@dataclass(frozen=True)
class _Weeks:
    """People's last whole week and next week."""

    last: dict[int, Utilization]
    next: dict[int, PlannedWeek]


def _views(session: Session, ctx: QueryContext, *lists: list[_Load], weeks: _Weeks | None = None
           ) -> list[list[PersonCapacity]]:
    """Read models of these loads, with their open tickets and blocked deliverables read for them only,
    and the weeks of `weeks` (none without): two statements, whatever the number of people."""
    ids = {load.person.id for loads in lists for load in loads}
    last_week, next_week = (weeks.last, weeks.next) if weeks else ({}, {})
    tickets = _open_tickets_per_owner(session, ctx.team_id, ids)
    blocked = _blocked_deliverables_per_owner(session, ctx.team_id, ids)

    def view(load: _Load) -> PersonCapacity:
        pid = load.person.id
        return _person_capacity(load.person, load.active, last_week.get(pid), next_week.get(pid),
                                tickets.get(pid, 0), blocked.get(pid, 0))

    return [[view(load) for load in loads] for loads in lists]


def _loads(session: Session, ctx: QueryContext) -> list[_Load]:
    active = _active_services_per_person(session, ctx.team_id)
    loads = []
    for person in _people(session, ctx.team_id):
        count = active.get(person.id, 0)
        loads.append(_Load(person, count, load_state(count, person.max_services)))
    return loads


def _counted(loads: list[_Load]) -> dict[LoadState, int]:
    state_counts = {state: 0 for state in LoadState}
    for load in loads:
        state_counts[load.state] += 1
    return state_counts


def load_counts(session: Session, ctx: QueryContext) -> dict[LoadState, int]:
    """Everyone counted by load state, as `/delivery capacity` counts them: two statements."""
    return _counted(_loads(session, ctx))


def capacity_report(session: Session, ctx: QueryContext, *, limit: int = MAX_SHOWN_PEOPLE) -> CapacityReport:
    """The workspace's people counted by load state, the first `limit` of them with load, last week's
    utilization and next week's scheduled hours, the first `limit` who can take on a service and who
    have the most free hours next week, and the delivery team's last week: a fixed number of
    statements, whatever the number of people.

    Everyone's load is computed (it orders and counts them); the figures that need more
    statements (hours, tickets, blocked deliverables) are read for the people shown only.
    """
    loads = _loads(session, ctx)
    state_counts = _counted(loads)
    shown = sorted(loads, key=lambda load: load.order)[:limit]
    with_room = [load for load in loads if load.has_room]
    room_shown = sorted(with_room, key=lambda load: load.room_order)[:limit]
    week = ctx.week
    last_week, next_week = week.previous(ctx.tz), week.following(ctx.tz)
    # Everyone's weeks, measured against the capacities just read.
    capacities = [Capacity(load.person.id, load.person.capacity_hours, load.person.role) for load in loads]
    everyone_last_week = people_week(session, ctx, last_week, capacities=capacities)
    everyone_next_week = planned_by_person(session, ctx, next_week, capacities=capacities)
    people, with_capacity = _views(session, ctx, shown, room_shown,
                                   weeks=_Weeks(everyone_last_week.by_person, everyone_next_week))
    room, room_total = _room_next_week(everyone_next_week, loads, limit)
    return CapacityReport(
        as_of=ctx.now, week_first_day=week.first_day, week_last_day=week.last_day,
        last_week_first_day=last_week.first_day,
        team_last_week=everyone_last_week.team().team,
        next_week_first_day=next_week.first_day, room_next_week=room, room_next_week_total=room_total,
        people=people, state_counts=state_counts,
        with_capacity=with_capacity, with_capacity_total=len(with_room),
        appointments=_appointments_this_week(session, ctx.team_id, week.start, week.end),
    )


def _room_next_week(planned: dict[int, PlannedWeek], loads: list[_Load],
                    limit: int) -> tuple[list[PersonRoom], int]:
    """Who in the delivery team has free hours in the coming week, most first (the first `limit`), and
    how many do: not ops (their hours are not planned on services), nor the overloaded, whose hours
    are spoken for by more services than they can carry."""
    free = [(load, planned[load.person.id]) for load in loads
            if load.person.role in DELIVERY_ROLES and load.state != LoadState.OVERLOADED
            and planned[load.person.id].free_hours > 0]
    free.sort(key=lambda pair: (-pair[1].free_hours, pair[0].person.name.casefold(), pair[0].person.id))
    shown = [PersonRoom.model_construct(
        person=PersonRef.model_construct(name=load.person.name, slack_user_id=load.person.slack_user_id),
        state=load.state, next_week=week_of) for load, week_of in free[:limit]]
    return shown, len(free)


@dataclass(frozen=True)
class Overloaded:
    """The first overloaded people, most loaded first, and how many there are."""

    people: list[PersonCapacity]
    total: int


def overloaded_people(session: Session, ctx: QueryContext, *, limit: int = MAX_SHOWN_PEOPLE) -> Overloaded:
    """The people with more active services than their maximum, as the at-risk answers list them (their
    load, tickets and blocked deliverables; not their weeks): three statements, and only the overloaded
    reach Python (SQL narrows, `load_state` decides)."""
    counted = _active_services_counted(ctx.team_id).subquery()
    rows = session.execute(
        select(Person.id, Person.name, Person.slack_user_id, as_float(Person.weekly_capacity_hours),
               Person.max_concurrent_services, Person.role, counted.c.active)
        .join(counted, counted.c.person_id == Person.id)
        .where(Person.team_id == ctx.team_id,
               counted.c.active > func.coalesce(Person.max_concurrent_services, 0))
    )
    loads = []
    for *person_columns, active in rows:
        person = _person_row(*person_columns)
        loads.append(_Load(person, int(active), load_state(int(active), person.max_services)))
    overloaded = [load for load in loads if load.state == LoadState.OVERLOADED]
    shown = sorted(overloaded, key=lambda load: (*load.order, load.person.id))[:limit]
    (people,) = _views(session, ctx, shown)
    return Overloaded(people, len(overloaded))
