"""The portfolio answer behind `/delivery status`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, func, select, union_all
from sqlalchemy.orm import Session

from store.context import QueryContext
from store.enums import DeliverableStatus, ServiceStatus
from store.models import Customer, Deliverable, Milestone, Service, Ticket
from store.queries.health_signals import DONE_STATUSES, services_needing_attention
from store.readmodels import DeliverableTally, MilestoneView, PortfolioStatus


def deliverable_tally(session: Session, team_id: str, *, today) -> DeliverableTally:
    """Deliverables of active services by status, and the open ones past due, in one statement:
    all the team's (one index range per status) less those of services not active, which are
    few; joining every deliverable to its service to test the service's status costs twice."""
    late = case((Deliverable.due_on < today, 1), else_=0)
    team = (
        select(Deliverable.status.label("status"), func.count().label("n"), func.sum(late).label("late"))
        .where(Deliverable.team_id == team_id)
        .group_by(Deliverable.status)
    )
    not_active = (
        select(Deliverable.status, -func.count(), -func.sum(late))
        .join(Service, Service.id == Deliverable.service_id)
        .where(Service.team_id == team_id, Service.status != ServiceStatus.ACTIVE)
        .group_by(Deliverable.status)
    )
    both = union_all(team, not_active).subquery()
    rows = session.execute(select(both.c.status, func.sum(both.c.n), func.sum(both.c.late)).group_by(both.c.status))
    counts: dict[str, int] = {"late": 0}
    for status, count, late_count in rows:
        counts[DeliverableStatus(status).value] = int(count)
        if status not in DONE_STATUSES:
            counts["late"] += int(late_count or 0)
    return DeliverableTally(**counts)


def overdue_ticket_count(session: Session, team_id: str, *, now: datetime) -> int:
    return session.scalar(
        select(func.count()).where(Ticket.team_id == team_id, Ticket.resolved_at.is_(None), Ticket.due_at < now)
    )


def milestones_due(session: Session, team_id: str, *, first_day, last_day) -> list[MilestoneView]:
    rows = session.execute(
        select(Milestone.name, Milestone.due_on, Milestone.done_on, Service.name, Customer.name)
        .join(Service, Service.id == Milestone.service_id)
        .join(Customer, Customer.id == Service.customer_id)
        .where(
            Milestone.team_id == team_id,
            Service.status == ServiceStatus.ACTIVE,
            Milestone.due_on.between(first_day, last_day),
        )
        .order_by(Milestone.due_on, Customer.name, Milestone.name)
    )
    return [
        MilestoneView(name=name, due_on=due, done_on=done, service_name=service, customer_name=customer)
        for name, due, done, service, customer in rows
    ]


def portfolio_status(session: Session, ctx: QueryContext) -> PortfolioStatus:
    team_id, now, today, week = ctx.team_id, ctx.now, ctx.today, ctx.week
    health, needing_attention = services_needing_attention(session, team_id, now=now, today=today, limits=ctx.limits)
    needing_attention.sort(key=lambda s: (-s.health.severity, s.customer_name, s.service_name))
    return PortfolioStatus(
        as_of=now,
        active_services=health.active,
        health_counts=health.health_counts,
        phase_counts=health.phase_counts,
        deliverables=deliverable_tally(session, team_id, today=today),
        overdue_tickets=overdue_ticket_count(session, team_id, now=now),
        milestones_this_week=milestones_due(session, team_id, first_day=week.first_day, last_day=week.last_day),
        needing_attention=needing_attention,
    )
