""""Find help": who could help a service, ranked with their reasons (issue 21).

Each person's facts are read with the capacity answer's own queries, so the figures are the ones
`/delivery capacity` shows: free hours are `scheduled_next_week`'s free hours (available less allocations
and appointments) for next week and the week after, load is `service_load`, billable share is the last
whole week's. Then skills the service needs that they have, and hours logged on the customer's services
(the kept `service_hours`) or a place on another of its services. `store.rules.help` leaves out and
ranks. A fixed number of statements whatever the number of people (about fifteen).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.clock import Week
from store.context import QueryContext
from store.models import Customer, Person, PersonSkill, Service, ServiceHours, ServiceSkill, service_members
from store.queries.capacity import active_services_per_person
from store.queries.timesheets import as_float
from store.queries.utilization import Capacity, people_week, planned_by_person
from store.readmodels import PersonRef, ServiceRef
from store.readmodels.help import HelperView, HelpList, HelpStanding
from store.rules.help import HELP_WEEKS, Candidate, Helper, left_out, rank_helpers


def service_skills(session: Session, ctx: QueryContext, service_id: int) -> list[str]:
    return sorted(session.scalars(select(ServiceSkill.skill).where(
        ServiceSkill.team_id == ctx.team_id, ServiceSkill.service_id == service_id)))


def _skills_of_people(session: Session, ctx: QueryContext, needed: list[str]) -> dict[int, set[str]]:
    """The needed skills each person has (only those: the others cannot match)."""
    found: dict[int, set[str]] = defaultdict(set)
    if needed:
        for person_id, skill in session.execute(select(PersonSkill.person_id, PersonSkill.skill).where(
                PersonSkill.team_id == ctx.team_id, PersonSkill.skill.in_(needed))):
            found[person_id].add(skill)
    return found


def _customer_hours(session: Session, ctx: QueryContext, customer_id: int) -> dict[int, float]:
    """Hours each person logged on any of the customer's services, to date (the kept sums)."""
    rows = session.execute(
        select(ServiceHours.person_id, as_float(func.sum(ServiceHours.hours)))
        .join(Service, Service.id == ServiceHours.service_id)
        .where(ServiceHours.team_id == ctx.team_id, Service.customer_id == customer_id)
        .group_by(ServiceHours.person_id))
    return {person_id: hours or 0.0 for person_id, hours in rows if hours}


def _customer_services(session: Session, ctx: QueryContext, customer_id: int,
                       service_id: int) -> dict[int, list[str]]:
    """The customer's other services (whatever their status) each person owns or is on the team of."""
    places: dict[int, set[str]] = defaultdict(set)
    others = (Service.team_id == ctx.team_id, Service.customer_id == customer_id, Service.id != service_id)
    for owner_id, name in session.execute(select(Service.owner_id, Service.name).where(
            *others, Service.owner_id.is_not(None))):
        if owner_id is not None:  # never, by the condition: for the type checker
            places[owner_id].add(name)
    for person_id, name in session.execute(
            select(service_members.c.person_id, Service.name)
            .join(Service, Service.id == service_members.c.service_id).where(*others)):
        places[person_id].add(name)
    return {pid: sorted(names) for pid, names in places.items()}


def _view(h: Helper, slack_ids: dict[int, str | None], customer_services: dict[int, list[str]]) -> HelperView:
    c = h.candidate
    return HelperView(
        person_id=c.person_id, person=PersonRef(name=c.name, slack_user_id=slack_ids.get(c.person_id)),
        role=c.role, state=c.state, state_after=h.state_after, active_services=c.active_services,
        max_services=c.max_services, on_team=c.on_team, free_hours=c.free_hours,
        matched_skills=list(h.matched_skills), customer_hours=c.customer_hours,
        customer_services=customer_services.get(c.person_id, []), billable_share=h.billable_share,
        billable_room=h.billable_room, points=h.points)


@dataclass(frozen=True)
class _Gathered:
    """Everyone's facts about one service, and what the read models name."""

    service: ServiceRef
    lead: PersonRef | None
    needed: list[str]
    candidates: list[Candidate]
    slack_ids: dict[int, str | None]
    elsewhere: dict[int, list[str]]
    weeks: list[Week]
    last_week: Week


def _gather(session: Session, ctx: QueryContext, service_id: int) -> _Gathered:
    row = session.execute(
        select(Service.id, Service.name, Service.status, Service.owner_id, Service.customer_id, Customer.name)
        .join(Customer, Customer.id == Service.customer_id)
        .where(Service.team_id == ctx.team_id, Service.id == service_id)).first()
    if row is None:
        raise LookupError(f"no service {service_id} in this workspace")
    _, name, status, owner_id, customer_id, customer_name = row
    needed = service_skills(session, ctx, service_id)
    people = session.execute(
        select(Person.id, Person.name, Person.slack_user_id, Person.role, as_float(Person.weekly_capacity_hours),
               Person.max_concurrent_services)
        .where(Person.team_id == ctx.team_id).order_by(Person.name, Person.id)).all()
    active = active_services_per_person(session, ctx)
    team = set(session.scalars(select(service_members.c.person_id).where(service_members.c.service_id == service_id)))
    skills = _skills_of_people(session, ctx, needed)
    hours_here = _customer_hours(session, ctx, customer_id)
    elsewhere = _customer_services(session, ctx, customer_id, service_id)
    capacities = [Capacity(pid, hours or 0.0, role) for pid, _n, _s, role, hours, _m in people]
    weeks = [ctx.week.following(ctx.tz)]
    while len(weeks) < HELP_WEEKS:
        weeks.append(weeks[-1].following(ctx.tz))
    planned = [planned_by_person(session, ctx, week, capacities=capacities) for week in weeks]
    last_week = ctx.week.previous(ctx.tz)
    billed = people_week(session, ctx, last_week, capacities=capacities).by_person
    candidates = [
        Candidate(
            person_id=pid, name=person_name, role=role, active_services=active.get(pid, 0),
            max_services=int(most or 0), on_team=pid in team, leads_service=pid == owner_id,
            free_hours=sum(week[pid].free_hours for week in planned), skills=frozenset(skills.get(pid, ())),
            customer_hours=hours_here.get(pid, 0.0), customer_services=tuple(elsewhere.get(pid, ())),
            available_last_week=billed[pid].available_hours, billable_last_week=billed[pid].billable_hours)
        for pid, person_name, _slack, role, _hours, most in people
    ]
    slack_ids = {pid: slack for pid, _n, slack, _r, _h, _m in people}
    names = {pid: person_name for pid, person_name, *_ in people}
    lead = PersonRef(name=names[owner_id], slack_user_id=slack_ids[owner_id]) if owner_id in names else None
    return _Gathered(
        service=ServiceRef(service_id=service_id, service_name=name, customer_name=customer_name, status=status),
        lead=lead, needed=needed, candidates=candidates, slack_ids=slack_ids, elsewhere=elsewhere, weeks=weeks,
        last_week=last_week)


def find_help(session: Session, ctx: QueryContext, *, service_id: int) -> HelpList:
    """Who could help the service, ranked (store.rules.help); LookupError when it is not this team's."""
    found = _gather(session, ctx, service_id)
    ranking = rank_helpers(found.candidates, found.needed)
    return HelpList(
        as_of=ctx.now, service=found.service, service_lead=found.lead, needed_skills=found.needed,
        helpers=[_view(h, found.slack_ids, found.elsewhere) for h in ranking.helpers],
        offered_total=ranking.offered_total, left_out=ranking.left_out,
        first_day=found.weeks[0].first_day, last_day=found.weeks[-1].last_day,
        last_week_first_day=found.last_week.first_day)


def help_standing(session: Session, ctx: QueryContext, *, service_id: int, person_id: int) -> HelpStanding:
    """Where one person stands among those who could help the service now, and why (what a proposal's
    message shows those asked to decide it); the same facts and rules as `find_help`."""
    found = _gather(session, ctx, service_id)
    ranking = rank_helpers(found.candidates, found.needed, limit=len(found.candidates))
    at = next((n for n, h in enumerate(ranking.helpers, start=1) if h.candidate.person_id == person_id), None)
    them = next((c for c in found.candidates if c.person_id == person_id), None)
    return HelpStanding(
        needed_skills=found.needed, last_week_first_day=found.last_week.first_day,
        helper=_view(ranking.helpers[at - 1], found.slack_ids, found.elsewhere) if at else None, rank=at,
        offered_total=ranking.offered_total, left_out=left_out(them) if them is not None and at is None else None)
