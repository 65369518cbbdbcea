"""Change a service from Slack, the CLI or an import: its health override, and flags for the Customer Org.

Each change runs inside the caller's transaction (`Workspace.change`): the permission check,
the version check, a conditional UPDATE that bumps the version, and one StatusChange row
(object_type "service") commit together or not at all.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from store.changes import BaseChangeApplied, ChangeApplied, ChangeRefused, InvalidChange, StaleChange, rows_matched
from store.changes.actors import actor_facts, actor_person, target_facts
from store.clock import local_midnight
from store.context import QueryContext
from store.enums import Health, ServiceStatus, Surface
from store.health import health_of
from store.models import Customer, Person, Service, StatusChange
from store.queries.customers import customer_relationship
from store.readmodels import PersonRef, ReadModel
from store.rules.permissions import Permission, authorize

HEALTH_FIELD = "health_override"
FLAG_FIELD = "flag"
CUSTOMER_ORG = "customer_org"


class FlagNote(ReadModel):
    """What a flag says, handed to the announcer before the flag is recorded."""

    service_id: int
    customer_name: str
    service_name: str
    flagged_by_slack_user_id: str
    reason: str

    @property
    def label(self) -> str:
        return f"{self.customer_name} · {self.service_name}"


class CustomerFlagNote(ReadModel):
    """What a customer's flag says: the customer, its active services (each flagged), its relationship
    verdict as it stands, who flagged it and why."""

    customer_id: int
    customer_name: str
    service_names: list[str]
    verdict: str  # "struggling · engagement declining: …"
    flagged_by_slack_user_id: str
    reason: str


class CustomerFlagApplied(BaseChangeApplied):
    """A customer's flag: recorded on each of its active services."""

    service_ids: list[int]


def override_expiry(day: date, tz: ZoneInfo) -> datetime:
    """An override picked 'until `day`' lasts to the end of that day in the organisation's zone."""
    return local_midnight(day + timedelta(days=1), tz)


def _service(session: Session, ctx: QueryContext, service_id: int) -> Service:
    service = session.get(Service, service_id)
    if service is None or service.team_id != ctx.team_id:
        raise InvalidChange("that service no longer exists")
    return service


def _stale(session: Session, ctx: QueryContext, service: Service) -> StaleChange:
    """'Already …' from the service's latest audited change: what it was, who made it, when."""
    row = session.execute(
        select(StatusChange.field, StatusChange.to_value, StatusChange.changed_at, Person.name, Person.slack_user_id)
        .outerjoin(Person, Person.id == StatusChange.changed_by_id)
        .where(StatusChange.team_id == ctx.team_id, StatusChange.object_type == "service",
               StatusChange.object_id == service.id)
        .order_by(StatusChange.changed_at.desc(), StatusChange.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return StaleChange("changed", None, None)
    field, to_value, when, name, slack = row
    if field == HEALTH_FIELD and to_value in {h.value for h in Health}:
        current = f"set to {Health(to_value).label}"
    elif field == FLAG_FIELD:
        current = "flagged for the Customer Org"
    else:
        current = "changed"
    return StaleChange(current, PersonRef(name=name, slack_user_id=slack) if name else None, when)


def _guard(session: Session, ctx: QueryContext, *, actor_slack_user_id: str, service_id: int, version: int,
           permission: Permission) -> tuple[Service, Person]:
    """The service and the acting person, if the actor may and the service is still at `version`."""
    service = _service(session, ctx, service_id)
    person = actor_person(session, ctx, actor_slack_user_id)
    decision = authorize(permission, actor_facts(person), target_facts(session, service, None))
    if not decision.allowed:
        raise ChangeRefused(decision.who_can, linked=person is not None)
    assert person is not None  # authorize allows no one without a Person row
    if service.version != version:
        raise _stale(session, ctx, service)
    if permission == Permission.UPDATE_HEALTH and service.status != ServiceStatus.ACTIVE:
        raise InvalidChange(f"'{service.name}' is {service.status.value}: health is tracked for active services only")
    return service, person


def check_service_change(session: Session, ctx: QueryContext, *, actor_slack_user_id: str, service_id: int,
                         version: int, permission: Permission) -> None:
    """Raise what the change itself would (refused, stale, invalid) without changing anything.

    Lets a button say so at once instead of after the person has filled in a modal.
    """
    _guard(session, ctx, actor_slack_user_id=actor_slack_user_id, service_id=service_id, version=version,
           permission=permission)


def _apply(session: Session, ctx: QueryContext, service: Service, version: int, values: dict) -> int:
    """Write `values` and the next version if the row is still at `version`; return the new version."""
    applied = rows_matched(session.execute(
        update(Service)
        .where(Service.id == service.id, Service.version == version)
        .values(**values, version=version + 1)
        .execution_options(synchronize_session=False)
    ))
    if applied != 1:
        # Someone else's change committed between our read and our write.
        session.refresh(service)
        raise _stale(session, ctx, service)
    return version + 1


def _clean(text: str | None) -> str | None:
    text = (text or "").strip()
    return text or None


def set_health_override(
    session: Session,
    ctx: QueryContext,
    *,
    actor_slack_user_id: str,
    service_id: int,
    version: int,
    health: Health | None,
    reason: str | None,
    action_note: str | None = None,
    expires_at: datetime | None = None,
    surface: Surface = Surface.SLACK,
) -> ChangeApplied:
    """Set the service's health override (`health`), or clear it (`health=None`: back to the computed health).

    Setting needs a reason (the issue shown next to the health) and an expiry in the future.
    `action_note`, when given, becomes the service's latest action; None leaves it as it is.
    The audit row records the shown health before and after.
    """
    service, person = _guard(session, ctx, actor_slack_user_id=actor_slack_user_id, service_id=service_id,
                             version=version, permission=Permission.UPDATE_HEALTH)
    reason, action_note = _clean(reason), _clean(action_note)
    if health is not None:
        if reason is None:
            raise InvalidChange("an override needs the issue behind it")
        if expires_at is None:
            raise InvalidChange("an override needs an expiry date")
        if expires_at <= ctx.now:
            raise InvalidChange("an override cannot expire in the past")
    (view,) = health_of(session, ctx, [service_id])
    before, after = view.health, health or view.computed_health
    values: dict = {
        "health_override": health,
        "health_override_reason": reason if health is not None else None,
        "health_override_expires_at": expires_at if health is not None else None,
        "health_override_by_id": person.id if health is not None else None,
    }
    if action_note is not None:
        values["action_note"] = action_note
    new_version = _apply(session, ctx, service, version, values)
    session.add(StatusChange(
        team_id=ctx.team_id, object_type="service", object_id=service_id, field=HEALTH_FIELD,
        from_value=before.value, to_value=after.value, reason=reason, changed_by_id=person.id,
        changed_by_slack_user_id=actor_slack_user_id, surface=surface, changed_at=ctx.now,
    ))
    session.flush()
    return ChangeApplied(object_type="service", object_id=service_id, service_id=service_id,
                         from_value=before.value, to_value=after.value, version=new_version)


def flag_for_customer_org(
    session: Session,
    ctx: QueryContext,
    *,
    actor_slack_user_id: str,
    service_id: int,
    version: int,
    reason: str,
    announce: Callable[[FlagNote], None] | None = None,
    surface: Surface = Surface.SLACK,
) -> ChangeApplied:
    """Flag the service for the Customer Org, with why.

    `announce` (posting the note, say) runs after the flag is written and before it commits:
    if it raises, nothing is recorded. It never runs for a refused or stale flag.
    """
    service, person = _guard(session, ctx, actor_slack_user_id=actor_slack_user_id, service_id=service_id,
                             version=version, permission=Permission.FLAG_SERVICE)
    why = _clean(reason)
    if why is None:
        raise InvalidChange("a flag needs a reason")
    new_version = _apply(session, ctx, service, version, {})
    session.add(StatusChange(
        team_id=ctx.team_id, object_type="service", object_id=service_id, field=FLAG_FIELD,
        from_value=None, to_value=CUSTOMER_ORG, reason=why, changed_by_id=person.id,
        changed_by_slack_user_id=actor_slack_user_id, surface=surface, changed_at=ctx.now,
    ))
    session.flush()
    if announce is not None:
        customer = session.scalar(select(Customer.name).where(Customer.id == service.customer_id))
        assert customer is not None  # services.customer_id is a non-null foreign key
        announce(FlagNote(service_id=service_id, customer_name=customer, service_name=service.name,
                          flagged_by_slack_user_id=actor_slack_user_id, reason=why))
    return ChangeApplied(object_type="service", object_id=service_id, service_id=service_id,
                         from_value=None, to_value=CUSTOMER_ORG, version=new_version)


def customer_flag_reason(customer_name: str, why: str) -> str:
    """The audit reason on each service of a flagged customer: the flag was the customer's."""
    return f"Customer {customer_name} flagged: {why}"


def _customer_guard(session: Session, ctx: QueryContext, *, actor_slack_user_id: str, customer_id: int,
                    version: int) -> tuple[Customer, list[Service], Person]:
    """The customer, its active services and the acting person, if the actor may flag every one of them
    and they are still at `version` (the sum of their versions)."""
    customer = session.get(Customer, customer_id)
    if customer is None or customer.team_id != ctx.team_id:
        raise InvalidChange("that customer no longer exists")
    services = list(session.scalars(
        select(Service).where(Service.team_id == ctx.team_id, Service.customer_id == customer_id,
                              Service.status == ServiceStatus.ACTIVE).order_by(Service.name, Service.id)))
    if not services:
        raise InvalidChange(f"'{customer.name}' has no active service to flag")
    person = actor_person(session, ctx, actor_slack_user_id)
    for service in services:
        decision = authorize(Permission.FLAG_SERVICE, actor_facts(person), target_facts(session, service, None))
        if not decision.allowed:
            raise ChangeRefused(f"ops, or someone who leads or is assigned to each of its active services "
                                f"('{service.name}': {decision.who_can})", linked=person is not None)
    assert person is not None  # authorize allows no one without a Person row
    if sum(service.version for service in services) != version:
        raise _stale(session, ctx, max(services, key=lambda service: service.version))
    return customer, services, person


def check_customer_flag(session: Session, ctx: QueryContext, *, actor_slack_user_id: str, customer_id: int,
                        version: int) -> None:
    """Raise what flagging the customer would (refused, stale, invalid) without changing anything."""
    _customer_guard(session, ctx, actor_slack_user_id=actor_slack_user_id, customer_id=customer_id, version=version)


def flag_customer_for_customer_org(
    session: Session,
    ctx: QueryContext,
    *,
    actor_slack_user_id: str,
    customer_id: int,
    version: int,
    reason: str,
    announce: Callable[[CustomerFlagNote], None] | None = None,
    surface: Surface = Surface.SLACK,
) -> CustomerFlagApplied:
    """Flag a customer for the Customer Org, with why: a flag of each of its active services, as
    `flag_for_customer_org` records one (each service's version moves, and its audit row's reason names
    the customer), in this one transaction, and one note. No table of its own: each service's history
    shows the flag, and the weekly digest and `/delivery history` read it as they read a service's.

    The actor must be allowed to flag every one of them (ops, or whoever is assigned to each).
    `version` is the sum of its active services' versions as the button showed them: a change to any
    (a flag by someone else included) or a service started or stopped since refuses it as stale.
    `announce` runs after the flags are written and before they commit, as for a service's flag.
    """
    customer, services, person = _customer_guard(session, ctx, actor_slack_user_id=actor_slack_user_id,
                                                 customer_id=customer_id, version=version)
    why = _clean(reason)
    if why is None:
        raise InvalidChange("a flag needs a reason")
    audited = customer_flag_reason(customer.name, why)
    for service in services:
        _apply(session, ctx, service, service.version, {})
        session.add(StatusChange(
            team_id=ctx.team_id, object_type="service", object_id=service.id, field=FLAG_FIELD,
            from_value=None, to_value=CUSTOMER_ORG, reason=audited, changed_by_id=person.id,
            changed_by_slack_user_id=actor_slack_user_id, surface=surface, changed_at=ctx.now,
        ))
    session.flush()
    if announce is not None:
        found = customer_relationship(session, ctx, customer_id=customer_id)
        verdict = f"{found.relationship.value} · {' · '.join(found.reasons)}" if found else "no active service"
        announce(CustomerFlagNote(customer_id=customer_id, customer_name=customer.name,
                                  service_names=[service.name for service in services], verdict=verdict,
                                  flagged_by_slack_user_id=actor_slack_user_id, reason=why))
    return CustomerFlagApplied(object_type="customer", object_id=customer_id, service_id=None, from_value=None,
                               to_value=CUSTOMER_ORG, version=version + len(services),
                               service_ids=[service.id for service in services])
