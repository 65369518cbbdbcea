"""`/delivery history <service>`: recent audited changes to a service, its deliverables and its
tickets, newest first."""

from __future__ import annotations

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from store.context import QueryContext
from store.models import Deliverable, Person, StatusChange, Ticket
from store.queries.service_card import lookup_service
from store.readmodels import PersonRef
from store.readmodels.history import ChangeLine, ServiceHistory

MAX_CHANGES = 25




def service_history(session: Session, ctx: QueryContext, *, name: str) -> ServiceHistory:
    lookup = lookup_service(session, ctx, name=name)
    if lookup.card is None:
        return ServiceHistory(lookup=lookup)
    service_id = lookup.card.ref.service_id
    about_service = or_(
        and_(StatusChange.object_type == "service", StatusChange.object_id == service_id),
        and_(StatusChange.object_type == "deliverable", Deliverable.service_id == service_id),
        and_(StatusChange.object_type == "ticket", Ticket.service_id == service_id),
    )
    base = (
        select(StatusChange, func.coalesce(Deliverable.name, Ticket.title), Person.name, Person.slack_user_id)
        .outerjoin(Deliverable, and_(StatusChange.object_type == "deliverable",
                                     Deliverable.id == StatusChange.object_id))
        .outerjoin(Ticket, and_(StatusChange.object_type == "ticket", Ticket.id == StatusChange.object_id))
        .outerjoin(Person, Person.id == StatusChange.changed_by_id)
        .where(StatusChange.team_id == ctx.team_id, about_service)
    )
    total = session.execute(select(func.count()).select_from(base.subquery())).scalar_one()
    rows = session.execute(base.order_by(StatusChange.changed_at.desc(), StatusChange.id.desc()).limit(MAX_CHANGES))
    changes = [
        ChangeLine(
            object_type=change.object_type,
            object_name=deliverable_name or lookup.card.ref.label,
            field=change.field, from_value=change.from_value, to_value=change.to_value, reason=change.reason,
            blocker_category=change.blocker_category,
            changed_by=PersonRef(name=who, slack_user_id=slack) if who else None,
            changed_by_slack_user_id=change.changed_by_slack_user_id, surface=change.surface,
            changed_at=change.changed_at,
        )
        for change, deliverable_name, who, slack in rows
    ]
    return ServiceHistory(lookup=lookup, changes=changes, total=total)
