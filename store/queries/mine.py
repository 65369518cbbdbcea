"""`/delivery mine` and the App Home: one person's work, in a fixed number of statements."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from store.clock import local_midnight
from store.context import QueryContext
from store.enums import DONE_STATUSES, DeliverableStatus, ServiceStatus, TaskStatus
from store.escalations import follow_ups
from store.health import health_of
from store.models import Appointment, Customer, Deliverable, Person, Service, Task, Ticket, service_members
from store.queries.at_risk import blocked_deliverables
from store.queries.lines import deliverable_line
from store.queries.tickets import oldest_overdue_tickets
from store.queries.utilization import Capacity, people_week, planned_by_person
from store.readmodels import (
    AppointmentLine,
    DeliverableTally,
    MyWork,
    PersonRef,
    TaskLine,
    TicketLine,
)
from store.readmodels.capacity import MyWeek
from store.readmodels.digests import PersonalDigestData
from store.sla import HELD_LOOKBACK, held_warnings

MAX_LINES = 15
OPEN_ORDER = case(
    (Deliverable.status == DeliverableStatus.BLOCKED, 0),
    (Deliverable.status == DeliverableStatus.IN_PROGRESS, 1),
    else_=2,
)


def _my_service_ids(session: Session, ctx: QueryContext, person_id: int) -> list[int]:
    member_of = select(service_members.c.service_id).where(service_members.c.person_id == person_id)
    return list(session.scalars(
        select(Service.id).where(
            Service.team_id == ctx.team_id,
            Service.status == ServiceStatus.ACTIVE,
            or_(Service.owner_id == person_id, Service.id.in_(member_of)),
        )
    ))


def _my_deliverables(session: Session, ctx: QueryContext, person: Person):
    mine = (Deliverable.owner_id == person.id, Service.status == ServiceStatus.ACTIVE)
    counts = dict(session.execute(
        select(Deliverable.status, func.count()).join(Service).where(*mine).group_by(Deliverable.status)
    ).all())
    late_total = session.scalar(
        select(func.count()).select_from(Deliverable).join(Service)
        .where(*mine, Deliverable.status.not_in(DONE_STATUSES), Deliverable.due_on < ctx.today)
    )
    tally = DeliverableTally(**{DeliverableStatus(s).value: n for s, n in counts.items()}, late=late_total or 0)
    rows = session.scalars(
        select(Deliverable).join(Service).where(*mine, Deliverable.status.not_in(DONE_STATUSES))
        .order_by(OPEN_ORDER, Deliverable.due_on, Deliverable.name).limit(MAX_LINES)
    )
    me = PersonRef(name=person.name, slack_user_id=person.slack_user_id)
    lines = follow_ups(session, ctx, [deliverable_line(d, me, ctx.today) for d in rows])
    return tally, lines


def _my_overdue_tickets(session: Session, ctx: QueryContext, person: Person):
    overdue = (Ticket.owner_id == person.id, Ticket.resolved_at.is_(None), Ticket.due_at < ctx.now)
    total = session.scalar(select(func.count()).where(*overdue))
    rows = session.execute(
        select(Ticket, Customer.name).join(Customer, Customer.id == Ticket.customer_id)
        .where(*overdue).order_by(Ticket.due_at).limit(MAX_LINES)
    )
    me = PersonRef(name=person.name, slack_user_id=person.slack_user_id)
    return [
        TicketLine(ticket_id=t.id, title=t.title, priority=t.priority, owner=me, customer_name=c,
                   due_at=t.due_at, overdue=True, version=t.version, service_id=t.service_id)
        for t, c in rows
    ], total


def _my_tasks(session: Session, ctx: QueryContext, person: Person) -> list[TaskLine]:
    rows = session.execute(
        select(Task.title, Task.due_on, Customer.name, Service.name)
        .outerjoin(Service, Service.id == Task.service_id)
        .outerjoin(Customer, Customer.id == Service.customer_id)
        .where(Task.owner_id == person.id, Task.status == TaskStatus.OPEN, Task.due_on <= ctx.week.last_day)
        .order_by(Task.due_on, Task.title).limit(MAX_LINES)
    )
    return [
        TaskLine(title=t, due_on=d, service_label=f"{c} · {s}" if s else None) for t, d, c, s in rows
    ]


def _my_appointments_today(session: Session, ctx: QueryContext, person: Person) -> list[AppointmentLine]:
    start = local_midnight(ctx.today, ctx.tz)
    end = local_midnight(ctx.today + timedelta(days=1), ctx.tz)
    rows = session.scalars(
        select(Appointment).where(Appointment.person_id == person.id, Appointment.starts_at >= start,
                                  Appointment.starts_at < end).order_by(Appointment.starts_at).limit(MAX_LINES)
    )
    me = PersonRef(name=person.name, slack_user_id=person.slack_user_id)
    return [
        AppointmentLine(title=a.title, kind=a.kind, starts_at=a.starts_at, duration_minutes=a.duration_minutes,
                        person=me)
        for a in rows
    ]


def _my_week(session: Session, ctx: QueryContext, person: Person) -> MyWeek:
    """My last whole week and next week: six statements."""
    last_week, next_week = ctx.week.previous(ctx.tz), ctx.week.following(ctx.tz)
    me, capacity = [person.id], [Capacity.of(person)]
    return MyWeek(capacity_hours=capacity[0].hours,
                  last_week_first_day=last_week.first_day,
                  last_week=people_week(session, ctx, last_week, me, capacity).by_person[person.id],
                  next_week_first_day=next_week.first_day,
                  next_week=planned_by_person(session, ctx, next_week, me, capacity)[person.id])


def my_work(session: Session, ctx: QueryContext, *, slack_user_id: str) -> MyWork:
    person = session.scalars(
        select(Person).where(Person.team_id == ctx.team_id, Person.slack_user_id == slack_user_id)
    ).first()
    if person is None:
        return MyWork(as_of=ctx.now, slack_user_id=slack_user_id, person=None)
    service_ids = _my_service_ids(session, ctx, person.id)
    services = health_of(session, ctx, service_ids)
    tally, open_lines = _my_deliverables(session, ctx, person)
    tickets, ticket_total = _my_overdue_tickets(session, ctx, person)
    return MyWork(
        as_of=ctx.now, slack_user_id=slack_user_id,
        person=PersonRef(name=person.name, slack_user_id=person.slack_user_id),
        services=sorted(services, key=lambda s: (-s.health.severity, s.customer_name)),
        deliverables=tally, open_deliverables=open_lines,
        overdue_tickets=tickets, overdue_ticket_count=ticket_total,
        tasks_due=_my_tasks(session, ctx, person),
        appointments_today=_my_appointments_today(session, ctx, person),
        week=_my_week(session, ctx, person),
    )


def _my_tasks_due_by_today(session: Session, ctx: QueryContext, person: Person) -> tuple[list[TaskLine], int]:
    due = (Task.owner_id == person.id, Task.status == TaskStatus.OPEN, Task.due_on <= ctx.today)
    total = session.execute(select(func.count()).select_from(Task).where(*due)).scalar_one()
    rows = session.execute(
        select(Task.title, Task.due_on, Customer.name, Service.name)
        .outerjoin(Service, Service.id == Task.service_id)
        .outerjoin(Customer, Customer.id == Service.customer_id)
        .where(*due)
        .order_by(Task.due_on, Task.title).limit(MAX_LINES)
    )
    return [TaskLine(title=t, due_on=d, service_label=f"{c} · {s}" if s else None) for t, d, c, s in rows], total


def my_day(session: Session, ctx: QueryContext, *, slack_user_id: str) -> PersonalDigestData:
    """The personal digest: my blocked deliverables, overdue tickets, open tasks due today or before,
    appointments today, and my SLA warnings held from DMs in the last day. Eleven statements (the blocked ones'
    snoozes and escalations two of them), twelve when some were held (one when the Slack user is not linked to
    a person)."""
    person = session.scalars(
        select(Person).where(Person.team_id == ctx.team_id, Person.slack_user_id == slack_user_id)
    ).first()
    if person is None:
        return PersonalDigestData(as_of=ctx.now, today=ctx.today, slack_user_id=slack_user_id, person=None)
    blocked, blocked_total = blocked_deliverables(session, ctx, MAX_LINES, owner_id=person.id)
    overdue_total = session.execute(select(func.count()).select_from(Ticket).where(
        Ticket.owner_id == person.id, Ticket.resolved_at.is_(None), Ticket.due_at < ctx.now)).scalar_one()
    tickets = oldest_overdue_tickets(session, ctx.team_id, ctx.now, MAX_LINES, owner_id=person.id)
    tasks, tasks_total = _my_tasks_due_by_today(session, ctx, person)
    appointments = _my_appointments_today(session, ctx, person)
    held, held_total = held_warnings(session, ctx, since=ctx.now - HELD_LOOKBACK, place=slack_user_id,
                                     limit=MAX_LINES)
    return PersonalDigestData(
        as_of=ctx.now, today=ctx.today, slack_user_id=slack_user_id,
        person=PersonRef(name=person.name, slack_user_id=person.slack_user_id),
        blocked=blocked, blocked_total=blocked_total, overdue_tickets=tickets, overdue_total=overdue_total,
        tasks=tasks, tasks_total=tasks_total, appointments=appointments, appointments_total=len(appointments),
        held=held, held_total=held_total,
    )
