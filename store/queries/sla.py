"""Tickets as their SLA warnings show them (the rules are store.rules.sla; the schedule and the
warnings ledger are store.sla)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from store.context import QueryContext
from store.models import Customer, Person, Service, Ticket, TicketSnooze
from store.readmodels import PersonRef
from store.readmodels.sla import SlaRollupView, SlaWarningView
from store.rules.sla import HoldReason
from store.sla import held_warnings

# The rolled-up warnings one summary message lists; the rest are counted.
MAX_ROLLED_UP_SHOWN = 30


def _person(name: str | None, slack_user_id: str | None) -> PersonRef | None:
    return None if name is None else PersonRef(name=name, slack_user_id=slack_user_id)


def sla_warnings(session: Session, ctx: QueryContext, *, ticket_ids: Iterable[int]) -> dict[int, SlaWarningView]:
    """Each of the team's tickets among `ticket_ids` as its warning shows it now, in one statement."""
    wanted = sorted(set(ticket_ids))
    if not wanted:
        return {}
    owner, lead, snoozer = aliased(Person), aliased(Person), aliased(Person)
    rows = session.execute(
        select(Ticket.id, Ticket.version, Ticket.title, Customer.name, Ticket.priority, Ticket.type, Ticket.opened_at,
               Ticket.due_at, Ticket.resolved_at, owner.name, owner.slack_user_id, Service.id, Service.name,
               lead.name, lead.slack_user_id, TicketSnooze.until, TicketSnooze.reason, snoozer.name,
               snoozer.slack_user_id)
        .join(Customer, Customer.id == Ticket.customer_id)
        .outerjoin(owner, owner.id == Ticket.owner_id)
        .outerjoin(Service, Service.id == Ticket.service_id)
        .outerjoin(lead, lead.id == Service.owner_id)
        .outerjoin(TicketSnooze, TicketSnooze.ticket_id == Ticket.id)
        .outerjoin(snoozer, snoozer.id == TicketSnooze.snoozed_by_id)
        .where(Ticket.team_id == ctx.team_id, Ticket.id.in_(wanted)))
    policy = ctx.sla
    hours = policy.hours.describe() if policy.hours is not None else None
    views = {}
    for (ticket_id, version, title, customer, priority, kind, opened_at, due_at, resolved_at, owner_name,
         owner_slack, service_id, service_name, lead_name, lead_slack, snoozed_until, snooze_reason, snoozer_name,
         snoozer_slack) in rows:
        until = resolved_at or ctx.now
        snoozed = snoozed_until is not None and snoozed_until > ctx.now and resolved_at is None
        views[ticket_id] = SlaWarningView(
            ticket_id=ticket_id, version=version, title=title, customer_name=customer, priority=priority, type=kind,
            opened_at=opened_at, due_at=due_at, resolved_at=resolved_at, owner=_person(owner_name, owner_slack),
            service_id=service_id, service_name=service_name, lead=_person(lead_name, lead_slack), as_of=ctx.now,
            level=policy.crossed(opened_at, due_at, until), share=policy.share(opened_at, due_at, until),
            levels=policy.levels, working_hours=hours, snoozed_until=snoozed_until if snoozed else None,
            snoozed_by=_person(snoozer_name, snoozer_slack) if snoozed else None,
            snooze_reason=snooze_reason if snoozed else None)
    return views


def sla_warning(session: Session, ctx: QueryContext, *, ticket_id: int) -> SlaWarningView:
    """One ticket's warning as it stands now; LookupError when the team has no such ticket."""
    found = sla_warnings(session, ctx, ticket_ids=[ticket_id]).get(ticket_id)
    if found is None:
        raise LookupError(f"no ticket {ticket_id} in this workspace")
    return found


def rolled_up(session: Session, ctx: QueryContext, *, channel_id: str, hour: datetime) -> SlaRollupView:
    """The warnings rolled into a channel's summary for the clock hour starting at `hour` (past its budget),
    resolved ones included (the summary says so), newest first."""
    items, total = held_warnings(session, ctx, since=hour, until=hour + timedelta(hours=1), place=channel_id,
                                 reason=HoldReason.ROLLED_UP, open_only=False, limit=MAX_ROLLED_UP_SHOWN)
    return SlaRollupView(channel_id=channel_id, hour=hour, items=items, total=total, as_of=ctx.now,
                         posts_per_hour=ctx.sla.channel_posts_per_hour)
