"""What a scheduler's tick claims: every open ticket that crossed a threshold since the last tick.

The marks due at `now` are read through their index (a few rows a minute, whatever the number of
tickets). For each, the highest threshold the ticket has crossed is claimed in the warnings ledger
(one row per ticket and threshold: a second scheduler, or a restart, finds it written and claims
nothing), and its mark moves to the next threshold, or goes once the ticket is resolved or breached.
A ticket that jumped two thresholds between ticks (a long pause, a snooze) is warned once, at the
higher: the lower is never claimed. A snoozed ticket's mark waits for the end of its snooze. All of it
is one transaction, committed before anything is posted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Integer, bindparam, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from store.context import QueryContext
from store.db import mapped_table
from store.enums import DeliveryStatus
from store.ledger import expire_stale, finish_claims
from store.models import SlaMark, Ticket, TicketSnooze, TicketWarning, UTCDateTime
from store.rules.sla import Mark
from store.sla.schedule import ensure_schedule

# At most this many crossings are claimed by one call; the rest wait for the next tick.
MOST_PER_TICK = 1_000


@dataclass(frozen=True)
class Crossing:
    """A claimed warning: the ticket crossed `level` percent of its SLA at `crossed_at`."""

    warning_id: int
    ticket_id: int
    level: int
    crossed_at: datetime


@dataclass(frozen=True)
class WarningOutcome:
    warning_id: int
    status: DeliveryStatus
    error: str | None = None


def claim_crossings(session: Session, ctx: QueryContext, *, claimed_by: str,
                    limit: int = MOST_PER_TICK) -> list[Crossing]:
    """Claim the thresholds (of `ctx.sla`) crossed by `ctx.now` that nobody has claimed, and move their
    marks on."""
    policy = ctx.sla
    ensure_schedule(session, ctx)
    query = (select(SlaMark.ticket_id, SlaMark.level, Ticket.opened_at, Ticket.due_at, Ticket.resolved_at,
                    TicketSnooze.until)
             .join(Ticket, Ticket.id == SlaMark.ticket_id)
             .outerjoin(TicketSnooze, TicketSnooze.ticket_id == SlaMark.ticket_id)
             .where(SlaMark.team_id == ctx.team_id, SlaMark.at <= ctx.now)
             .order_by(SlaMark.at).limit(limit))
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        # Another scheduler's tick takes the rows it locked; this one takes the rest.
        query = query.with_for_update(of=SlaMark, skip_locked=True)
    wanted: list[tuple[int, int, datetime, DeliveryStatus]] = []
    moved: list[dict[str, object]] = []
    gone: list[int] = []
    for ticket_id, mark_level, opened_at, due_at, resolved_at, snoozed_until in session.execute(query):
        if resolved_at is not None:
            gone.append(ticket_id)
            continue
        if snoozed_until is not None and snoozed_until > ctx.now:
            # Held: looked at again when the snooze ends, at whatever threshold it has crossed by then.
            moved.append({"ticket": ticket_id, "next_level": mark_level, "next_at": snoozed_until})
            continue
        level = max(mark_level, policy.crossed(opened_at, due_at, ctx.now) or mark_level)
        crossed_at = next(mark.at for mark in policy.marks(opened_at, due_at) if mark.level == level) \
            if level in policy.all_levels else ctx.now
        # A breach no tick saw for a while is recorded as missed; a snooze that ended held it back until then.
        late = policy.old_breach(Mark(level, max(crossed_at, snoozed_until or crossed_at)), ctx.now)
        wanted.append((ticket_id, level, crossed_at, DeliveryStatus.MISSED if late else DeliveryStatus.PENDING))
        following = policy.next_mark(opened_at, due_at, level)
        if following is None:
            gone.append(ticket_id)
        else:
            moved.append({"ticket": ticket_id, "next_level": following.level, "next_at": following.at})
    if gone:
        session.execute(delete(SlaMark).where(SlaMark.ticket_id.in_(gone)))
    if moved:
        marks = mapped_table(SlaMark)
        session.execute(update(marks).where(marks.c.ticket_id == bindparam("ticket", type_=Integer()))
                        .values(level=bindparam("next_level", type_=Integer()),
                                at=bindparam("next_at", type_=UTCDateTime())), moved)
    return _claim(session, ctx, wanted, claimed_by, postgres)


def _claim(session: Session, ctx: QueryContext, wanted: list[tuple[int, int, datetime, DeliveryStatus]],
           claimed_by: str, postgres: bool) -> list[Crossing]:
    """Write the ledger rows nobody wrote first; the pending ones are this tick's to post."""
    if not wanted:
        return []
    rows = [{"team_id": ctx.team_id, "ticket_id": ticket_id, "level": level, "crossed_at": crossed_at,
             "status": status.value, "claimed_at": ctx.now, "claimed_by": claimed_by,
             "finished_at": None if status == DeliveryStatus.PENDING else ctx.now}
            for ticket_id, level, crossed_at, status in wanted]
    dialect = postgresql if postgres else sqlite
    statement = (dialect.insert(TicketWarning).values(rows)
                 .on_conflict_do_nothing(index_elements=["team_id", "ticket_id", "level"])
                 .returning(TicketWarning.id, TicketWarning.ticket_id, TicketWarning.level, TicketWarning.crossed_at,
                            TicketWarning.status))
    claimed = [Crossing(*row[:4]) for row in session.execute(statement) if row[4] == DeliveryStatus.PENDING.value]
    return sorted(claimed, key=lambda crossing: (crossing.crossed_at, crossing.ticket_id))


def finish_warnings(session: Session, ctx: QueryContext, *, outcomes: Sequence[WarningOutcome]) -> None:
    """Record how each claim ended, in one statement."""
    finish_claims(session, ctx, TicketWarning, "id", [(o.warning_id, o.status, o.error) for o in outcomes])


def expire_stale_warnings(session: Session, ctx: QueryContext, *, claimed_before: datetime) -> int:
    """Claims still pending from a process that stopped: uncertain, never posted again (`expire_stale`)."""
    return expire_stale(session, ctx, TicketWarning, claimed_before=claimed_before)


def warnings_of(session: Session, ctx: QueryContext) -> list[tuple[int, int, str]]:
    """(ticket id, level, status) of every claimed warning, in claim order: for tests and the CLI."""
    return list(session.execute(select(TicketWarning.ticket_id, TicketWarning.level, TicketWarning.status)
                                .where(TicketWarning.team_id == ctx.team_id).order_by(TicketWarning.id)))
