"""One service's card, found by a name that may be partial or misspelled."""

from __future__ import annotations

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from store.context import QueryContext
from store.enums import DONE_STATUSES, DeliverableStatus, ServiceStatus
from store.escalations import follow_ups
from store.health import health_of
from store.models import (
    Appointment,
    Customer,
    Deliverable,
    Milestone,
    Person,
    Service,
    StatusChange,
    Ticket,
    service_members,
)
from store.queries.budget import service_budget
from store.queries.customers import customer_card, customer_meant
from store.queries.forecast import milestone_forecasts
from store.queries.lines import deliverable_line, person_ref
from store.queries.refs import match_service_name, service_refs
from store.readmodels import (
    AppointmentLine,
    DeliverableLine,
    DeliverableTally,
    MilestoneProgressView,
    PersonRef,
    ServiceCard,
    ServiceLookup,
    ServiceRef,
    TicketLine,
)

MAX_OPEN_TICKETS = 10
MAX_APPOINTMENTS = 5


def lookup_service(session: Session, ctx: QueryContext, *, name: str, viewer: str | None = None,
                   customers: bool = False) -> ServiceLookup:
    """The service a name means; with `customers` (`/delivery status`), a customer's card when the name
    means a customer with several active services rather than one of them."""
    found = match_service_name(session, ctx, name)
    if found.service_id is not None:
        return ServiceLookup(query=name, card=service_card(session, ctx, service_id=found.service_id, viewer=viewer))
    customer_id = customer_meant(session, ctx, name, found.choices) if customers else None
    if customer_id is not None:
        return ServiceLookup(query=name, customer=customer_card(session, ctx, customer_id=customer_id))
    return ServiceLookup(query=name, choices=found.choices, suggestions=found.suggestions)


def _team(session: Session, service_id: int) -> list[PersonRef]:
    rows = session.execute(
        select(Person.name, Person.slack_user_id)
        .join(service_members, service_members.c.person_id == Person.id)
        .where(service_members.c.service_id == service_id)
        .order_by(Person.name)
    )
    return [PersonRef(name=n, slack_user_id=u) for n, u in rows]


def _milestones(session: Session, ctx: QueryContext, service: Service, ref: ServiceRef) -> list[MilestoneProgressView]:
    """The service's milestones with their progress, and on an active service the forecast of each open one
    with open deliverables (one statement more: the service's throughput)."""
    done = func.sum(case((Deliverable.status.in_(DONE_STATUSES), 1), else_=0))
    rows = session.execute(
        select(Milestone.id, Milestone.name, Milestone.due_on, Milestone.done_on, func.count(Deliverable.id), done)
        .outerjoin(Deliverable, Deliverable.milestone_id == Milestone.id)
        .where(Milestone.service_id == service.id)
        .group_by(Milestone.id, Milestone.name, Milestone.due_on, Milestone.done_on)
        .order_by(Milestone.due_on, Milestone.name)
    ).all()
    open_work = [(mid, n, due, int(t) - int(k or 0)) for mid, n, due, d, t, k in rows
                 if d is None and int(t) > int(k or 0)]
    forecasts = (milestone_forecasts(session, ctx, service_id=service.id, created_at=service.created_at, ref=ref,
                                     open_work=open_work) if service.status == ServiceStatus.ACTIVE else {})
    views = []
    for mid, n, due, d, t, k in rows:
        found = forecasts.get(mid)
        dated = found is not None and found.forecast.dated
        views.append(MilestoneProgressView(
            name=n, due_on=due, done_on=d, deliverables_done=int(k or 0), deliverables_total=int(t),
            likely_on=found.forecast.likely_on if found and dated else None,
            safe_on=found.forecast.safe_on if found and dated else None,
            slips=bool(found and found.slips),
            no_forecast=found.forecast.outcome.label if found and not dated else None))
    return views


def _done_by(session: Session, ctx: QueryContext, service_id: int) -> dict[int, PersonRef]:
    """Who last moved each of the service's deliverables to Complete or Accepted."""
    rows = session.execute(
        select(StatusChange.object_id, Person.name, Person.slack_user_id)
        .join(Person, Person.id == StatusChange.changed_by_id)
        .join(Deliverable, Deliverable.id == StatusChange.object_id)
        .where(StatusChange.team_id == ctx.team_id, StatusChange.object_type == "deliverable",
               StatusChange.to_value.in_([s.value for s in DONE_STATUSES]), Deliverable.service_id == service_id)
        .order_by(StatusChange.changed_at, StatusChange.id)
    )
    return {object_id: PersonRef(name=name, slack_user_id=slack) for object_id, name, slack in rows}


def _deliverables(session: Session, ctx: QueryContext, service_id: int) -> list[DeliverableLine]:
    rows = session.execute(
        select(Deliverable, Person.name, Person.slack_user_id)
        .outerjoin(Person, Person.id == Deliverable.owner_id)
        .where(Deliverable.service_id == service_id)
        .order_by(Deliverable.due_on, Deliverable.name)
    )
    done_by = _done_by(session, ctx, service_id)
    return follow_ups(session, ctx, [
        deliverable_line(d, person_ref(owner, slack), ctx.today).model_copy(
            update={"done_by": done_by.get(d.id) if d.status.is_done else None}
        )
        for d, owner, slack in rows
    ])


def _tally(lines: list[DeliverableLine]) -> DeliverableTally:
    counts = {status.value: 0 for status in DeliverableStatus}
    for line in lines:
        counts[line.status.value] += 1
    return DeliverableTally(**counts, late=sum(line.late for line in lines))


def _open_tickets(session: Session, ctx: QueryContext, service_id: int) -> tuple[list[TicketLine], int]:
    open_now = (Ticket.service_id == service_id, Ticket.resolved_at.is_(None))
    total = session.execute(select(func.count()).where(*open_now)).scalar_one()
    rows = session.execute(
        select(Ticket, Person.name, Person.slack_user_id, Customer.name)
        .join(Customer, Customer.id == Ticket.customer_id)
        .outerjoin(Person, Person.id == Ticket.owner_id)
        .where(*open_now)
        .order_by(Ticket.due_at)
        .limit(MAX_OPEN_TICKETS)
    )
    lines = [
        TicketLine(ticket_id=t.id, title=t.title, priority=t.priority, owner=person_ref(o, s), customer_name=c,
                   due_at=t.due_at, overdue=t.due_at < ctx.now, version=t.version, service_id=t.service_id)
        for t, o, s, c in rows
    ]
    return lines, total


def _next_appointments(session: Session, ctx: QueryContext, service_id: int) -> list[AppointmentLine]:
    rows = session.execute(
        select(Appointment, Person.name, Person.slack_user_id)
        .join(Person, Person.id == Appointment.person_id)
        .where(Appointment.service_id == service_id, Appointment.starts_at >= ctx.now)
        .order_by(Appointment.starts_at)
        .limit(MAX_APPOINTMENTS)
    )
    return [
        AppointmentLine(title=a.title, kind=a.kind, starts_at=a.starts_at, duration_minutes=a.duration_minutes,
                        person=PersonRef(name=n, slack_user_id=s))
        for a, n, s in rows
    ]


def service_card(session: Session, ctx: QueryContext, *, service_id: int, ref: ServiceRef | None = None,
                 viewer: str | None = None) -> ServiceCard:
    """The card of a service; its money (in the budget line) only when `viewer` is the one reading
    it alone and may see it."""
    service = session.get(Service, service_id)
    if service is None or service.team_id != ctx.team_id:
        raise LookupError(f"no service {service_id} in this workspace")
    ref = ref or service_refs(session, ctx, only=service_id)[service_id]
    owner = session.get(Person, service.owner_id) if service.owner_id else None
    health = None
    if service.status == ServiceStatus.ACTIVE:
        (health,) = health_of(session, ctx, [service_id])
    deliverables = _deliverables(session, ctx, service_id)
    tickets, ticket_count = _open_tickets(session, ctx, service_id)
    # Who set the override: one more statement, only while an override is active.
    setter = (session.get(Person, service.health_override_by_id)
              if health is not None and health.override_reason is not None and service.health_override_by_id
              else None)
    owner_ref = person_ref(owner.name, owner.slack_user_id) if owner else None
    tally = _tally(deliverables)
    budgeted = service.status == ServiceStatus.ACTIVE and bool(service.budget_hours or service.budget_amount)
    return ServiceCard(
        as_of=ctx.now, ref=ref, phase=service.phase, health=health, owner=owner_ref,
        team=_team(session, service_id), action_note=service.action_note,
        milestones=_milestones(session, ctx, service, ref), tally=tally, deliverables=deliverables,
        open_tickets=tickets, open_ticket_count=ticket_count,
        next_appointments=_next_appointments(session, ctx, service_id),
        version=service.version,
        override_by=person_ref(setter.name, setter.slack_user_id) if setter else None,
        budget=service_budget(session, ctx, service_id=service_id, viewer=viewer, ref=ref, owner=owner_ref,
                              complete=tally.complete_share) if budgeted else None,
    )
