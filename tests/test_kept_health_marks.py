"""Kept health's marks (the triggers of migrations 0010, 0017 and 0019): every column the health rules
read is one whose change marks its service for assessing again, and rows that never count mark nothing.
tests/test_kept_health.py proves that answers from kept health equal assessing every service."""

from __future__ import annotations

from datetime import UTC, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Column, Table, delete, event, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql import visitors
from support import TEAM, WEDNESDAY, load_demo_at

from store.bulk import DERIVED_TABLES
from store.context import QueryContext
from store.enums import AppointmentKind, DeliverableStatus, Health, ServiceStatus
from store.health.assessing import assess_active_services, assess_signalled
from store.health.rules import HealthThresholds
from store.models import (
    Appointment,
    Deliverable,
    HealthChange,
    Milestone,
    Person,
    RoleRate,
    Service,
    Ticket,
    TimeEntry,
)

LIMITS = HealthThresholds()


def marks(engine, team_id: str = TEAM) -> dict[int, int]:
    with Session(engine) as session:
        return dict(session.execute(select(HealthChange.service_id, HealthChange.mark)
                                    .where(HealthChange.team_id == team_id)).all())


@pytest.fixture
def demo(engine):
    load_demo_at(engine, WEDNESDAY)
    return engine


# Every column the health rules read, by table, with a new value for it (from the row's own values
# and a second service's): changing it alone must mark the row's service (and, when it moves the row,
# the service it moves to). Written from the rules, not from the migration's list.
READ_BY_THE_RULES = [
    (Ticket, "due_at", lambda row, other: row.due_at - timedelta(days=9)),
    (Ticket, "resolved_at", lambda row, other: WEDNESDAY),
    (Ticket, "service_id", lambda row, other: other.id),
    (Deliverable, "status", lambda row, other: DeliverableStatus.BLOCKED),
    (Deliverable, "blocked_since", lambda row, other: WEDNESDAY - timedelta(days=8)),
    (Deliverable, "milestone_id", lambda row, other: None),
    (Deliverable, "service_id", lambda row, other: other.id),
    (Milestone, "done_on", lambda row, other: WEDNESDAY.date()),
    (Milestone, "due_on", lambda row, other: row.due_on - timedelta(days=30)),
    (Milestone, "service_id", lambda row, other: other.id),
    (Appointment, "starts_at", lambda row, other: row.starts_at - timedelta(days=3)),
    (Appointment, "kind", lambda row, other: AppointmentKind.INTERNAL),
    (Appointment, "service_id", lambda row, other: other.id),
    (Service, "status", lambda row, other: ServiceStatus.PAUSED),
    (Service, "health_override", lambda row, other: Health.AT_RISK),
    (Service, "health_override_expires_at", lambda row, other: WEDNESDAY + timedelta(days=1)),
]
COUNTING = {
    Ticket: Ticket.resolved_at.is_(None),
    Deliverable: Deliverable.milestone_id.is_not(None),
    Milestone: Milestone.done_on.is_(None),
    Appointment: Appointment.kind == AppointmentKind.CUSTOMER_SESSION,
    Service: Service.status == ServiceStatus.ACTIVE,
}


def service_of(row) -> int:
    return row.id if isinstance(row, Service) else row.service_id


@pytest.mark.parametrize("model, column, new_value", READ_BY_THE_RULES,
                         ids=[f"{m.__tablename__}.{c}" for m, c, _ in READ_BY_THE_RULES])
def test_changing_any_column_the_rules_read_marks_the_service(demo, model, column, new_value):
    with Session(demo) as session, session.begin():
        row = session.scalars(select(model).where(model.team_id == TEAM, COUNTING[model])
                              .order_by(model.id).limit(1)).one()
        before = service_of(row)
        other = session.scalars(select(Service).where(Service.team_id == TEAM, Service.id != before)
                                .order_by(Service.id.desc()).limit(1)).one()
        session.execute(update(model).where(model.id == row.id).values({column: new_value(row, other)}))
        session.flush()
        session.refresh(row)
        after = service_of(row)
    assert {before, after} <= set(marks(demo)), (column, before, after)


# Read when assessing but never deciding a service's shown health or since when: shown by name, or
# the override's words (kept health keeps neither; the services an answer shows are assessed in full),
# and whose lead may see the service's money and whose customer its margin adds to (a budget's standing).
SHOWN_ONLY = {("deliverables", "name"), ("milestones", "name"), ("services", "health_override_reason"),
              ("services", "owner_id"), ("services", "customer_id")}

# What a budget forecast reads, for a service with a budget in money alone (rates price it), with a
# new value: changing it alone must mark the service (migration 0017).
BUDGET_READ = [
    (Service, "budget_hours", lambda row: Decimal(1)),
    (Service, "budget_amount", lambda row: Decimal(1)),
    (Deliverable, "estimate_hours", lambda row: Decimal(500)),
    (Deliverable, "due_on", lambda row: row.due_on + timedelta(days=90)),
    (Deliverable, "status", lambda row: DeliverableStatus.COMPLETE),
    (TimeEntry, "hours", lambda row: Decimal(24)),
    (TimeEntry, "billable", lambda row: not row.billable),
    (TimeEntry, "worked_on", lambda row: row.worked_on - timedelta(days=60)),
    (TimeEntry, "person_id", lambda row: row.person_id + 1),
    (TimeEntry, "service_id", lambda row: None),
    (Person, "cost_rate", lambda row: Decimal(1)),
    (Person, "bill_rate", lambda row: Decimal(1)),
    (Person, "role", lambda row: "ops"),
    (RoleRate, "cost_rate", lambda row: Decimal(1)),
    (RoleRate, "bill_rate", lambda row: Decimal(1)),
    (RoleRate, "role", lambda row: "ops"),
]


def _budget_row(session: Session, model, delta: Service):
    """The row of `model` whose change moves Delta's forecast: its own, an open deliverable, a time
    entry, its lead (who logs its hours) and the lead's role's rates."""
    if model is Service:
        return delta
    if model is Deliverable:
        return session.scalars(select(Deliverable).where(Deliverable.service_id == delta.id,
                                                         Deliverable.due_on.is_not(None),
                                                         Deliverable.status == DeliverableStatus.IN_PROGRESS)
                               .order_by(Deliverable.id).limit(1)).one()
    if model is TimeEntry:
        return session.scalars(select(TimeEntry).where(TimeEntry.service_id == delta.id)
                               .order_by(TimeEntry.id).limit(1)).one()
    lead = session.get(Person, delta.owner_id)
    if model is Person:
        return lead
    return session.scalars(select(RoleRate).where(RoleRate.team_id == TEAM, RoleRate.role == lead.role)).one()


@pytest.mark.parametrize("model, column, new_value", BUDGET_READ,
                         ids=[f"{m.__tablename__}.{c}" for m, c, _ in BUDGET_READ])
def test_changing_what_a_budget_forecast_reads_marks_the_service(demo, model, column, new_value):
    with Session(demo) as session, session.begin():
        delta = session.scalars(select(Service).where(Service.team_id == TEAM, Service.name == "Integration Rollout")
                                ).one()
        delta.budget_hours, delta.budget_amount = None, Decimal(23400)  # money alone: rates price it
        if (model, column) == (RoleRate, "role"):  # one row per role: make room for the new one
            session.execute(delete(RoleRate).where(RoleRate.team_id == TEAM, RoleRate.role == "ops"))
        session.flush()
        session.execute(delete(HealthChange))
        row = _budget_row(session, model, delta)
        session.execute(update(model).where(model.id == row.id).values({column: new_value(row)}))
        service_id = delta.id
    assert service_id in marks(demo), column


# What a milestone's slip forecast reads besides the milestones themselves (migration 0019): the
# service's completions, whichever milestone they belong to, and when it was created.
FORECAST_READ = [
    (Deliverable, "status", lambda row: DeliverableStatus.COMPLETE),
    (Deliverable, "completed_at", lambda row: WEDNESDAY - timedelta(days=20)),
    (Deliverable, "service_id", None),  # moved to another service
    (Service, "created_at", lambda row: row.created_at - timedelta(days=60)),
]


@pytest.mark.parametrize("model, column, new_value", FORECAST_READ,
                         ids=[f"{m.__tablename__}.{c}" for m, c, _ in FORECAST_READ])
def test_changing_what_a_slip_forecast_reads_marks_the_service(demo, model, column, new_value):
    """A deliverable linked to no milestone counts for its service's throughput, so its change marks
    a service with an open milestone (the triggers of 0010 count it only when blocked or linked)."""
    with Session(demo) as session, session.begin():
        milestone = session.scalars(select(Milestone).where(Milestone.team_id == TEAM, Milestone.done_on.is_(None))
                                    .order_by(Milestone.id).limit(1)).one()
        deliverable = session.scalars(select(Deliverable).where(
            Deliverable.service_id == milestone.service_id, Deliverable.status != DeliverableStatus.BLOCKED)
            .order_by(Deliverable.id).limit(1)).one()
        deliverable.milestone_id = None
        session.flush()
        session.execute(delete(HealthChange))
        row = session.get(Service, milestone.service_id) if model is Service else deliverable
        value = new_value(row) if new_value else session.scalar(
            select(Service.id).where(Service.team_id == TEAM, Service.id != row.service_id).limit(1))
        session.execute(update(model).where(model.id == row.id).values({column: value}))
        service_id = milestone.service_id
    assert service_id in marks(demo), column


def test_adding_or_removing_a_completed_deliverable_marks_a_service_with_an_open_milestone(demo):
    with Session(demo) as session, session.begin():
        milestone = session.scalars(select(Milestone).where(Milestone.team_id == TEAM, Milestone.done_on.is_(None))
                                    .order_by(Milestone.id).limit(1)).one()
        session.execute(delete(HealthChange))
        session.execute(insert(Deliverable), [dict(
            team_id=TEAM, key="done-elsewhere", service_id=milestone.service_id, name="Done elsewhere",
            status=DeliverableStatus.COMPLETE, completed_at=WEDNESDAY - timedelta(days=3))])
        service_id = milestone.service_id
    assert service_id in marks(demo)
    with Session(demo) as session, session.begin():
        session.execute(delete(HealthChange))
        session.execute(delete(Deliverable).where(Deliverable.key == "done-elsewhere"))
    assert service_id in marks(demo)


def columns_read_when_assessing(engine) -> set[tuple[str, str]]:
    """(table, column) of every portfolio table column the assessing statements read: for the whole
    portfolio (engagement from the tallies) and for a few services (from the appointments)."""
    read: set[tuple[str, str]] = set()
    ctx = QueryContext(TEAM, WEDNESDAY, UTC, LIMITS)
    # Every statement, through the ORM or as plain rows on the connection.
    def collect(_conn, statement, *_args):
        read.update((element.table.name, element.name) for element in visitors.iterate(statement)
                    if isinstance(element, Column) and isinstance(element.table, Table))

    event.listen(engine, "before_execute", collect)
    try:
        with Session(engine) as session:
            service_ids = session.scalars(select(Service.id).where(Service.team_id == TEAM)).all()
            assess_signalled(session, ctx)
            assess_active_services(session, ctx, only=service_ids[:3])
    finally:
        event.remove(engine, "before_execute", collect)
    return {(table, column) for table, column in read if table not in DERIVED_TABLES}


def test_every_column_health_is_assessed_from_is_one_whose_change_marks_the_service(demo):
    """The assessing statements, traversed: a column added to a rule's signals without a trigger (and a
    line in READ_BY_THE_RULES) would let kept health answer from before the change."""
    marking = {(model.__tablename__, column) for model, column, _ in [*READ_BY_THE_RULES, *BUDGET_READ, *FORECAST_READ]}
    keys = {(model.__tablename__, name) for model in [*COUNTING, TimeEntry, Person, RoleRate]
            for name in ("id", "team_id")}
    read = columns_read_when_assessing(demo)
    assert ("tickets", "due_at") in read and ("appointments", "starts_at") in read
    assert read - marking - keys - SHOWN_ONLY == set()


def test_rows_that_never_count_for_health_mark_nothing(demo):
    with Session(demo) as session, session.begin():
        service, customer = session.execute(select(Service.id, Service.customer_id)
                                            .where(Service.team_id == TEAM).limit(1)).one()
        person = session.scalar(select(Person.id).where(Person.team_id == TEAM).limit(1))
        session.execute(insert(Ticket), [dict(
            team_id=TEAM, key="resolved", customer_id=customer, service_id=service, title="t", type="issue",
            priority="low", opened_at=WEDNESDAY, due_at=WEDNESDAY, resolved_at=WEDNESDAY)])
        session.execute(insert(Appointment), [dict(
            team_id=TEAM, key="internal", person_id=person, service_id=service, title="sync",
            kind=AppointmentKind.INTERNAL, starts_at=WEDNESDAY, duration_minutes=30)])
        session.execute(delete(Ticket).where(Ticket.team_id == TEAM, Ticket.resolved_at.is_not(None)))
    assert marks(demo) == {}
