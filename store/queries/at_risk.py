"""`/delivery at-risk`: everything that needs someone to act, worst first."""

from __future__ import annotations

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from store.context import QueryContext
from store.enums import DeliverableStatus, Health, ServiceStatus
from store.escalations import follow_ups, snoozed_now
from store.health import of_active_services, portfolio_health
from store.models import Customer, Deliverable, Person, Service
from store.queries.capacity import overloaded_people
from store.queries.lines import deliverable_line, person_ref
from store.queries.tickets import Window, oldest_overdue_tickets, overdue_ticket_counts
from store.readmodels import BlockedDeliverableView, ServiceRef
from store.readmodels.at_risk import AtRiskReport
from store.sla import HELD_LOOKBACK, held_warnings

MAX_BLOCKED = 20
MAX_OVERDUE = 15



MAX_HELD = 10  # SLA warnings held from DMs (store.sla.holds): the newest few

def blocked_deliverables(session: Session, ctx: QueryContext, limit: int = MAX_BLOCKED, *,
                         owner_id: int | None = None,
                         snoozed: bool = True) -> tuple[list[BlockedDeliverableView], int]:
    """Blocked deliverables of active services (of one owner's, when given; without those snoozed now, when
    `snoozed` is False), longest blocked first, each with its snooze and latest escalation, and how many there
    are: four statements."""
    blocked: tuple[ColumnElement[bool], ...] = (
        Deliverable.team_id == ctx.team_id, Deliverable.status == DeliverableStatus.BLOCKED,
        of_active_services(Deliverable.service_id, ctx.team_id))
    if owner_id is not None:
        blocked += (Deliverable.owner_id == owner_id,)
    if not snoozed:
        blocked += (~snoozed_now(ctx),)
    total = session.execute(select(func.count()).select_from(Deliverable).where(*blocked)).scalar_one()
    longest_first = (Deliverable.blocked_since.is_(None), Deliverable.blocked_since, Deliverable.id)
    # The first few chosen from the blocked deliverables alone, then joined to their names: in one
    # join SQLite read every service first (10,000) to find the 958 blocked deliverables.
    first = select(Deliverable.id).where(*blocked).order_by(*longest_first).limit(limit).subquery()
    rows = session.execute(
        select(Deliverable, Service.id, Service.name, Customer.name, Person.name, Person.slack_user_id)
        .join(first, first.c.id == Deliverable.id)
        .join(Service, Service.id == Deliverable.service_id)
        .join(Customer, Customer.id == Service.customer_id)
        .outerjoin(Person, Person.id == Deliverable.owner_id)
        .order_by(*longest_first)
    )
    found = [(deliverable_line(d, person_ref(owner, slack), ctx.today),
              ServiceRef(service_id=sid, service_name=sname, customer_name=cname, status=ServiceStatus.ACTIVE))
             for d, sid, sname, cname, owner, slack in rows]
    lines = follow_ups(session, ctx, [line for line, _service in found])
    views = [BlockedDeliverableView(deliverable=line, service=service)
             for line, (_line, service) in zip(lines, found, strict=True)]
    return views, total


def snoozed_blocked_count(session: Session, ctx: QueryContext) -> int:
    """Blocked deliverables of active services snoozed now: the at-risk digest leaves them out and says so."""
    return session.execute(select(func.count()).select_from(Deliverable).where(
        Deliverable.team_id == ctx.team_id, Deliverable.status == DeliverableStatus.BLOCKED,
        of_active_services(Deliverable.service_id, ctx.team_id), snoozed_now(ctx))).scalar_one()


def at_risk_report(session: Session, ctx: QueryContext) -> AtRiskReport:
    services = portfolio_health(session, ctx).by_health()
    blocked, blocked_total = blocked_deliverables(session, ctx)
    this_week = Window(ctx.week.start, min(ctx.now, ctx.week.end))
    overdue_total, _ = overdue_ticket_counts(session, ctx.team_id, ctx.now, this_week)
    overloaded = overloaded_people(session, ctx)
    held, held_total = held_warnings(session, ctx, since=ctx.now - HELD_LOOKBACK, limit=MAX_HELD)
    return AtRiskReport(
        as_of=ctx.now,
        at_risk=services[Health.AT_RISK].views, at_risk_total=services[Health.AT_RISK].total,
        needs_attention=services[Health.NEEDS_ATTENTION].views,
        needs_attention_total=services[Health.NEEDS_ATTENTION].total,
        blocked=blocked, blocked_total=blocked_total,
        overdue=oldest_overdue_tickets(session, ctx.team_id, ctx.now, MAX_OVERDUE), overdue_total=overdue_total,
        overloaded=overloaded.people, overloaded_total=overloaded.total, held=held, held_total=held_total,
    )
