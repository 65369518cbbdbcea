"""Find help and reallocate (issue 21): propose a person for a service, then approve, decline or expire
the proposal, from Slack or a scheduler's tick.

Each runs inside the caller's transaction (`Workspace.change`). Proposing checks who may ask for help
(Permission.REQUEST_HELP) and what is asked (store.rules.reallocation), then writes the proposal and its
audit row. Deciding checks who may decide, then moves the proposal out of pending with a conditional
UPDATE on its status and version, so that two clicks on Approve at once apply it once; approved, the
person joins the service's team with an allocation of the hours asked, in the same transaction, and the
service's history says so (StatusChange, object "service", field "reallocation").
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from store.changes import BaseChangeApplied, ChangeRefused, InvalidChange, StaleChange, rows_matched
from store.changes.actors import actor_facts, actor_person, target_facts
from store.context import QueryContext
from store.enums import ProposalStatus, ServiceStatus, Surface
from store.models import (
    Allocation,
    Customer,
    Person,
    ReallocationProposal,
    Service,
    StatusChange,
    service_members,
)
from store.queries.capacity import active_services_per_person
from store.queries.reallocation import who_is_asked
from store.readmodels import PersonRef, ReadModel
from store.rules.capacity import LoadState, load_state
from store.rules.permissions import Permission, authorize
from store.rules.reallocation import NOTE_CHARS, expiry, has_expired, may_decide, proposal_problem

OBJECT_TYPE = "reallocation"
AUDIT_FIELD = "reallocation"
PROPOSED = "proposed"
# An approved proposal's allocation: keyed after its service, so a demo workspace's stays the demo's
# (store/demo refreshes only its own rows), and after the proposal, which makes it unique.
ALLOCATION_KEY = "{service}-reallocation-{proposal}"
SERVICE_KEY_CHARS = 40  # of Allocation.key's 64
# Allocation.note is String(200).
ALLOCATION_NOTE_CHARS = 200
# How many expired proposals one tick settles: the rest wait for the next.
EXPIRE_BATCH = 100


class HelpAsked(ReadModel):
    """Someone may ask for help on the service: what the modal names."""

    service_id: int
    label: str


class ProposalMade(ReadModel):
    """A proposal written: whom to ask (their Approve / Decline messages), and what to tell the proposer."""

    proposal_id: int
    service_id: int
    label: str
    person: PersonRef
    asked: list[PersonRef]


class ReallocationApplied(BaseChangeApplied):
    """A proposal decided (approved or declined) or found expired; who to tell."""

    service_id: int
    status: ProposalStatus
    label: str
    person: PersonRef
    proposed_by: PersonRef | None
    hours_per_week: float
    ends_on: date
    joined_team: bool = False  # approved, and not on the team before


class Expired(ReadModel):
    proposal_id: int
    service_id: int
    label: str
    person_name: str
    proposed_by: PersonRef | None


def _service(session: Session, ctx: QueryContext, service_id: int) -> tuple[Service, str]:
    """The service and its label ("Customer · Service")."""
    row = session.execute(select(Service, Customer.name).join(Customer, Customer.id == Service.customer_id)
                          .where(Service.id == service_id, Service.team_id == ctx.team_id)).first()
    if row is None:
        raise InvalidChange("that service no longer exists")
    service, customer = row
    return service, f"{customer} · {service.name}"


def _may_ask(session: Session, ctx: QueryContext, actor_slack_user_id: str,
             service_id: int) -> tuple[Service, str, Person]:
    service, label = _service(session, ctx, service_id)
    person = actor_person(session, ctx, actor_slack_user_id)
    decision = authorize(Permission.REQUEST_HELP, actor_facts(person), target_facts(session, service, None))
    if not decision.allowed:
        raise ChangeRefused(decision.who_can, linked=person is not None)
    assert person is not None  # authorize allows no one without a Person row
    if service.status != ServiceStatus.ACTIVE:
        raise InvalidChange(f"'{service.name}' is {service.status.value}: help is found for active services only")
    return service, label, person


def check_help_request(session: Session, ctx: QueryContext, *, actor_slack_user_id: str,
                       service_id: int) -> HelpAsked:
    """Raise what asking for help would (refused, not active, gone); else what the modal names."""
    service, label, _person = _may_ask(session, ctx, actor_slack_user_id, service_id)
    return HelpAsked(service_id=service.id, label=label)


def _clean(text: str | None) -> str | None:
    text = (text or "").strip()
    return text[:NOTE_CHARS] or None


def _hours(value: float) -> str:
    return f"{value:g} h a week"


def propose_reallocation(session: Session, ctx: QueryContext, *, actor_slack_user_id: str, service_id: int,
                         person_id: int, hours_per_week: float, ends_on: date, note: str | None = None,
                         surface: Surface = Surface.SLACK) -> ProposalMade:
    """Propose `person_id` for the service, `hours_per_week` from today until `ends_on`: audited."""
    service, label, actor = _may_ask(session, ctx, actor_slack_user_id, service_id)
    person = session.get(Person, person_id)
    if person is None or person.team_id != ctx.team_id:
        raise InvalidChange("that person is no longer in the portfolio")
    hours = Decimal(str(hours_per_week)).quantize(Decimal("0.01"))
    problem = proposal_problem(hours_per_week=float(hours), ends_on=ends_on, today=ctx.today,
                               weekly_capacity=float(person.weekly_capacity_hours or 0))
    if problem is None:
        problem = _unfit(session, ctx, service, person)
    if problem is not None:
        raise InvalidChange(problem)
    proposal = ReallocationProposal(
        team_id=ctx.team_id, service_id=service.id, person_id=person.id, hours_per_week=hours,
        starts_on=ctx.today, ends_on=ends_on, note=_clean(note), status=ProposalStatus.PENDING,
        proposed_by_id=actor.id, proposed_at=ctx.now, expires_at=expiry(ctx.now, ends_on, ctx.tz))
    session.add(proposal)
    session.flush()
    reason = f"{person.name}: {_hours(float(hours))} until {ends_on.isoformat()}"
    session.add(StatusChange(
        team_id=ctx.team_id, object_type="service", object_id=service.id, field=AUDIT_FIELD, from_value=None,
        to_value=PROPOSED, reason=f"{reason}. {proposal.note}" if proposal.note else reason, changed_by_id=actor.id,
        changed_by_slack_user_id=actor_slack_user_id, surface=surface, changed_at=ctx.now))
    who = who_is_asked(session, ctx, service_id=service.id, person_id=person.id)
    ids = [pid for pid in (who.service_lead, *sorted(who.person_leads), *sorted(who.ops)) if pid is not None]
    people = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(ids)))} if ids else {}
    asked = [PersonRef(name=people[pid].name, slack_user_id=people[pid].slack_user_id) for pid in dict.fromkeys(ids)]
    session.flush()
    return ProposalMade(proposal_id=proposal.id, service_id=service.id, label=label,
                        person=PersonRef(name=person.name, slack_user_id=person.slack_user_id), asked=asked)


def _ref(session: Session, person_id: int | None) -> PersonRef | None:
    person = session.get(Person, person_id) if person_id is not None else None
    return PersonRef(name=person.name, slack_user_id=person.slack_user_id) if person else None


def _stale(session: Session, proposal: ReallocationProposal) -> StaleChange:
    return StaleChange(proposal.status.value, _ref(session, proposal.decided_by_id), proposal.decided_at)


def _settle(session: Session, ctx: QueryContext, proposal: ReallocationProposal, status: ProposalStatus,
            decided_by: int | None) -> int:
    """Move the proposal out of pending if it still is, at its version; the new version, or stale."""
    matched = rows_matched(session.execute(
        update(ReallocationProposal)
        .where(ReallocationProposal.id == proposal.id, ReallocationProposal.status == ProposalStatus.PENDING,
               ReallocationProposal.version == proposal.version)
        .values(status=status, decided_by_id=decided_by, decided_at=ctx.now, version=proposal.version + 1)
        .execution_options(synchronize_session=False)))
    if matched != 1:
        # Someone else's decision (or the expiry) committed between our read and our write.
        session.refresh(proposal)
        raise _stale(session, proposal)
    return proposal.version + 1


def _join_team(session: Session, service_id: int, person_id: int) -> bool:
    """Put the person on the service's team; False when they are on it already (or just joined it
    through another approval: the savepoint keeps this transaction going)."""
    on_team = session.scalar(select(service_members.c.person_id).where(
        service_members.c.service_id == service_id, service_members.c.person_id == person_id))
    if on_team is not None:
        return False
    try:
        with session.begin_nested():
            session.execute(insert(service_members).values(service_id=service_id, person_id=person_id))
    except IntegrityError:
        return False
    return True


def _unfit(session: Session, ctx: QueryContext, service: Service, person: Person) -> str | None:
    """Why the person cannot be moved onto the service now (a sentence's start), or None: they lead it
    already, or they are overloaded or would be once on its team (store.rules.help leaves them out too)."""
    if service.owner_id == person.id:
        return f"{person.name} leads '{service.name}' already"
    on_team = session.scalar(select(service_members.c.person_id).where(
        service_members.c.service_id == service.id, service_members.c.person_id == person.id)) is not None
    active = active_services_per_person(session, ctx).get(person.id, 0)
    most = person.max_concurrent_services or 0
    if load_state(active if on_team else active + 1, most) != LoadState.OVERLOADED:
        return None
    if on_team:
        return f"{person.name} is overloaded ({active} of {most} services)"
    return f"{person.name} would be overloaded ({active} of {most} services already)"


def _approve(session: Session, ctx: QueryContext, proposal: ReallocationProposal, service: Service,
             person: Person, actor: Person) -> bool:
    """The person on the team, with an allocation of the hours asked from today (or the day asked, if
    later) to the last day; the proposal points at it. Whether they joined the team."""
    if service.status != ServiceStatus.ACTIVE:
        raise InvalidChange(f"'{service.name}' is {service.status.value} now: decline the proposal instead")
    unfit = _unfit(session, ctx, service, person)
    if unfit is not None:
        raise InvalidChange(f"{unfit}: decline the proposal, or free them up first")
    joined = _join_team(session, service.id, person.id)
    allocation = Allocation(
        team_id=ctx.team_id, key=ALLOCATION_KEY.format(service=service.key[:SERVICE_KEY_CHARS], proposal=proposal.id),
        person_id=person.id, service_id=service.id,
        hours_per_week=proposal.hours_per_week, starts_on=max(proposal.starts_on, ctx.today),
        ends_on=proposal.ends_on,
        note=f"Reallocated to help, approved by {actor.name}"[:ALLOCATION_NOTE_CHARS])
    session.add(allocation)
    session.flush()
    session.execute(update(ReallocationProposal).where(ReallocationProposal.id == proposal.id)
                    .values(allocation_id=allocation.id).execution_options(synchronize_session=False))
    return joined


def _deciders(session: Session, service_lead: int | None, person_leads: frozenset[int], person_name: str) -> str:
    """Who may decide, in words: "Chris Patel (the service's lead), Ryan Ortiz (Bill Nguyen's lead) or ops"."""
    names = dict(session.execute(select(Person.id, Person.name).where(
        Person.id.in_(sorted({*person_leads, *([service_lead] if service_lead else [])})))).all())
    who = [f"{names[service_lead]} (the service's lead)"] if service_lead in names else []
    who += [f"{names[pid]} ({person_name}'s lead)" for pid in sorted(person_leads) if pid in names]
    return f"{', '.join(who)} or ops" if who else "ops"


def decide_reallocation(session: Session, ctx: QueryContext, *, actor_slack_user_id: str, proposal_id: int,
                        version: int, approve: bool, surface: Surface = Surface.SLACK) -> ReallocationApplied:
    """Approve or decline the proposal as it was shown (`version`). One that has expired is marked so and
    returned as expired (nothing else changes); one already settled is stale."""
    proposal = session.get(ReallocationProposal, proposal_id)
    if proposal is None or proposal.team_id != ctx.team_id:
        raise InvalidChange("that proposal no longer exists")
    service, label = _service(session, ctx, proposal.service_id)
    person = session.get_one(Person, proposal.person_id)
    actor = actor_person(session, ctx, actor_slack_user_id)
    who = who_is_asked(session, ctx, service_id=service.id, person_id=person.id)
    if not may_decide(actor.id if actor else None, actor.role if actor else None, who.everyone):
        raise ChangeRefused(_deciders(session, who.service_lead, who.person_leads, person.name),
                            linked=actor is not None)
    assert actor is not None  # may_decide allows no one without a Person row
    if proposal.status != ProposalStatus.PENDING or proposal.version != version:
        raise _stale(session, proposal)
    status = ProposalStatus.APPROVED if approve else ProposalStatus.DECLINED
    joined = False
    if has_expired(proposal.expires_at, ctx.now):
        status = ProposalStatus.EXPIRED
        new_version = _settle(session, ctx, proposal, status, None)
    else:
        new_version = _settle(session, ctx, proposal, status, actor.id)
        if approve:
            joined = _approve(session, ctx, proposal, service, person, actor)
        hours = _hours(float(proposal.hours_per_week))
        reason = f"{person.name}: {hours} until {proposal.ends_on.isoformat()}"
        session.add(StatusChange(
            team_id=ctx.team_id, object_type="service", object_id=service.id, field=AUDIT_FIELD,
            from_value=ProposalStatus.PENDING.value, to_value=status.value,
            reason=f"{reason}; joined the team" if joined else reason, changed_by_id=actor.id,
            changed_by_slack_user_id=actor_slack_user_id, surface=surface, changed_at=ctx.now))
    session.flush()
    return ReallocationApplied(
        object_type=OBJECT_TYPE, object_id=proposal.id, service_id=service.id,
        from_value=ProposalStatus.PENDING.value, to_value=status.value, version=new_version, status=status,
        label=label, person=PersonRef(name=person.name, slack_user_id=person.slack_user_id),
        proposed_by=_ref(session, proposal.proposed_by_id), hours_per_week=float(proposal.hours_per_week),
        ends_on=proposal.ends_on, joined_team=joined)


def expire_reallocations(session: Session, ctx: QueryContext, *, limit: int = EXPIRE_BATCH) -> list[Expired]:
    """Mark expired the pending proposals whose time is up (through the partial index of the pending
    ones), the first `limit` of them: nothing else changes. What their messages and proposers are told."""
    due = session.execute(
        select(ReallocationProposal.id, ReallocationProposal.version)
        .where(ReallocationProposal.team_id == ctx.team_id, ReallocationProposal.status == ProposalStatus.PENDING,
               ReallocationProposal.expires_at <= ctx.now)
        .order_by(ReallocationProposal.expires_at, ReallocationProposal.id).limit(limit)).all()
    expired = []
    for proposal_id, version in due:
        matched = rows_matched(session.execute(
            update(ReallocationProposal)
            .where(ReallocationProposal.id == proposal_id, ReallocationProposal.status == ProposalStatus.PENDING,
                   ReallocationProposal.version == version)
            .values(status=ProposalStatus.EXPIRED, decided_at=ctx.now, version=version + 1)
            .execution_options(synchronize_session=False)))
        if matched != 1:
            continue  # decided meanwhile
        proposal = session.get_one(ReallocationProposal, proposal_id)
        _service_row, label = _service(session, ctx, proposal.service_id)
        person = session.get_one(Person, proposal.person_id)
        expired.append(Expired(proposal_id=proposal_id, service_id=proposal.service_id, label=label,
                               person_name=person.name, proposed_by=_ref(session, proposal.proposed_by_id)))
    return expired
