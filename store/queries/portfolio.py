"""The portfolio answer behind `/delivery status`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, func, select, union_all
from sqlalchemy.orm import Session

from store.context import QueryContext
from store.enums import DONE_STATUSES, DeliverableStatus, ServiceStatus
from store.health import portfolio_health
from store.models import Customer, Deliverable, DeliverableCount, Milestone, Service, Ticket
from store.readmodels import DeliverableTally, MilestoneView, PortfolioStatus


def deliverable_tally(session: Session, team_id: str, *, today) -> DeliverableTally:
    """Deliverables of active services by status, and the open ones past due, in one statement:
    all the team's, from the counts kept per status and due day (`DeliverableCount`), less those of
    services not active, which are few and read from the deliverables."""
    late = case((Deliverable.due_on < today, 1), else_=0)
    team = (
        select(DeliverableCount.status.label("status"), func.sum(DeliverableCount.n).label("n"),
               func.sum(case((DeliverableCount.due_on < today, DeliverableCount.n), else_=0)).label("late"))
        .where(DeliverableCount.team_id == team_id)
        .group_by(DeliverableCount.status)
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
    return session.execute(
        select(func.count()).where(Ticket.team_id == team_id, Ticket.resolved_at.is_(None), Ticket.due_at < now)
    ).scalar_one()


# A message has room for a few dozen milestone lines at most; the rest are counted.
MAX_SHOWN_MILESTONES = 50


def milestones_due(session: Session, team_id: str, *, first_day, last_day,
                   limit: int = MAX_SHOWN_MILESTONES) -> tuple[list[MilestoneView], int]:
    """The first `limit` milestones of active services due between the two days (by due day, customer
    and name), and how many there are: two statements."""
    due = (Milestone.team_id == team_id, Service.status == ServiceStatus.ACTIVE,
           Milestone.due_on.between(first_day, last_day))
    total = session.execute(
        select(func.count()).select_from(Milestone).join(Service, Service.id == Milestone.service_id).where(*due)
    ).scalar_one()
    rows = session.execute(
        select(Milestone.name, Milestone.due_on, Milestone.done_on, Service.name, Customer.name)
        .join(Service, Service.id == Milestone.service_id)
        .join(Customer, Customer.id == Service.customer_id)
        .where(*due)
        .order_by(Milestone.due_on, Customer.name, Milestone.name)
        .limit(limit)
    )
    shown = [
        MilestoneView(name=name, due_on=due_on, done_on=done, service_name=service, customer_name=customer)
        for name, due_on, done, service, customer in rows
    ]
    return shown, int(total)


def portfolio_status(session: Session, ctx: QueryContext) -> PortfolioStatus:
    team_id, now, today, week = ctx.team_id, ctx.now, ctx.today, ctx.week
    milestones, milestones_total = milestones_due(session, team_id, first_day=week.first_day, last_day=week.last_day)
    health = portfolio_health(session, ctx)
    needing_attention = health.needing_attention()
    return PortfolioStatus(
        as_of=now,
        active_services=health.active,
        health_counts=health.health_counts,
        phase_counts=health.phase_counts,
        deliverables=deliverable_tally(session, team_id, today=today),
        overdue_tickets=overdue_ticket_count(session, team_id, now=now),
        milestones_this_week=milestones, milestones_this_week_total=milestones_total,
        needing_attention=needing_attention.views,
    )
