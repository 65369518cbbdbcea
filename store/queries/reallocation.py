"""Reallocation proposals as their messages show them, and who is asked to decide one (issue 21)."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from store.context import QueryContext
from store.enums import ProposalStatus, Role, ServiceStatus
from store.models import Customer, Person, ReallocationProposal, Service, service_members
from store.queries.help import help_standing
from store.readmodels import PersonRef, ServiceRef
from store.readmodels.help import ReallocationView
from store.rules.reallocation import Asked, asked


def who_is_asked(session: Session, ctx: QueryContext, *, service_id: int, person_id: int) -> Asked:
    """Who decides moving `person_id` onto the service (store.rules.reallocation.asked): its lead, the
    leads of the other active services the person owns or is on the team of, else ops. Three statements."""
    lead = session.scalar(select(Service.owner_id).where(Service.id == service_id))
    member_of = select(service_members.c.service_id).where(service_members.c.person_id == person_id)
    theirs = session.scalars(select(Service.owner_id).where(
        Service.team_id == ctx.team_id, Service.status == ServiceStatus.ACTIVE, Service.id != service_id,
        or_(Service.owner_id == person_id, Service.id.in_(member_of))))
    ops = session.scalars(select(Person.id).where(Person.team_id == ctx.team_id, Person.role == Role.OPS))
    return asked(service_lead=lead, person_id=person_id, leads_of_their_services=list(theirs), ops=list(ops))


def _refs(session: Session, ids: set[int]) -> dict[int, PersonRef]:
    if not ids:
        return {}
    rows = session.execute(select(Person.id, Person.name, Person.slack_user_id).where(Person.id.in_(sorted(ids))))
    return {pid: PersonRef(name=name, slack_user_id=slack) for pid, name, slack in rows}


def reallocation_view(session: Session, ctx: QueryContext, *, proposal_id: int) -> ReallocationView:
    """The proposal, whom it asks and how it stands; LookupError when it is not this workspace's."""
    row = session.execute(
        select(ReallocationProposal, Service.name, Service.status, Customer.name)
        .join(Service, Service.id == ReallocationProposal.service_id)
        .join(Customer, Customer.id == Service.customer_id)
        .where(ReallocationProposal.id == proposal_id, ReallocationProposal.team_id == ctx.team_id)).first()
    if row is None:
        raise LookupError(f"no reallocation proposal {proposal_id} in this workspace")
    proposal, service_name, status, customer_name = row
    who = who_is_asked(session, ctx, service_id=proposal.service_id, person_id=proposal.person_id)
    asked_ids = [pid for pid in (who.service_lead, *sorted(who.person_leads), *sorted(who.ops)) if pid is not None]
    refs = _refs(session, {proposal.person_id, *asked_ids,
                           *(pid for pid in (proposal.proposed_by_id, proposal.decided_by_id) if pid is not None)})
    return ReallocationView(
        proposal_id=proposal.id, version=proposal.version, status=proposal.status,
        service=ServiceRef(service_id=proposal.service_id, service_name=service_name, customer_name=customer_name,
                           status=status),
        person=refs[proposal.person_id], hours_per_week=float(proposal.hours_per_week),
        starts_on=proposal.starts_on, ends_on=proposal.ends_on, note=proposal.note,
        proposed_by=refs.get(proposal.proposed_by_id) if proposal.proposed_by_id else None,
        proposed_at=proposal.proposed_at, expires_at=proposal.expires_at,
        decided_by=refs.get(proposal.decided_by_id) if proposal.decided_by_id else None,
        decided_at=proposal.decided_at,
        asked=[refs[pid] for pid in dict.fromkeys(asked_ids)], ops_standing_in=bool(who.ops),
        standing=help_standing(session, ctx, service_id=proposal.service_id, person_id=proposal.person_id)
        if proposal.status == ProposalStatus.PENDING and status == ServiceStatus.ACTIVE else None)
