"""Services as their references (id, name, customer, status), ordered by customer and service name."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import QueryableAttribute, Session

from store.context import QueryContext
from store.models import Customer, Service
from store.queries.id_lists import id_in
from store.readmodels import ServiceRef
from store.rules.matching import Candidate, MatchKind, match


def by_name(ctx: QueryContext, *more: ColumnElement[Any] | QueryableAttribute[Any]) -> Select:
    """The workspace's services as (id, service name, customer name, *more), by customer then service."""
    return (
        select(Service.id, Service.name, Customer.name, *more)
        .join(Customer, Customer.id == Service.customer_id)
        .where(Service.team_id == ctx.team_id)
        .order_by(Customer.name, Service.name)
    )


def refs_matching(session: Session, ctx: QueryContext, *where: ColumnElement[bool]) -> dict[int, ServiceRef]:
    rows = session.execute(by_name(ctx, Service.status).where(*where))
    return {
        sid: ServiceRef(service_id=sid, service_name=name, customer_name=customer, status=status)
        for sid, name, customer, status in rows
    }


def service_refs(session: Session, ctx: QueryContext, only: int | None = None) -> dict[int, ServiceRef]:
    return refs_matching(session, ctx) if only is None else refs_matching(session, ctx, Service.id == only)


def refs_of(session: Session, ctx: QueryContext, service_ids: Collection[int]) -> dict[int, ServiceRef]:
    return refs_matching(session, ctx, id_in(Service.id, service_ids, "service_ids")) if service_ids else {}


class NameMatch(NamedTuple):
    """What a typed name found: one service, or the choices when several match, or the closest names."""

    service_id: int | None
    choices: list[ServiceRef]
    suggestions: list[str]


def match_service_name(session: Session, ctx: QueryContext, name: str) -> NameMatch:
    """The service a name means, as `/delivery status <name>` (and every command taking a name) reads it."""
    # Matching needs only the names: read them as plain rows (Core, no ORM loading, no status to
    # convert), and build (validated) ServiceRefs only for what the answer shows. At 10,000 services,
    # a ServiceRef for each was most of a lookup's time.
    rows = session.connection().execute(by_name(ctx)).all()
    # Each label is what `ServiceRef.label` gives.
    found = match(name, [Candidate(sid, (service, customer, f"{customer} {service}"), f"{customer} · {service}")
                         for sid, service, customer in rows])
    if found.kind == MatchKind.ONE:
        return NameMatch(found.ids[0], [], [])
    refs = refs_matching(session, ctx, Service.id.in_(found.ids)) if found.ids else {}
    # (A choice deleted since the names were read is left out.)
    return NameMatch(None, [refs[i] for i in found.ids if i in refs], found.suggestions)
