"""Take a ticket ("Assign to me"), resolve it with a note, or snooze its SLA warnings with a reason,
from Slack, the CLI or an import.

All follow the deliverable changes: permission (Permission.CHANGE_TICKET, the same rule for
taking a ticket as for changing it), then the version the click was rendered from, then a
conditional UPDATE ... WHERE version, then the StatusChange row, all in the caller's transaction.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from store.changes import BaseChangeApplied, ChangeRefused, InvalidChange, StaleChange, rows_matched
from store.changes.actors import actor_facts, actor_person, last_change, target_facts
from store.context import QueryContext
from store.enums import Surface
from store.models import Person, Service, StatusChange, Ticket, TicketSnooze
from store.rules.permissions import Permission, TargetFacts, authorize
from store.sla import settle_resolved

OBJECT_TYPE = "ticket"
OPEN, RESOLVED = "open", "resolved"
# StatusChange.from_value / to_value are String(64).
AUDIT_VALUE_CHARS = 64


class TicketChangeApplied(BaseChangeApplied):
    """A ticket may belong to no service: then no service's messages need refreshing."""

    service_id: int | None


def _facts(session: Session, ticket: Ticket) -> TargetFacts:
    service = session.get(Service, ticket.service_id) if ticket.service_id else None
    if service is None:
        # Not on a service: its owner and ops only.
        return TargetFacts(owner_id=ticket.owner_id, service_owner_id=None, service_owner_name=None)
    return target_facts(session, service, ticket.owner_id)


def _current(session: Session, ticket: Ticket) -> str:
    """How the ticket is now, for "Already …" replies."""
    if ticket.resolved_at is not None:
        return RESOLVED
    owner = session.get(Person, ticket.owner_id) if ticket.owner_id else None
    return f"assigned to {owner.name}" if owner else "unassigned"


def _stale(session: Session, ctx: QueryContext, ticket: Ticket) -> StaleChange:
    who, when = last_change(session, ctx, OBJECT_TYPE, ticket.id)
    return StaleChange(_current(session, ticket), who, when)


def _checked(session: Session, ctx: QueryContext, actor_slack_user_id: str, ticket_id: int,
             version: int) -> tuple[Ticket, Person]:
    """The ticket and the actor, when the actor may change it and it is still as rendered and open."""
    ticket = session.get(Ticket, ticket_id)
    if ticket is None or ticket.team_id != ctx.team_id:
        raise InvalidChange("that ticket no longer exists")
    person = actor_person(session, ctx, actor_slack_user_id)
    decision = authorize(Permission.CHANGE_TICKET, actor_facts(person), _facts(session, ticket))
    if not decision.allowed:
        raise ChangeRefused(decision.who_can, linked=person is not None)
    if ticket.version != version or ticket.resolved_at is not None:
        # A resolved ticket is done whatever version the click carries.
        raise _stale(session, ctx, ticket)
    assert person is not None  # authorize allows no one without a Person row
    return ticket, person


def check_ticket_change(session: Session, ctx: QueryContext, *, actor_slack_user_id: str, ticket_id: int,
                        version: int) -> str:
    """Raise what applying a change now would raise (refused, stale, gone); else the ticket's title.

    Lets "Resolve" answer a refused or stale click at once instead of after the note is typed;
    the change itself checks again in its own transaction.
    """
    ticket, _person = _checked(session, ctx, actor_slack_user_id, ticket_id, version)
    return ticket.title


def _apply(session: Session, ctx: QueryContext, ticket: Ticket, version: int, values: dict) -> int:
    """The conditional write; raises StaleChange when another change committed since our read."""
    new_version = version + 1
    applied = rows_matched(session.execute(
        update(Ticket)
        .where(Ticket.id == ticket.id, Ticket.version == version, Ticket.resolved_at.is_(None))
        .values(**values, version=new_version)
        .execution_options(synchronize_session=False)
    ))
    if applied != 1:
        session.refresh(ticket)
        raise _stale(session, ctx, ticket)
    return new_version


def _audit(session: Session, ctx: QueryContext, ticket: Ticket, person: Person, actor_slack_user_id: str,
           surface: Surface, field: str, before: str | None, after: str, reason: str | None = None) -> None:
    session.add(StatusChange(
        team_id=ctx.team_id, object_type=OBJECT_TYPE, object_id=ticket.id, field=field, from_value=before,
        to_value=after, reason=reason, changed_by_id=person.id, changed_by_slack_user_id=actor_slack_user_id,
        surface=surface, changed_at=ctx.now,
    ))
    session.flush()


def _who(person: Person) -> str:
    """How the audit trail names an owner: the Slack user id, else the name."""
    return (person.slack_user_id or person.name)[:AUDIT_VALUE_CHARS]


def assign_ticket_to_actor(
    session: Session,
    ctx: QueryContext,
    *,
    actor_slack_user_id: str,
    ticket_id: int,
    version: int,
    surface: Surface = Surface.SLACK,
) -> TicketChangeApplied:
    """Make the actor the ticket's owner if they may and it is still at `version`; else change nothing."""
    ticket, person = _checked(session, ctx, actor_slack_user_id, ticket_id, version)
    if ticket.owner_id == person.id:
        raise InvalidChange(f"'{ticket.title}' is already yours")
    owner = session.get(Person, ticket.owner_id) if ticket.owner_id else None
    before = _who(owner) if owner is not None else None
    new_version = _apply(session, ctx, ticket, version, {"owner_id": person.id})
    after = _who(person)
    _audit(session, ctx, ticket, person, actor_slack_user_id, surface, "owner", before, after)
    return TicketChangeApplied(object_type=OBJECT_TYPE, object_id=ticket.id, service_id=ticket.service_id,
                               from_value=before, to_value=after, version=new_version)


def snooze_ticket_warnings(
    session: Session,
    ctx: QueryContext,
    *,
    actor_slack_user_id: str,
    ticket_id: int,
    version: int,
    until: datetime,
    reason: str,
    surface: Surface = Surface.SLACK,
) -> TicketChangeApplied:
    """Hold the ticket's SLA warnings until `until` (a reason required), if the actor may change it and
    it is still open at `version`. The ticket itself is unchanged (its version too): it still counts as
    open, due and overdue everywhere; a threshold crossed meanwhile is warned of when the snooze ends."""
    ticket, person = _checked(session, ctx, actor_slack_user_id, ticket_id, version)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidChange("snoozing needs a reason")
    if until <= ctx.now:
        raise InvalidChange("a snooze must end in the future")
    snooze = session.get(TicketSnooze, ticket.id)
    before = None if snooze is None or snooze.until <= ctx.now else f"snoozed until {snooze.until.isoformat()}"
    if snooze is None:
        snooze = TicketSnooze(ticket_id=ticket.id, team_id=ctx.team_id)
        session.add(snooze)
    snooze.until, snooze.reason, snooze.snoozed_by_id, snooze.snoozed_at = until, reason, person.id, ctx.now
    after = f"snoozed until {until.isoformat()}"[:AUDIT_VALUE_CHARS]
    _audit(session, ctx, ticket, person, actor_slack_user_id, surface, "sla_warnings", before, after, reason=reason)
    return TicketChangeApplied(object_type=OBJECT_TYPE, object_id=ticket.id, service_id=ticket.service_id,
                               from_value=before, to_value=after, version=ticket.version)


def resolve_ticket(
    session: Session,
    ctx: QueryContext,
    *,
    actor_slack_user_id: str,
    ticket_id: int,
    version: int,
    note: str,
    surface: Surface = Surface.SLACK,
) -> TicketChangeApplied:
    """Resolve the ticket now with `note` (required) if the actor may and it is still at `version`."""
    ticket, person = _checked(session, ctx, actor_slack_user_id, ticket_id, version)
    note = (note or "").strip()
    if not note:
        raise InvalidChange("resolving needs a resolution note")
    new_version = _apply(session, ctx, ticket, version, {"resolved_at": ctx.now, "resolution_note": note})
    _audit(session, ctx, ticket, person, actor_slack_user_id, surface, "status", OPEN, RESOLVED, reason=note)
    if surface == Surface.SLACK:
        # The click's listener draws every message showing the ticket again (its SLA warnings too): the
        # scheduler's tick, which draws those of tickets resolved any other way, leaves this one alone.
        settle_resolved(session, ctx, ticket_id=ticket.id)
    return TicketChangeApplied(object_type=OBJECT_TYPE, object_id=ticket.id, service_id=ticket.service_id,
                               from_value=OPEN, to_value=RESOLVED, version=new_version)
