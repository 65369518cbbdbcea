"""What the morning digests show: the at-risk digest and the overdue-ticket digest.

Each is a fixed number of statements whatever the portfolio size (the personal digest is
`store.queries.mine.my_day`, the weekly portfolio `store.queries.weekly.weekly_portfolio`).
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.clock import local_midnight
from store.context import QueryContext
from store.enums import Health
from store.health import portfolio_health
from store.models import Ticket
from store.queries.at_risk import MAX_HELD, blocked_deliverables, snoozed_blocked_count
from store.queries.capacity import overloaded_people
from store.queries.milestones import milestones_in_trouble
from store.queries.tickets import Window, count_if, oldest_overdue_tickets, overdue_ticket_counts
from store.readmodels.digests import AtRiskDigestData, OverdueTicketsDigestData, TicketDay
from store.sla import HELD_LOOKBACK, held_warnings

MAX_BLOCKED = 20
MAX_MILESTONES = 20
MAX_OVERDUE = 25


def at_risk_digest(session: Session, ctx: QueryContext) -> AtRiskDigestData:
    """At Risk and Needs Attention services, blocked deliverables, overloaded people, milestones in trouble,
    and the SLA warnings the bot held back in the last day (as `/delivery at-risk` lists them).

    Blocked deliverables snoozed now are counted, not listed. Twenty statements, twenty-one when some warnings
    were held: services' health (6) and the names of those shown (2), blocked deliverables (4) and those snoozed
    (1), overloaded people (4), milestones (2), held warnings (1 or 2).
    """
    # Longest in its state first; a service with no start for its state (an override) last.
    services = portfolio_health(session, ctx).by_health()
    # Snoozed ones wait for their snooze's end (store.escalations): counted, not listed.
    blocked, blocked_total = blocked_deliverables(session, ctx, MAX_BLOCKED, snoozed=False)
    snoozed_total = snoozed_blocked_count(session, ctx)
    overloaded = overloaded_people(session, ctx)
    milestones = milestones_in_trouble(session, ctx, limit=MAX_MILESTONES)
    held, held_total = held_warnings(session, ctx, since=ctx.now - HELD_LOOKBACK, limit=MAX_HELD)
    return AtRiskDigestData(
        as_of=ctx.now,
        at_risk=services[Health.AT_RISK].views, at_risk_total=services[Health.AT_RISK].total,
        needs_attention=services[Health.NEEDS_ATTENTION].views,
        needs_attention_total=services[Health.NEEDS_ATTENTION].total,
        blocked=blocked, blocked_total=blocked_total, snoozed_total=snoozed_total,
        overloaded=overloaded.people, overloaded_total=overloaded.total,
        milestones=milestones.items, milestones_total=milestones.total, held=held, held_total=held_total,
    )


def ticket_day(session: Session, ctx: QueryContext, *, day: date) -> TicketDay:
    """Tickets opened and resolved on `day` (midnight to midnight in the organisation's zone): one statement."""
    window = Window(local_midnight(day, ctx.tz), local_midnight(day + timedelta(days=1), ctx.tz))
    opened, resolved = session.execute(
        select(count_if(window.holds(Ticket.opened_at)), count_if(window.holds(Ticket.resolved_at))).where(
            Ticket.team_id == ctx.team_id,
            (Ticket.opened_at >= window.start) | (Ticket.resolved_at >= window.start),
        )
    ).one()
    return TicketDay(day=day, opened=int(opened or 0), resolved=int(resolved or 0))


def overdue_tickets_digest(session: Session, ctx: QueryContext) -> OverdueTicketsDigestData:
    """Overdue tickets oldest first, how many there are, and yesterday's flow: three statements."""
    this_week = Window(ctx.week.start, max(ctx.week.start, min(ctx.now, ctx.week.end)))
    total, _ = overdue_ticket_counts(session, ctx.team_id, ctx.now, this_week)
    return OverdueTicketsDigestData(
        as_of=ctx.now,
        overdue=oldest_overdue_tickets(session, ctx.team_id, ctx.now, MAX_OVERDUE),
        overdue_total=total,
        yesterday=ticket_day(session, ctx, day=ctx.today - timedelta(days=1)),
    )
