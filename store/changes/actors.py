"""Who is acting: the Person behind a Slack user, and the facts the permission rules need."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.context import QueryContext
from store.models import Person, Service, StatusChange, service_members
from store.readmodels import PersonRef
from store.rules.permissions import ActorFacts, TargetFacts


def actor_person(session: Session, ctx: QueryContext, slack_user_id: str) -> Person | None:
    return session.scalars(
        select(Person).where(Person.team_id == ctx.team_id, Person.slack_user_id == slack_user_id)
    ).first()


def actor_facts(person: Person | None) -> ActorFacts:
    return ActorFacts(person_id=person.id if person else None, role=person.role if person else None)


def target_facts(session: Session, service: Service, owner_id: int | None) -> TargetFacts:
    members = frozenset(session.scalars(
        select(service_members.c.person_id).where(service_members.c.service_id == service.id)
    ))
    lead = session.get(Person, service.owner_id) if service.owner_id else None
    return TargetFacts(owner_id=owner_id, service_owner_id=service.owner_id,
                       service_owner_name=lead.name if lead else None, service_member_ids=members)


def last_change(session: Session, ctx: QueryContext, object_type: str, object_id: int):
    """(who, when) of the latest audited change to an object, for 'already done by …' replies."""
    row = session.execute(
        select(StatusChange.changed_at, Person.name, Person.slack_user_id)
        .outerjoin(Person, Person.id == StatusChange.changed_by_id)
        .where(StatusChange.team_id == ctx.team_id, StatusChange.object_type == object_type,
               StatusChange.object_id == object_id)
        .order_by(StatusChange.changed_at.desc(), StatusChange.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None, None
    when, name, slack = row
    return (PersonRef(name=name, slack_user_id=slack) if name else None), when
