"""Customers and their relationship health (`/delivery customers`, a customer's card): a fixed few
statements over every customer with active services, whatever their number.

The signals of each customer, over its active services: their shown health (`store.health`), customer
sessions in the engagement windows (counted as the health rule counts them), tickets opened in the last
4 weeks and the 4 before, SLA misses in the last 4 weeks (as SLA compliance counts a miss) and overdue
deliverables. The verdict is `store.rules.relationship`'s.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Collection
from datetime import timedelta
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Integer, cast, func, literal_column, select, text, union_all
from sqlalchemy.orm import Session

from store.context import QueryContext
from store.enums import Health, ServiceStatus
from store.health import health_of, portfolio_health, session_counts, session_counts_at
from store.health.rules import HealthThresholds
from store.models import OPEN_STATUSES_SQL, Customer, Deliverable, Service, Ticket
from store.queries.customer_tickets import NO_TICKETS, customer_ticket_counts
from store.queries.id_lists import id_in
from store.queries.refs import refs_matching
from store.readmodels import ServiceRef
from store.readmodels.customers import CustomerCard, CustomerList, CustomerRelationship
from store.rules.matching import Candidate, MatchKind, match
from store.rules.relationship import (
    RELATIONSHIP_THRESHOLDS,
    CustomerSignals,
    Relationship,
    relationship_of,
    relationship_verdict,
)

# `/delivery customers` shows this many customers, worst first; the rest are counted (a message holds
# 50 blocks, and a line each keeps it readable).
MAX_SHOWN_CUSTOMERS = 20


class _Customer(NamedTuple):
    name: str
    services: list[int]  # active ones
    version: int  # the sum of their versions


def _active_by_customer(session: Session, ctx: QueryContext,
                        customer_ids: Collection[int] | None = None) -> dict[int, _Customer]:
    """Every customer with active services (or these customers), with its active services."""
    query = (select(Service.customer_id, Customer.name, Service.id, Service.version)
             .join(Customer, Customer.id == Service.customer_id)
             .where(Service.team_id == ctx.team_id, Service.status == ServiceStatus.ACTIVE))
    if customer_ids is not None:
        query = query.where(id_in(Service.customer_id, customer_ids, "customer_ids"))
    names: dict[int, str] = {}
    services: dict[int, list[int]] = defaultdict(list)
    versions: dict[int, int] = defaultdict(int)
    for customer_id, name, service_id, version in session.connection().execute(query).all():
        names[customer_id] = name
        services[customer_id].append(service_id)
        versions[customer_id] += int(version)
    return {customer_id: _Customer(name, services[customer_id], versions[customer_id])
            for customer_id, name in names.items()}


def _of_customers(column: Any, customer_ids: Collection[int] | None) -> list[ColumnElement[bool]]:
    return [] if customer_ids is None else [id_in(column, customer_ids, "signal_customer_ids")]


def _sessions(session: Session, ctx: QueryContext, customer_of: dict[int, int],
              customer_ids: Collection[int] | None) -> dict[int, list[int]]:
    """[recent, prior] customer sessions on each customer's active services (`customer_of`: service to
    customer), as the engagement rule counts a service's, summed: for every customer from what health keeps,
    for a few counted from their services' sessions."""
    if customer_ids is None:
        by_service = session_counts(session, ctx.team_id, now=ctx.now, limits=ctx.limits)
    else:
        by_service = {int(sid): (int(recent or 0), int(prior or 0)) for sid, recent, prior in session.execute(
            session_counts_at(ctx.team_id, ctx.now, ctx.limits,
                              services=select(Service.id).where(id_in(Service.id, customer_of, "session_services"))))}
    found: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for service_id, (recent, prior) in by_service.items():
        customer_id = customer_of.get(service_id)
        if customer_id is not None:  # a paused or complete service's sessions are not its customer's
            counts = found[customer_id]
            counts[0] += recent
            counts[1] += prior
    return found


class _Counts(NamedTuple):
    opened: int  # tickets opened in the last window
    opened_before: int  # in the window before it
    misses: int  # SLA misses in the last window
    overdue: int  # overdue deliverables of its active services


def _counts(session: Session, ctx: QueryContext, customer_ids: Collection[int] | None) -> dict[int, _Counts]:
    """Each customer's ticket volume in the last window and the one before, SLA misses in the last window,
    and overdue deliverables.

    A miss, as SLA compliance counts one: resolved in the window after its due time
    (`customer_ticket_counts`), or due in the window and still open. Overdue: a deliverable of an active
    service not done and due before today (late, as on schedule counts it)."""
    start = ctx.now - timedelta(days=RELATIONSHIP_THRESHOLDS.ticket_window_days)
    zero = literal_column("0", Integer())
    # Each part a range of one index (open tickets by due time; the open deliverables'), grouped before they
    # are put together.
    still_open = (select(Ticket.customer_id.label("customer_id"), func.count().label("misses"),
                         zero.label("overdue"))
                  .where(Ticket.team_id == ctx.team_id, *_of_customers(Ticket.customer_id, customer_ids),
                         Ticket.resolved_at.is_(None), Ticket.due_at > start, Ticket.due_at < ctx.now)
                  .group_by(Ticket.customer_id))
    # Counted per service first, in the order of the open deliverables' index (no sort), then by customer.
    late_work = (select(Deliverable.service_id, func.count().label("late"))
                 .where(Deliverable.team_id == ctx.team_id, text(f"deliverables.{OPEN_STATUSES_SQL}"),
                        Deliverable.due_on < ctx.today)
                 .group_by(Deliverable.service_id).subquery())
    overdue = (select(Service.customer_id.label("customer_id"), zero.label("misses"),
                      func.sum(late_work.c.late).label("overdue"))
               .join(late_work, late_work.c.service_id == Service.id)
               .where(Service.status == ServiceStatus.ACTIVE, *_of_customers(Service.customer_id, customer_ids))
               .group_by(Service.customer_id))
    parts = union_all(still_open, overdue).subquery()
    rows = session.connection().execute(  # plain rows: thousands of customers, no ORM to load
        # As integers: PostgreSQL sums to numeric, which reaches Python as Decimal, slow to convert.
        select(parts.c.customer_id, cast(func.sum(parts.c.misses), Integer), cast(func.sum(parts.c.overdue), Integer))
        .group_by(parts.c.customer_id)
    ).all()
    others = {row[0]: (row[1], row[2]) for row in rows}
    tickets = customer_ticket_counts(session, ctx, customer_ids)
    found = {}
    for customer_id in tickets.keys() | others.keys():
        counted = tickets.get(customer_id, NO_TICKETS)
        misses, overdue = others.get(customer_id, (0, 0))
        found[customer_id] = _Counts(counted.opened, counted.opened_before, counted.late + misses, overdue)
    return found


_NO_COUNTS = _Counts(0, 0, 0, 0)


class _Verdict(NamedTuple):
    """A customer's verdict before it is a read model: thousands are ranked, a few are worded and shown."""

    customer_id: int
    customer: _Customer
    signals: CustomerSignals
    relationship: Relationship

    def read_model(self, limits: HealthThresholds) -> CustomerRelationship:
        verdict = relationship_verdict(self.signals, limits)
        return CustomerRelationship(
            customer_id=self.customer_id, name=self.customer.name, relationship=verdict.relationship,
            reasons=list(verdict.reasons), services=self.signals.services, at_risk=self.signals.at_risk,
            needs_attention=self.signals.needs_attention, version=self.customer.version)


def _verdicts(session: Session, ctx: QueryContext, customers: dict[int, _Customer],
              health: dict[int, Health], customer_ids: Collection[int] | None) -> list[_Verdict]:
    """The verdict of each customer in `customers`, given the shown health of its services not On Track."""
    customer_of = {service_id: customer_id for customer_id, customer in customers.items()
                   for service_id in customer.services}
    sessions = _sessions(session, ctx, customer_of, customer_ids)
    counts = _counts(session, ctx, customer_ids)
    # Counted from the services not On Track (a fifth of them, or fewer), not from every service.
    unhealthy: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for service_id, shown in health.items():
        customer_id = customer_of.get(service_id)
        if customer_id is not None and shown != Health.ON_TRACK:
            unhealthy[customer_id][shown == Health.NEEDS_ATTENTION] += 1
    found = []
    for customer_id, customer in customers.items():
        at_risk, attention = unhealthy.get(customer_id, (0, 0))
        recent, prior = sessions.get(customer_id, (0, 0))
        opened, opened_before, misses, overdue = counts.get(customer_id, _NO_COUNTS)
        signals = CustomerSignals(
            services=len(customer.services), at_risk=at_risk, needs_attention=attention, sessions_recent=recent,
            sessions_prior=prior, tickets_recent=opened, tickets_prior=opened_before, sla_misses=misses,
            overdue_deliverables=overdue)
        found.append(_Verdict(customer_id, customer, signals, relationship_of(signals, ctx.limits)))
    return found


def customer_relationships(session: Session, ctx: QueryContext, *,
                           limit: int | None = MAX_SHOWN_CUSTOMERS) -> CustomerList:
    """Every customer with active services, worst first (struggling, steady, thriving; by name within
    each), the first `limit`, and how many have each verdict."""
    customers = _active_by_customer(session, ctx)
    health = {standing.id: standing.health for standing in portfolio_health(session, ctx).not_on_track()}
    verdicts: dict[Relationship, list[_Verdict]] = {relationship: [] for relationship in Relationship}
    for each in _verdicts(session, ctx, customers, health, None):
        verdicts[each.relationship].append(each)
    # Worst first; within a verdict by name, sorting only the names of the verdicts shown.
    first: list[_Verdict] = []
    for relationship in sorted(Relationship, key=lambda r: -r.severity):
        room = None if limit is None else limit - len(first)
        if room == 0:
            break
        group = verdicts[relationship]
        first += (sorted(group, key=_by_name) if room is None or room >= len(group)
                  else heapq.nsmallest(room, group, key=_by_name))
    return CustomerList(as_of=ctx.now, counts={r: len(group) for r, group in verdicts.items()},
                        customers=[each.read_model(ctx.limits) for each in first])


def _by_name(verdict: _Verdict) -> tuple[str, int]:
    return verdict.customer.name.casefold(), verdict.customer_id


def customer_relationship(session: Session, ctx: QueryContext, *, customer_id: int) -> CustomerRelationship | None:
    """One customer's verdict; None when it has no active service."""
    customers = _active_by_customer(session, ctx, [customer_id])
    if customer_id not in customers:
        return None
    views = health_of(session, ctx, customers[customer_id].services)
    (found,) = _verdicts(session, ctx, customers, {v.service_id: v.health for v in views}, [customer_id])
    return found.read_model(ctx.limits)


def customer_card(session: Session, ctx: QueryContext, *, customer_id: int) -> CustomerCard:
    """A customer's verdict and each of its services' health (its active ones worst first), its others
    to open too."""
    customers = _active_by_customer(session, ctx, [customer_id])
    if customer_id not in customers:
        raise LookupError(f"customer {customer_id} has no active service in this workspace")
    views = health_of(session, ctx, customers[customer_id].services)
    (found,) = _verdicts(session, ctx, customers, {v.service_id: v.health for v in views}, [customer_id])
    views.sort(key=lambda view: (-view.health.severity, view.service_name.casefold(), view.service_id))
    inactive = refs_matching(session, ctx, Service.customer_id == customer_id, Service.status != ServiceStatus.ACTIVE)
    return CustomerCard(as_of=ctx.now, customer=found.read_model(ctx.limits), services=views,
                        inactive=list(inactive.values()))


def customer_meant(session: Session, ctx: QueryContext, name: str, choices: list[ServiceRef]) -> int | None:
    """The customer a name means when the services it matched are all that customer's, the name matches
    the customer's own name (not only its services' names), and it has two or more active services: its
    card answers rather than a choice among its services."""
    customers = {choice.customer_name for choice in choices}
    if len(customers) != 1:
        return None
    (customer_name,) = customers
    if match(name, [Candidate(0, (customer_name,), customer_name)]).kind != MatchKind.ONE:
        return None
    row = session.execute(
        select(Customer.id, func.count(Service.id))
        .join(Service, Service.customer_id == Customer.id)
        .where(Customer.team_id == ctx.team_id, Customer.name == customer_name,
               Service.status == ServiceStatus.ACTIVE)
        .group_by(Customer.id)).first()
    return int(row[0]) if row is not None and int(row[1]) >= 2 else None
