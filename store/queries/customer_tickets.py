"""Each customer's tickets in the relationship windows, from tallies kept at a checkpoint.

A customer's relationship reads its tickets opened in the last W days and the W before, and those
resolved late (after their due time) in the last W days: counted from the tickets, that is every
ticket of 2W days (about 98,000 at 10,000 services), most of `/delivery customers`. Instead each
customer's three counts are kept as of a checkpoint T0 (`keep_customer_tickets`), and at any `now` near
T0 they follow exactly from those and the tickets that crossed a window's edge in between:

    opened(now)        = opened(T0)        + opened in (T0, now]          - opened in (T0 - W, now - W]
    opened_before(now) = opened_before(T0) + opened in (T0 - W, now - W]  - opened in (T0 - 2W, now - 2W]
    late(now)          = late(T0)          + resolved late in (T0, now]   - resolved late in (T0 - W, now - W]

(with the signs turned when `now` is before T0): the tickets of an hour, not of eight weeks.

The tallies are never read after a change that moved one of them: the triggers of migration 0025 clear
the team's checkpoint in the writing transaction, and readers then count from the tickets until the next
refresh. Resolving a ticket now moves no count as of T0 (it is among the crossings), so clicks keep the
tallies. A refresh holds off writers of tickets while it counts, as the engagement tallies' does
(`store.health.tallies`), and runs after bulk writes and on the scheduler.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from functools import cache
from typing import NamedTuple

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    CompoundSelect,
    Integer,
    Select,
    bindparam,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.orm import Session, sessionmaker

from store.context import QueryContext
from store.models import Ticket, TicketCheckpoint, TicketTally, UTCDateTime
from store.queries.id_lists import id_in
from store.rules.relationship import RELATIONSHIP_THRESHOLDS
from store.tally_checkpoints import HORIZON, REFRESH_EVERY, count_holding_writers, crossing_parameters

# A refresh waits this long at most for writers of tickets to commit (PostgreSQL).
LOCK_WAIT = "5s"


class TicketCounts(NamedTuple):
    opened: int  # tickets opened in the last window
    opened_before: int  # in the window before it
    late: int  # resolved after their due time in the last window


NO_TICKETS = TicketCounts(0, 0, 0)


def _window() -> timedelta:
    return timedelta(days=RELATIONSHIP_THRESHOLDS.ticket_window_days)


def _of_customers(customer_ids: Collection[int] | None) -> list[ColumnElement[bool]]:
    return [] if customer_ids is None else [id_in(Ticket.customer_id, customer_ids, "ticket_customer_ids")]


def counted_at(team_id: str, now: datetime, customer_ids: Collection[int] | None = None) -> Select:
    """(customer_id, opened, opened_before, late) of every customer of the team (or of `customer_ids`)
    with a ticket counted in a window ending at `now`, counted from the tickets."""
    window = _window()
    start, before = now - window, now - 2 * window
    mine = [Ticket.team_id == team_id, *_of_customers(customer_ids)]
    zero = literal_column("0", Integer())
    # Each part a range of one covering index (tickets by team and opened; by team, resolved and due),
    # grouped before they are put together.
    opened = (select(Ticket.customer_id.label("customer_id"),
                     func.sum(case((Ticket.opened_at > start, 1), else_=0)).label("opened"),
                     func.sum(case((Ticket.opened_at <= start, 1), else_=0)).label("opened_before"),
                     zero.label("late"))
              .where(*mine, Ticket.opened_at > before, Ticket.opened_at <= now).group_by(Ticket.customer_id))
    late = (select(Ticket.customer_id.label("customer_id"), zero.label("opened"), zero.label("opened_before"),
                   func.count().label("late"))
            .where(*mine, Ticket.resolved_at > start, Ticket.resolved_at <= now, Ticket.resolved_at > Ticket.due_at)
            .group_by(Ticket.customer_id))
    parts = union_all(opened, late).subquery()
    # As integers: PostgreSQL sums to numeric, which reaches Python as Decimal, slow to convert.
    return select(parts.c.customer_id, *(cast(func.sum(parts.c[name]), Integer) for name in TicketCounts._fields)
                  ).group_by(parts.c.customer_id)


def keep_customer_tickets(sessions: sessionmaker[Session], ctx: QueryContext, *, force: bool = True) -> bool:
    """Count the team's tallies at `ctx.now` and make that the checkpoint, in one transaction (unless
    `force` is off and the checkpoint is younger than `REFRESH_EVERY`). False (and nothing changed) when
    it did not count: not due, writers held the tickets too long, or the database was busy; answers then
    count from the tickets, as before."""
    team_id, now = ctx.team_id, ctx.now
    if not force:
        with sessions() as session:
            as_of = _as_of(session, team_id)
        if as_of is not None and abs(now - as_of) < REFRESH_EVERY:
            return False

    def count(session: Session) -> None:
        session.execute(delete(TicketTally).where(TicketTally.team_id == team_id))
        counts = counted_at(team_id, now).subquery()
        session.execute(insert(TicketTally).from_select(
            ["team_id", "customer_id", *TicketCounts._fields], select(literal(team_id), *counts.c)))
        session.merge(TicketCheckpoint(team_id=team_id, as_of=now,
                                       window_days=RELATIONSHIP_THRESHOLDS.ticket_window_days))

    return count_holding_writers(sessions, table="tickets", lock_wait=LOCK_WAIT,
                                 what=f"customer ticket tallies of {team_id}", count=count)


def _as_of(session: Session, team_id: str) -> datetime | None:
    return session.scalar(select(TicketCheckpoint.as_of).where(
        TicketCheckpoint.team_id == team_id,
        TicketCheckpoint.window_days == RELATIONSHIP_THRESHOLDS.ticket_window_days))


def _crossed(edge: int, *, late: bool, adds: tuple[int, int, int]) -> Select:
    """The tickets opened (or resolved late) between the edge's two moments, each adding `adds` to
    (opened, opened_before, late)."""
    moment = Ticket.resolved_at if late else Ticket.opened_at
    return select(Ticket.customer_id, *(literal_column(str(n)).label(name)
                                        for n, name in zip(adds, TicketCounts._fields, strict=True))).where(
        Ticket.team_id == bindparam("team_id"),
        moment > bindparam(f"low{edge}", type_=UTCDateTime()), moment <= bindparam(f"high{edge}", type_=UTCDateTime()),
        *([Ticket.resolved_at > Ticket.due_at] if late else []))


@cache
def _from_tallies(customers: bool) -> CompoundSelect:
    """(customer_id, opened, opened_before, late) of every customer of the team (or of the bound
    `customer_ids`, when `customers`) with a tally or a ticket that crossed an edge since the checkpoint;
    and a row with no customer while the checkpoint is the one read: in this same statement (one
    snapshot on both databases), it tells that the tallies read are those of the checkpoint read before.
    Built once: its parameters are bound at each execution."""
    team_id: BindParameter[str] = bindparam("team_id")
    sign: BindParameter[int] = bindparam("sign", type_=Integer())
    # Edge 0 is the last window's end, 1 its start (the window before's end), 2 the window before's start.
    crossed = union_all(
        _crossed(0, late=False, adds=(1, 0, 0)), _crossed(1, late=False, adds=(-1, 1, 0)),
        _crossed(2, late=False, adds=(0, -1, 0)),
        _crossed(0, late=True, adds=(0, 0, 1)), _crossed(1, late=True, adds=(0, 0, -1)),
    ).subquery()
    tally = TicketTally
    tallies = select(tally.customer_id, tally.opened, tally.opened_before, tally.late).where(tally.team_id == team_id)
    moved = select(crossed.c.customer_id, *(crossed.c[name] * sign for name in TicketCounts._fields))
    if customers:
        wanted: BindParameter[list[int]] = bindparam("customer_ids", expanding=True)
        tallies, moved = tallies.where(tally.customer_id.in_(wanted)), moved.where(crossed.c.customer_id.in_(wanted))
    rows = union_all(tallies, moved).subquery()
    summed = (select(rows.c.customer_id, *(cast(func.sum(rows.c[name]), Integer) for name in TicketCounts._fields))
              .group_by(rows.c.customer_id))
    still = select(null(), *(literal_column("0", Integer()) for _ in TicketCounts._fields)).where(
        TicketCheckpoint.team_id == team_id,
        TicketCheckpoint.as_of == bindparam("as_of", type_=UTCDateTime()),
        TicketCheckpoint.window_days == bindparam("window_days", type_=Integer()))
    return union_all(summed, still)


def customer_ticket_counts(session: Session, ctx: QueryContext,
                           customer_ids: Collection[int] | None = None) -> dict[int, TicketCounts]:
    """Each customer's (or these customers') tickets opened in the last window and the one before and
    resolved late in the last, as counting the tickets gives: from the tallies when a checkpoint is near,
    else counted from the tickets. Customers with none are left out."""
    as_of = _as_of(session, ctx.team_id)
    if as_of is not None and abs(ctx.now - as_of) <= HORIZON:
        customers = {} if customer_ids is None else {"customer_ids": sorted(int(i) for i in customer_ids)}
        found = session.execute(_from_tallies(customer_ids is not None), {
            "team_id": ctx.team_id, "as_of": as_of, "window_days": RELATIONSHIP_THRESHOLDS.ticket_window_days,
            **customers, **crossing_parameters(as_of, ctx.now, _window()),
        }).all()
        if any(row[0] is None for row in found):
            return {row[0]: TicketCounts._make(row[1:]) for row in found if row[0] is not None and any(row[1:])}
    rows = session.connection().execute(counted_at(ctx.team_id, ctx.now, customer_ids)).all()
    return {row[0]: TicketCounts._make(row[1:]) for row in rows}
