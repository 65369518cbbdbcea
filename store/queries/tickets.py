"""The ticket report behind `/delivery tickets [by customer|type|owner]`.

Five SQL statements whatever the number of tickets: the two weeks' flow (opened; resolved,
average resolution and the SLA numerator, each week its own index range), the overdue count, the oldest
overdue tickets (at most `limit` rows), and the breakdown (a row per group that can rank first). No statement
loads tickets one by one, so the cost stays flat at hundreds of thousands of tickets. The breakdown
is ranked on plain tuples and only the groups an answer can show become read models: at 10,000
customers, building a model for each was most of the report's time.
Definitions are those of `store.metrics`.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Float, and_, case, func, literal, select, true, union_all
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

from store.context import QueryContext
from store.models import Customer, Person, Ticket
from store.readmodels import PersonRef
from store.readmodels.tickets import (
    UNASSIGNED,
    OverdueTicket,
    SlaCompliance,
    TicketGroup,
    TicketGrouping,
    TicketReport,
    WeekFlow,
)

SLA_TARGET = 0.95
OVERDUE_LIMIT = 25
# The breakdown's groups the report carries (the rest are only counted, in `group_total`). A Slack
# message holds at most 50 blocks, so no answer lists more than 50 rows of one list.
MAX_SHOWN_GROUPS = 50


class duration_seconds(FunctionElement):
    """Seconds from the first timestamp to the second, computed by the database.

    There is no portable SQL for subtracting timestamps: PostgreSQL subtracts them into an
    interval and reads its epoch, SQLite (which stores them as text) goes through julianday().
    Doing it in SQL lets the average be an aggregate instead of loading every resolved ticket.
    """

    type = Float()
    name = "duration_seconds"
    inherit_cache = True


@compiles(duration_seconds)
def _duration_postgresql(element, compiler, **kw) -> str:
    start, end = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"EXTRACT(EPOCH FROM ({end} - {start}))"


@compiles(duration_seconds, "sqlite")
def _duration_sqlite(element, compiler, **kw) -> str:
    start, end = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"((julianday({end}) - julianday({start})) * 86400.0)"


@dataclass(frozen=True)
class Window:
    """A half-open time range [start, end) in UTC."""

    start: datetime
    end: datetime

    def holds(self, column) -> ColumnElement[bool]:
        return and_(column >= self.start, column < self.end)


def count_if(condition: ColumnElement[bool]):
    return func.sum(case((condition, 1), else_=0))


def _flow(session: Session, team_id: str, this: Window, last: Window) -> tuple[WeekFlow, WeekFlow, int]:
    """Both weeks' opened, resolved and average hours, plus tickets resolved in time this week.

    Two statements (opened, resolved), each aggregating every week over its own index range: one range
    over both weeks with a CASE per figure and week cost more in conditions than in reading. Nor one
    statement over "opened or resolved since", which no index answers and which reads every ticket.
    """
    def opened_in(window: Window):
        return select(func.count()).where(Ticket.team_id == team_id, window.holds(Ticket.opened_at)).scalar_subquery()

    opened = session.execute(select(opened_in(this), opened_in(last))).one()
    hours = duration_seconds(Ticket.opened_at, Ticket.resolved_at) / 3600.0

    def resolved_in(window: Window, *figures):
        return select(func.count(), func.avg(hours), *figures).where(
            Ticket.team_id == team_id, window.holds(Ticket.resolved_at)
        ).subquery()

    this_resolved = resolved_in(this, count_if(Ticket.resolved_at <= Ticket.due_at))
    last_resolved = resolved_in(last)
    resolved = session.execute(
        select(*this_resolved.c, *last_resolved.c).select_from(this_resolved.join(last_resolved, true()))
    ).one()
    flows = [
        WeekFlow(opened=int(count_opened or 0), resolved=int(count_resolved or 0),
                 avg_resolution_hours=None if average is None else float(average))
        for count_opened, (count_resolved, average) in zip(opened, (resolved[0:2], resolved[3:5]), strict=True)
    ]
    return flows[0], flows[1], int(resolved[2] or 0)


def overdue_ticket_counts(session: Session, team_id: str, now: datetime, this: Window) -> tuple[int, int]:
    """All overdue tickets, and those whose due time fell this week (the SLA's open breaches)."""
    total, this_week = session.execute(
        select(func.count(), count_if(Ticket.due_at >= this.start)).where(
            Ticket.team_id == team_id, Ticket.resolved_at.is_(None), Ticket.due_at < now
        )
    ).one()
    return int(total or 0), int(this_week or 0)


def oldest_overdue_tickets(session: Session, team_id: str, now: datetime, limit: int, *,
                           owner_id: int | None = None) -> list[OverdueTicket]:
    """Overdue tickets (of one owner's, when given), oldest breach first, at most `limit`."""
    overdue = [Ticket.team_id == team_id, Ticket.resolved_at.is_(None), Ticket.due_at < now]
    if owner_id is not None:
        overdue.append(Ticket.owner_id == owner_id)
    # The first few chosen from the tickets alone, then joined to their names: in one join
    # PostgreSQL hashed every customer and person (13,000 rows) to name the 1,900 overdue tickets.
    first = select(Ticket.id).where(*overdue).order_by(Ticket.due_at, Ticket.id).limit(limit).subquery()
    rows = session.execute(
        select(Ticket, Customer.name, Person.name, Person.slack_user_id)
        .join(first, first.c.id == Ticket.id)
        .join(Customer, Customer.id == Ticket.customer_id)
        .outerjoin(Person, Person.id == Ticket.owner_id)
        .order_by(Ticket.due_at, Ticket.id)
    )
    return [
        OverdueTicket(
            key=ticket.key, title=ticket.title, customer_name=customer, type=ticket.type,
            priority=ticket.priority, opened_at=ticket.opened_at, due_at=ticket.due_at, age=now - ticket.due_at,
            owner=PersonRef(name=owner, slack_user_id=slack_id) if owner is not None else None,
            ticket_id=ticket.id, version=ticket.version, service_id=ticket.service_id,
        )
        for ticket, customer, owner, slack_id in rows
    ]


def _group_key(grouping: TicketGrouping) -> InstrumentedAttribute[int | str | None]:
    """The ticket column the breakdown groups by. Customers and owners group by id (two people
    who share a name stay apart), and are named after grouping."""
    keys: dict[TicketGrouping, InstrumentedAttribute[int | str | None]] = {
        TicketGrouping.CUSTOMER: Ticket.customer_id, TicketGrouping.OWNER: Ticket.owner_id}
    return keys.get(grouping, Ticket.type)


def _rank(group: tuple[str, int, int, int]) -> tuple[int, str, str]:
    """Open now descending, then name (case-insensitive first, so the order is the same on every database)."""
    return -group[1], group[0].casefold(), group[0]


def _breakdown(session: Session, team_id: str, grouping: TicketGrouping, this: Window,
               limit: int) -> tuple[list[TicketGroup], int]:
    """The first `limit` groups with a ticket open now, opened or resolved this week, and how many there are.

    Each kind of ticket counted is one index range, counted per group on its own; the indexes hold
    the grouping columns, so no ticket row is read ("open or opened or resolved" in one WHERE would
    read every ticket). The three counts are then added per group and named. A ticket in two ranges
    is counted once in each column. Ranked here rather than in SQL: SQLite and PostgreSQL collate
    names differently, and the order must not depend on the database.
    """
    key = _group_key(grouping)
    in_range = (
        (Ticket.resolved_at.is_(None), "o"),
        (this.holds(Ticket.opened_at), "n"),
        (this.holds(Ticket.resolved_at), "r"),
    )
    ranges = union_all(*(
        select(key.label("group_key"), *((func.count() if column == counted else literal(0)).label(column)
                                         for column in ("o", "n", "r")))
        .where(Ticket.team_id == team_id, condition)
        .group_by(key)
        for condition, counted in in_range
    )).subquery()
    counts = (
        select(ranges.c.group_key, *(func.sum(ranges.c[column]).label(column) for column in ("o", "n", "r")))
        .group_by(ranges.c.group_key)
        .cte("group_counts")
    )
    # Only the groups that can rank among the first `limit` reach Python: those open at least as much
    # as the `limit`-th most open (ties included, so names still decide among them). One group per
    # customer can mean thousands; the count of all of them comes along with each row.
    cut = func.coalesce(select(counts.c.o).order_by(counts.c.o.desc()).offset(limit - 1).limit(1)
                        .scalar_subquery(), 0)
    total = select(func.count()).select_from(counts).scalar_subquery()
    named: tuple[type[Customer] | type[Person], ColumnElement[bool]] | None
    name: InstrumentedAttribute[str] | ColumnElement[str]
    if grouping == TicketGrouping.CUSTOMER:
        named, name = (Customer, Customer.id == counts.c.group_key), Customer.name
    elif grouping == TicketGrouping.OWNER:
        named, name = (Person, Person.id == counts.c.group_key), Person.name
    else:
        named, name = None, counts.c.group_key
    query = select(name, counts.c.o, counts.c.n, counts.c.r, total).select_from(counts).where(counts.c.o >= cut)
    if named is not None:
        query = query.outerjoin(*named)
    # Plain tuples, ranked, and models for the shown groups only.
    fetched = session.connection().execute(query).all()
    rows = [(UNASSIGNED if label is None else label, int(o), n, r) for label, o, n, r, _ in fetched]
    shown = heapq.nsmallest(limit, rows, key=_rank)  # the same as sorted(rows, key=_rank)[:limit]
    groups = [TicketGroup(name=label, open_now=o, opened=int(n), resolved=int(r)) for label, o, n, r in shown]
    return groups, int(fetched[0][4]) if fetched else 0


def ticket_report(
    session: Session, ctx: QueryContext, *, breakdown: str, overdue_limit: int = OVERDUE_LIMIT,
    group_limit: int = MAX_SHOWN_GROUPS,
) -> TicketReport:
    """The week's ticket flow against last week, overdue tickets, SLA compliance and a breakdown.

    `breakdown` is "customer", "type" or "owner"; anything else raises ValueError. The breakdown
    holds its first `group_limit` groups, and `group_total` counts them all.
    """
    grouping = TicketGrouping(breakdown)
    week, now = ctx.week, ctx.now
    previous = week.previous(ctx.tz)
    this, last = Window(week.start, min(now, week.end)), Window(previous.start, previous.end)
    this_flow, last_flow, met = _flow(session, ctx.team_id, this, last)
    overdue_total, open_breaches = overdue_ticket_counts(session, ctx.team_id, now, this)
    groups, group_total = _breakdown(session, ctx.team_id, grouping, this, group_limit)
    return TicketReport(
        as_of=now,
        week_first_day=week.first_day,
        this_week=this_flow,
        last_week=last_flow,
        overdue=oldest_overdue_tickets(session, ctx.team_id, now, overdue_limit),
        overdue_total=overdue_total,
        sla=SlaCompliance(met=met, resolved=this_flow.resolved, open_breaches=open_breaches, target=SLA_TARGET),
        breakdown=grouping,
        groups=groups,
        group_total=group_total,
    )
