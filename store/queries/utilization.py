"""Utilization of a whole week, and the hours scheduled in a coming one (issue 19).

A past week: each person's logged and billable hours (time entries) against their available hours
(weekly capacity less time off); a person who logged nothing that week is read from their
appointments instead (customer sessions count as billable) and counted as such, so every line can
say where its hours came from. A team's figures are sums over its people's sums.

A coming week: each person's available hours against the hours scheduled in it, their allocations'
hours for the working days they cover plus their appointments starting in it.

Each function is a fixed number of grouped statements whatever the number of people; definitions
are in `store.metrics`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import and_, case, func, not_, or_, select
from sqlalchemy.orm import Session

from store.clock import Week
from store.context import QueryContext
from store.enums import AppointmentKind, Role
from store.models import Allocation, Appointment, Person
from store.queries.timesheets import Logged, as_float, hours_away, logged_hours, of_people
from store.readmodels.capacity import PlannedWeek, Utilization
from store.rules.capacity import BillableBand, allocated_hours_in, available_hours

# The delivery team whose sums are the team's figures: the people who deliver (ops coordinate,
# and their time is not meant to be billed).
DELIVERY_ROLES = (Role.MEMBER, Role.LEAD)


@dataclass(frozen=True)
class Capacity:
    """A person's weekly capacity hours and role: what their weeks are measured against."""

    person_id: int
    hours: float
    role: Role

    @classmethod
    def of(cls, person: Person) -> Capacity:
        return cls(person.id, float(person.weekly_capacity_hours or 0), person.role)


def _capacities(session: Session, ctx: QueryContext, person_ids: Collection[int] | None) -> list[Capacity]:
    rows = session.execute(
        select(Person.id, as_float(Person.weekly_capacity_hours), Person.role)
        .where(Person.team_id == ctx.team_id, *of_people(Person.id, person_ids)))
    return [Capacity(pid, hours or 0.0, role) for pid, hours, role in rows]


def appointment_hours(session: Session, ctx: QueryContext, week: Week,
                      person_ids: Collection[int] | None = None) -> dict[int, Logged]:
    """Hours of each person's appointments starting in the week, and of those their customer
    sessions (billable); a person with none is absent."""
    billable = func.sum(case((Appointment.kind == AppointmentKind.CUSTOMER_SESSION, Appointment.duration_minutes),
                             else_=0))
    rows = session.execute(
        select(Appointment.person_id, func.sum(Appointment.duration_minutes), billable)
        .where(Appointment.team_id == ctx.team_id, Appointment.starts_at >= week.start,
               Appointment.starts_at < week.end, *of_people(Appointment.person_id, person_ids))
        .group_by(Appointment.person_id))
    return {pid: Logged(int(minutes or 0) / 60, int(paid or 0) / 60) for pid, minutes, paid in rows if pid is not None}


def _fallback_hours(session: Session, ctx: QueryContext, week: Week, unlogged: list[int],
                    everyone: bool) -> dict[int, Logged]:
    """The appointment hours of the people who logged no time: none to read when everyone did, and
    the whole team's when nobody did (no list of ids to send)."""
    if not unlogged:
        return {}
    return appointment_hours(session, ctx, week, None if everyone else unlogged)


def _utilization(capacity: Capacity, away: float, logged: Logged | None, booked: Logged | None) -> Utilization:
    worked, fallback = (logged, 0) if logged is not None else (booked or Logged(), 1)
    return Utilization(
        capacity_hours=capacity.hours, available_hours=available_hours(capacity.hours, away), hours=worked.hours,
        billable_hours=worked.billable, people=1, from_appointments=fallback)


@dataclass(frozen=True)
class TeamWeek:
    """The delivery team's sums in a week, and how many of its people billed within the target band."""

    team: Utilization
    in_band: int


@dataclass(frozen=True)
class PeopleWeek:
    """People's utilization in one whole past week, and who of them is the delivery team: members and
    leads with weekly capacity hours (ops coordinate; their time is not meant to be billed)."""

    by_person: dict[int, Utilization]
    delivery: frozenset[int]

    def team(self) -> TeamWeek:
        counted = [self.by_person[pid] for pid in self.delivery]
        return TeamWeek(Utilization.total(counted), sum(u.band == BillableBand.WITHIN for u in counted))


def people_week(session: Session, ctx: QueryContext, week: Week, person_ids: Collection[int] | None = None,
                capacities: list[Capacity] | None = None) -> PeopleWeek:
    """Each person's utilization in a whole past week (of `person_ids`, when given): four statements
    at most; one fewer when the caller has the people's `capacities` (everyone's, or those of
    `person_ids`), and one fewer when everyone logged time (no appointments to fall back on)."""
    if capacities is None:
        capacities = _capacities(session, ctx, person_ids)
    logged = logged_hours(session, ctx, week, person_ids)
    away = hours_away(session, ctx, week, person_ids)
    booked = _fallback_hours(session, ctx, week, [c.person_id for c in capacities if c.person_id not in logged],
                             everyone=person_ids is None and not logged)
    by_person = {c.person_id: _utilization(c, away.get(c.person_id, 0.0), logged.get(c.person_id),
                                           booked.get(c.person_id)) for c in capacities}
    delivery = frozenset(c.person_id for c in capacities if c.role in DELIVERY_ROLES and c.hours > 0)
    return PeopleWeek(by_person, delivery)


def utilization_by_person(session: Session, ctx: QueryContext, week: Week,
                          person_ids: Collection[int] | None = None) -> dict[int, Utilization]:
    """Each person's utilization in a whole past week (of `person_ids`, when given): four statements."""
    return people_week(session, ctx, week, person_ids).by_person


def team_utilization(session: Session, ctx: QueryContext, week: Week) -> TeamWeek:
    """The delivery team's utilization in a whole past week: the sums of its people (members and
    leads with weekly capacity hours). Four statements."""
    return people_week(session, ctx, week).team()


# -- a coming week --------------------------------------------------------------


def _allocated(session: Session, ctx: QueryContext, week: Week,
               person_ids: Collection[int] | None) -> dict[int, float]:
    """Each person's allocated hours in the week: allocations covering all of it summed in SQL (nearly
    all of them), the others prorated by the working days they cover."""
    team = (Allocation.team_id == ctx.team_id, *of_people(Allocation.person_id, person_ids))
    covers_it_all = and_(Allocation.starts_on <= week.first_day,
                         or_(Allocation.ends_on.is_(None), Allocation.ends_on >= week.last_day))
    allocated: dict[int, float] = defaultdict(float)
    for person_id, hours in session.execute(
            select(Allocation.person_id, as_float(func.sum(Allocation.hours_per_week)))
            .where(*team, covers_it_all).group_by(Allocation.person_id)):
        allocated[person_id] += hours or 0.0
    for person_id, per_week, starts_on, ends_on in session.execute(
            select(Allocation.person_id, as_float(Allocation.hours_per_week), Allocation.starts_on, Allocation.ends_on)
            .where(*team, not_(covers_it_all), Allocation.starts_on <= week.last_day,
                   or_(Allocation.ends_on.is_(None), Allocation.ends_on >= week.first_day))):
        allocated[person_id] += allocated_hours_in(per_week, starts_on, ends_on, week.first_day, week.last_day)
    return dict(allocated)


def planned_by_person(session: Session, ctx: QueryContext, week: Week, person_ids: Collection[int] | None = None,
                      capacities: list[Capacity] | None = None) -> dict[int, PlannedWeek]:
    """Each person's available and scheduled hours in a coming week (of `person_ids`, when given):
    five statements, four when the caller has the people's `capacities` (everyone's, or those of `person_ids`)."""
    if capacities is None:
        capacities = _capacities(session, ctx, person_ids)
    away = hours_away(session, ctx, week, person_ids)
    allocated = _allocated(session, ctx, week, person_ids)
    booked = appointment_hours(session, ctx, week, person_ids)
    return {
        c.person_id: PlannedWeek(
            available_hours=available_hours(c.hours, away.get(c.person_id, 0.0)),
            allocated_hours=allocated.get(c.person_id, 0.0),
            appointment_hours=booked.get(c.person_id, Logged()).hours)
        for c in capacities
    }
