"""The facts `/delivery patterns` reads, each in one statement whatever the portfolio's size: block episodes
from the audit trail and the blocked deliverables, completions with their recorded start, reopenings, and
the tickets that recur. The rules over them: store/rules/patterns.py."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import Date, String, and_, case, func, literal, null, select, type_coerce
from sqlalchemy.orm import Session, aliased

from store.clock import local_midnight
from store.enums import DONE_STATUSES, DeliverableStatus, Phase
from store.models import Customer, Deliverable, Service, StatusChange, Ticket
from store.queries.tickets import duration_seconds
from store.rules.patterns import (
    RECURRING_MIN,
    RECURRING_WINDOW,
    TITLE_CUSTOMERS,
    Episode,
    Span,
    category_of,
    near_duplicates,
    recurs,
)

if TYPE_CHECKING:
    from store.context import QueryContext

DELIVERABLE, STATUS = "deliverable", "status"


def _status_changes(ctx: QueryContext):
    """A deliverable's audited status moves (the audit trail's other fields are snoozes and escalations)."""
    return and_(StatusChange.team_id == ctx.team_id, StatusChange.object_type == DELIVERABLE,
                StatusChange.field == STATUS)


def episodes(session: Session, ctx: QueryContext, since: datetime, until: datetime) -> list[Episode]:
    """Block episodes overlapping [since, until): those still blocked, from the deliverables (their own
    blocked since and category, however they were blocked: a click, an import), and those that ended, from
    the audit trail: a move to Blocked, until the deliverable's next status move. A block from before
    categories has none, and reads as "other"."""
    current = [Episode(row.id, row.service_id, row.owner_id, category_of(row.blocked_category),
                       row.blocked_since, None)
               for row in session.execute(
                   select(Deliverable.id, Deliverable.service_id, Deliverable.owner_id, Deliverable.blocked_category,
                          Deliverable.blocked_since)
                   .where(Deliverable.team_id == ctx.team_id, Deliverable.status == DeliverableStatus.BLOCKED,
                          Deliverable.blocked_since.is_not(None), Deliverable.blocked_since < until))]
    later = aliased(StatusChange)
    ended_at = (select(func.min(later.changed_at))
                .where(later.team_id == StatusChange.team_id, later.object_type == DELIVERABLE,
                       later.object_id == StatusChange.object_id, later.field == STATUS,
                       later.changed_at > StatusChange.changed_at)
                .correlate(StatusChange).scalar_subquery())
    blocks = (select(StatusChange.object_id, StatusChange.blocker_category, StatusChange.changed_at,
                     ended_at.label("ended_at"))
              .where(_status_changes(ctx), StatusChange.to_value == DeliverableStatus.BLOCKED.value,
                     StatusChange.changed_at < until)
              .subquery())
    ended = session.execute(
        select(blocks.c.object_id, Deliverable.service_id, Deliverable.owner_id, blocks.c.blocker_category,
               blocks.c.changed_at, blocks.c.ended_at)
        .join(Deliverable, Deliverable.id == blocks.c.object_id)
        .where(blocks.c.ended_at.is_not(None), blocks.c.ended_at > since))
    return current + [Episode(row.object_id, row.service_id, row.owner_id, category_of(row.blocker_category),
                              row.changed_at, row.ended_at) for row in ended]


class Done(NamedTuple):
    """Completions (Complete or Accepted, by completion time) counted: all, those with a due date, and of them
    those completed on or before it (the completion's date in the organisation's time zone)."""

    total: int
    dated: int
    on_time: int


def _local_day(column, days: list[date], tz: ZoneInfo):
    """The organisation's date of a time on one of `days`, as SQL: a balanced tree of CASEs over the days'
    bounds, so each row is placed in a few comparisons however long the period."""
    if len(days) == 1:
        return literal(days[0], Date)
    middle = len(days) // 2
    return case((column < local_midnight(days[middle], tz), _local_day(column, days[:middle], tz)),
                else_=_local_day(column, days[middle:], tz))


def _done_in(ctx: QueryContext, since: datetime, until: datetime):
    return and_(Deliverable.team_id == ctx.team_id, Deliverable.completed_at >= since,
                Deliverable.completed_at < until, Deliverable.status.in_(DONE_STATUSES))


class DoneBy(NamedTuple):
    phase: Phase
    service_id: int
    owner_id: int | None
    done: Done


def done_counts(session: Session, ctx: QueryContext, span: Span, *, by_who: bool = True) -> list[DoneBy]:
    """Done (all, dated, on time) in the span by service (with its phase) and owner, or by phase alone: one
    statement. The phase is read as its text (converting each row's enum costs more than the statement)."""
    days = [span.first_day + timedelta(days=n) for n in range(7 * span.weeks)]
    local_day = _local_day(Deliverable.completed_at, days, ctx.tz)
    on_time = func.sum(case((Deliverable.due_on >= local_day, 1), else_=0))
    phase = type_coerce(Service.phase, String)
    groups: tuple[Any, ...] = ((phase, Deliverable.service_id, Deliverable.owner_id) if by_who
                               else (phase, null(), null()))
    rows = session.execute(
        select(*groups, func.count(), func.count(Deliverable.due_on), on_time)
        .select_from(Deliverable).join(Service, Service.id == Deliverable.service_id)
        .where(_done_in(ctx, span.start, span.end))
        .group_by(*(groups if by_who else (phase,))))
    return [DoneBy(Phase(row[0]), row[1], row[2], Done(int(row[3]), int(row[4]), int(row[5] or 0))) for row in rows]


def added_up(rows: Iterable[DoneBy], key: Callable[[DoneBy], Hashable]) -> dict[Hashable, Done]:
    sums: dict[Hashable, list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in rows:
        found = sums[key(row)]
        found[0] += row.done.total
        found[1] += row.done.dated
        found[2] += row.done.on_time
    return {which: Done(*found) for which, found in sums.items()}


class CycleSums(NamedTuple):
    """Completions with a recorded start in one group, and their days from start to completion added up."""

    label: str  # a name of the group as typed (the least, alphabetically)
    completed: int
    days: float


def cycle_sums(session: Session, ctx: QueryContext, span: Span) -> dict[tuple[Phase, str], CycleSums]:
    """Cycle times in the span by (service's phase, lower-case name), of completions with a recorded start (their
    first audited move out of Not started, no later than their completion): one statement."""
    starts = (select(StatusChange.object_id.label("deliverable_id"), func.min(StatusChange.changed_at).label("at"))
              .where(_status_changes(ctx), StatusChange.from_value == DeliverableStatus.NOT_STARTED.value)
              .group_by(StatusChange.object_id).subquery())
    name = func.lower(Deliverable.name)
    rows = session.execute(
        select(Service.phase, name, func.min(Deliverable.name), func.count(),
               func.sum(duration_seconds(starts.c.at, Deliverable.completed_at)))
        .select_from(Deliverable).join(starts, starts.c.deliverable_id == Deliverable.id)
        .join(Service, Service.id == Deliverable.service_id)
        .where(_done_in(ctx, span.start, span.end), starts.c.at <= Deliverable.completed_at)
        .group_by(Service.phase, name))
    return {(phase, lowered): CycleSums(label, int(count), float(seconds or 0) / 86400)
            for phase, lowered, label, count, seconds in rows}


def done_among(session: Session, ctx: QueryContext, span: Span, ids: set[int]) -> set[int]:
    """Which of `ids` (a few: the reopened) were completed in the span."""
    if not ids:
        return set()
    return set(session.execute(select(Deliverable.id).where(_done_in(ctx, span.start, span.end),
                                                            Deliverable.id.in_(sorted(ids)))).scalars())


def reopened(session: Session, ctx: QueryContext, span: Span) -> set[int]:
    """Deliverables moved from Complete or Accepted back to In progress within the span (the audited Reopen)."""
    return set(session.execute(
        select(StatusChange.object_id).distinct()
        .where(_status_changes(ctx), StatusChange.from_value.in_([s.value for s in DONE_STATUSES]),
               StatusChange.to_value == DeliverableStatus.IN_PROGRESS.value,
               StatusChange.changed_at >= span.start, StatusChange.changed_at < span.end)).scalars())


class TypeRepeat(NamedTuple):
    customer_name: str
    type: str
    tickets: int


class TypeRepeats(NamedTuple):
    shown: list[TypeRepeat]  # the first `limit`, most tickets first
    total: int


def type_clusters(session: Session, ctx: QueryContext, span: Span, limit: int = 5) -> TypeRepeats:
    """Each (customer, ticket type) with RECURRING_MIN or more tickets opened within four weeks of each other
    in the span, most tickets first. A span of four weeks or less holds no two tickets four weeks apart, so
    the statement's count decides (its first `limit` read with the total, in one statement); a longer span's
    pairs with that many tickets are read with their opening times, and the window checked over them."""
    in_span = and_(Ticket.team_id == ctx.team_id, Ticket.opened_at >= span.start, Ticket.opened_at < span.end)
    tickets = func.count().label("tickets")
    often = (select(Ticket.customer_id, Ticket.type, tickets).where(in_span).group_by(Ticket.customer_id, Ticket.type)
             .having(func.count() >= RECURRING_MIN).subquery())
    if span.end - span.start <= RECURRING_WINDOW:
        rows = session.execute(
            select(Customer.name, often.c.type, often.c.tickets, func.count().over().label("total"))
            .join(Customer, Customer.id == often.c.customer_id)
            .order_by(often.c.tickets.desc(), Customer.name, often.c.type).limit(limit)).all()
        return TypeRepeats([TypeRepeat(name, kind, int(count)) for name, kind, count, _total in rows],
                           int(rows[0].total) if rows else 0)
    opened: dict[tuple[int, str, str], list[datetime]] = defaultdict(list)
    for customer_id, name, kind, at in session.execute(
            select(Ticket.customer_id, Customer.name, Ticket.type, Ticket.opened_at)
            .join(often, and_(often.c.customer_id == Ticket.customer_id, often.c.type == Ticket.type))
            .join(Customer, Customer.id == Ticket.customer_id)
            .where(in_span)):
        opened[(customer_id, name, kind)].append(at)
    found = [TypeRepeat(name, kind, len(times)) for (_id, name, kind), times in opened.items() if recurs(times)]
    found.sort(key=lambda c: (-c.tickets, c.customer_name, c.type))
    return TypeRepeats(found[:limit], len(found))


class TitleRepeats(NamedTuple):
    clusters: list[tuple[str, str, int, int]]  # customer name, title, tickets, distinct titles
    customers_searched: int
    customers_with_tickets: int


def title_clusters(session: Session, ctx: QueryContext, span: Span) -> TitleRepeats:
    """Near-duplicate titles among the tickets opened in the span by the TITLE_CUSTOMERS customers with the
    most of them (ties by the earliest created): one statement ranks the customers, one reads their titles
    with counts."""
    in_span = and_(Ticket.team_id == ctx.team_id, Ticket.opened_at >= span.start, Ticket.opened_at < span.end)
    busiest = session.execute(
        select(Ticket.customer_id, func.count().label("tickets"), func.count().over().label("customers"))
        .where(in_span).group_by(Ticket.customer_id)
        .order_by(func.count().desc(), Ticket.customer_id).limit(TITLE_CUSTOMERS)).all()
    chosen = [row.customer_id for row in busiest]
    names = dict(session.execute(select(Customer.id, Customer.name).where(Customer.id.in_(chosen))).all()) \
        if chosen else {}
    titles: dict[int, list[tuple[str, int]]] = defaultdict(list)
    if chosen:
        for customer_id, title, count in session.execute(
                select(Ticket.customer_id, Ticket.title, func.count()).where(in_span, Ticket.customer_id.in_(chosen))
                .group_by(Ticket.customer_id, Ticket.title)):
            titles[customer_id].append((title, int(count)))
    clusters = [(names[customer_id], group.title, group.tickets, group.variants)
                for customer_id in chosen for group in near_duplicates(titles[customer_id])]
    clusters.sort(key=lambda c: (-c[2], c[0], c[1]))
    return TitleRepeats(clusters, len(chosen), int(busiest[0].customers) if busiest else 0)
