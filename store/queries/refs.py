"""Services as their references (id, name, customer, status), ordered by customer and service name."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import QueryableAttribute, Session

from store.context import QueryContext
from store.models import Customer, Service
from store.queries.id_lists import id_in
from store.readmodels import ServiceRef


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
