"""Each open ticket's next SLA threshold and its instant (`sla_marks`), kept so that a tick reads only
the marks crossed since, through `ix_sla_marks_team_at`, never every ticket.

The marks are computed in Python (working hours need the calendar) for every open ticket at once:
when a team has none yet, after a bulk load (`forget_schedule`), and when the policy's thresholds or
working hours change (its fingerprint). Between those, each tick marks the tickets added since the
last one (ids above the highest it saw), and moves each crossed mark to the next threshold itself
(store/sla/crossings.py); a ticket resolved meanwhile loses its mark when reached.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from store.context import QueryContext
from store.models import SlaMark, SlaSchedule, Ticket, TicketWarning
from store.rules.sla import BREACH, Mark, SlaPolicy

# Marks are written this many at a time when a team's are computed again.
BATCH = 5_000


def forget_schedule(session: Session, team_id: str) -> None:
    """The team's marks are computed again at the next tick (after a load that added or changed tickets)."""
    session.execute(delete(SlaSchedule).where(SlaSchedule.team_id == team_id))


def ensure_schedule(session: Session, ctx: QueryContext) -> int | None:
    """Compute the team's marks again when they were made by another policy than `ctx.sla` or not at
    all, and how many open tickets were scheduled then; otherwise schedule the tickets added since the
    last tick (by id) and return None. On PostgreSQL the team's schedule row is locked first, so two
    schedulers never compute them at once."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(dialect.insert(SlaSchedule).values(team_id=ctx.team_id, fingerprint="", scheduled_at=ctx.now,
                                                       last_ticket_id=0)
                    .on_conflict_do_nothing(index_elements=["team_id"]))
    current, last_ticket_id = session.execute(
        select(SlaSchedule.fingerprint, SlaSchedule.last_ticket_id).where(SlaSchedule.team_id == ctx.team_id)
        .with_for_update()).one()
    wanted = ctx.sla.fingerprint()
    if current == wanted:
        _, newest = _schedule(session, ctx, ctx.sla, after_id=last_ticket_id)
        if newest > last_ticket_id:
            session.execute(update(SlaSchedule).where(SlaSchedule.team_id == ctx.team_id)
                            .values(last_ticket_id=newest))
        return None
    session.execute(delete(SlaMark).where(SlaMark.team_id == ctx.team_id))
    scheduled, newest = _schedule(session, ctx, ctx.sla, after_id=0)
    session.execute(update(SlaSchedule).where(SlaSchedule.team_id == ctx.team_id)
                    .values(fingerprint=wanted, scheduled_at=ctx.now, last_ticket_id=newest))
    return scheduled


def _schedule(session: Session, ctx: QueryContext, policy: SlaPolicy, *, after_id: int) -> tuple[int, int]:
    """Mark the team's open tickets with an id above `after_id`: how many, and the highest id seen (any ticket).
    A ticket already warned of is marked at its next threshold; one breached longer ago than the policy's
    catch-up is not marked (switching warnings on does not post every old breach)."""
    newest = session.scalar(select(func.max(Ticket.id)).where(Ticket.team_id == ctx.team_id,
                                                              Ticket.id > after_id)) or after_id
    warned = _warned_levels(session, ctx, after_id)
    # The open tickets only (a resolved one has no next threshold), up to the newest id read above, so a
    # ticket added meanwhile is left to the next tick: reading every ticket held the whole table in memory
    # (500,000 rows and 280 MB at 10,000 services) to mark the 11,000 open ones.
    tickets = session.execute(select(Ticket.id, Ticket.opened_at, Ticket.due_at).where(
        Ticket.team_id == ctx.team_id, Ticket.id > after_id, Ticket.id <= newest, Ticket.resolved_at.is_(None)))
    rows: list[dict[str, object]] = []
    count = 0
    for ticket_id, opened_at, due_at in tickets:
        mark = policy.next_mark(opened_at, due_at, warned.get(ticket_id))
        if mark is None or policy.old_breach(Mark(BREACH, due_at), ctx.now):
            continue
        rows.append(_row(ctx, ticket_id, mark))
        if len(rows) >= BATCH:
            count += _write(session, rows)
    return count + _write(session, rows), newest


def _warned_levels(session: Session, ctx: QueryContext, after_id: int) -> dict[int, int]:
    """The highest threshold claimed so far of each of the team's tickets above `after_id`."""
    return {ticket_id: level for ticket_id, level in session.execute(
        select(TicketWarning.ticket_id, func.max(TicketWarning.level))
        .where(TicketWarning.team_id == ctx.team_id, TicketWarning.ticket_id > after_id)
        .group_by(TicketWarning.ticket_id))}


def _row(ctx: QueryContext, ticket_id: int, mark: Mark) -> dict[str, object]:
    return {"ticket_id": ticket_id, "team_id": ctx.team_id, "level": mark.level, "at": mark.at}


def _write(session: Session, rows: list[dict[str, object]]) -> int:
    written = len(rows)
    if rows:
        session.execute(insert(SlaMark), rows)
        rows.clear()
    return written


def next_marks(session: Session, ctx: QueryContext) -> list[tuple[int, int, datetime]]:
    """(ticket id, level, at) of every mark the team has, soonest first: for tests and the CLI."""
    return [(ticket_id, level, at) for ticket_id, level, at in session.execute(
        select(SlaMark.ticket_id, SlaMark.level, SlaMark.at)
        .where(SlaMark.team_id == ctx.team_id).order_by(SlaMark.at, SlaMark.ticket_id))]
