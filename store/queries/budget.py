"""`/delivery budget` and the service card's budget line: burn, forecasts, margins and the project
success rate, with money shown only to those who may see it (`store.rules.permissions.sees_money`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from datetime import timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from store.changes.actors import actor_facts, actor_person
from store.clock import Week
from store.context import QueryContext
from store.enums import DONE_STATUSES, Role
from store.models import NO_SERVICE, Customer, Deliverable, Person, Project, TimeEntry, WeeklyHours
from store.queries.id_lists import id_in
from store.queries.lines import person_ref
from store.queries.refs import refs_of
from store.queries.spend import Budgeted, Rates, rates, standings
from store.queries.timesheets import as_float
from store.readmodels import PersonRef, ServiceRef
from store.readmodels.budget import BudgetLine, BudgetReport, CustomerMargin, SuccessRate
from store.rules.budget import MARGIN_TARGET, BudgetBasis, margin, project_succeeded
from store.rules.permissions import ActorFacts, sees_money

MAX_LINES = 8  # per list of `/delivery budget`
WEEK_DAYS = timedelta(days=7)


def _viewer(session: Session, ctx: QueryContext, viewer: str | None) -> ActorFacts | None:
    """Who is looking, when the answer is theirs alone; None (hours and percentages) otherwise."""
    return actor_facts(actor_person(session, ctx, viewer)) if viewer else None


def _complete_shares(session: Session, service_ids: Collection[int]) -> dict[int, float]:
    """Each service's share of deliverables complete or accepted."""
    if not service_ids:
        return {}
    done = func.sum(case((Deliverable.status.in_(DONE_STATUSES), 1), else_=0))
    rows = session.execute(select(Deliverable.service_id, done, func.count())
                           .where(id_in(Deliverable.service_id, service_ids, "service_ids"))
                           .group_by(Deliverable.service_id))
    return {service_id: int(d or 0) / total for service_id, d, total in rows if total}


def _line(budgeted: Budgeted, ref, owner, complete: float | None, money: bool) -> BudgetLine:
    s, spent = budgeted.standing, budgeted.spend
    assert s.basis is not None  # only services with a budget are budgeted
    amounts = money or s.basis == BudgetBasis.HOURS
    return BudgetLine(
        ref=ref, owner=owner, basis=s.basis, budget=s.budget if amounts else None,
        spent=s.spent if amounts else None, burn=s.burn, complete=complete,
        remaining_hours=s.remaining.hours, remaining_from=s.remaining.source,
        eac=s.eac if amounts else None, overrun=s.overrun,
        margin=margin(spent.earned, spent.cost) if money else None,
        cost=spent.cost if money else None, earned=spent.earned if money else None, money_shown=money)


def _lines(session: Session, ctx: QueryContext, chosen: list[Budgeted], actor: ActorFacts | None) -> list[BudgetLine]:
    ids = [b.service_id for b in chosen]
    refs = refs_of(session, ctx, ids)
    owners = _owners(session, {b.owner_id for b in chosen if b.owner_id is not None})
    complete = _complete_shares(session, ids)
    return [_line(b, refs[b.service_id], owners.get(b.owner_id), complete.get(b.service_id),
                  sees_money(actor, b.owner_id)) for b in chosen if b.service_id in refs]


def _owners(session: Session, ids: Collection[int]):
    if not ids:
        return {}
    rows = session.execute(select(Person.id, Person.name, Person.slack_user_id)
                           .where(id_in(Person.id, ids, "owner_ids")))
    return {person_id: person_ref(name, slack) for person_id, name, slack in rows}


def service_budget(session: Session, ctx: QueryContext, *, service_id: int, viewer: str | None = None,
                   ref: ServiceRef | None = None, owner: PersonRef | None = None,
                   complete: float | None = None) -> BudgetLine | None:
    """One active service's budget line, or None without a budget. The card passes what it has read
    already (its reference, owner and share complete), so it is not read twice."""
    found = standings(session, ctx, only=[service_id]).get(service_id)
    if found is None:
        return None
    actor = _viewer(session, ctx, viewer)
    if ref is None:
        (line,) = _lines(session, ctx, [found], actor)
        return line
    return _line(found, ref, owner, complete, sees_money(actor, found.owner_id))


def _worst(items: Iterable[Budgeted], key) -> list[Budgeted]:
    return sorted(items, key=lambda b: (-key(b), b.service_id))


def _customers_below_target(session: Session, budgeted: dict[int, Budgeted]) -> tuple[list[CustomerMargin], int]:
    """The customers whose margin over their budgeted active services is below the target, lowest
    first (the first `MAX_LINES` of them), and how many there are."""
    sums: dict[int, list[float]] = defaultdict(lambda: [0, 0.0, 0.0])
    for b in budgeted.values():
        total = sums[b.customer_id]
        total[0] += 1
        total[1] += b.spend.earned
        total[2] += b.spend.cost
    below = sorted((m, customer_id) for customer_id, (_n, earned, cost) in sums.items()
                   if (m := margin(earned, cost)) is not None and m < MARGIN_TARGET)
    shown = [customer_id for _m, customer_id in below[:MAX_LINES]]
    names = dict(session.connection().execute(
        select(Customer.id, Customer.name).where(id_in(Customer.id, shown, "customer_ids"))).all()) if shown else {}
    lines = [CustomerMargin(customer_name=names[c], services=int(sums[c][0]), earned=sums[c][1], cost=sums[c][2],
                            margin=m) for m, c in below[:MAX_LINES] if c in names]
    return lines, len(below)


def _money_scope(actor: ActorFacts | None, budgeted: Iterable[Budgeted]) -> str:
    """Whose money the viewer sees: every service's (ops), the budgeted services they lead, or none."""
    if actor is None or actor.person_id is None:
        return "none"
    if actor.role == Role.OPS:
        return "all"
    return "own" if any(b.owner_id == actor.person_id for b in budgeted) else "none"


def budget_report(session: Session, ctx: QueryContext, *, viewer: str | None = None) -> BudgetReport:
    """The portfolio's budgets: services over and forecast over, the lowest margins the viewer may
    see, and the project success rate now and a week ago."""
    actor = _viewer(session, ctx, viewer)
    person_rates: dict[int, Rates] = rates(session, ctx)
    success, success_week_ago = project_success(session, ctx, person_rates)
    budgeted = standings(session, ctx)
    over = _worst((b for b in budgeted.values() if (b.standing.burn or 0) > 1), lambda b: b.standing.burn or 0)
    forecast = _worst((b for b in budgeted.values() if (b.standing.burn or 0) <= 1 and (b.standing.overrun or 0) > 0),
                      lambda b: b.standing.overrun or 0)
    scope = _money_scope(actor, budgeted.values())
    margins = {b.service_id: m for b in budgeted.values()
               if sees_money(actor, b.owner_id) and (m := margin(b.spend.earned, b.spend.cost)) is not None}
    low = [budgeted[service_id] for _m, service_id in sorted(
        (m, service_id) for service_id, m in margins.items() if m < MARGIN_TARGET)]
    below, below_count = _customers_below_target(session, budgeted) if scope == "all" else ([], 0)
    earned_total = sum(b.spend.earned for b in budgeted.values()) if scope == "all" else None
    cost_total = sum(b.spend.cost for b in budgeted.values()) if scope == "all" else None
    lines = _lines(session, ctx, [*over[:MAX_LINES], *forecast[:MAX_LINES], *low[:MAX_LINES]], actor)
    by_id = {line.ref.service_id: line for line in lines}
    return BudgetReport(
        as_of=ctx.now, budgeted=len(budgeted), threshold=ctx.limits.budget_overrun_max,
        over=[by_id[b.service_id] for b in over[:MAX_LINES] if b.service_id in by_id], over_count=len(over),
        forecast_over=[by_id[b.service_id] for b in forecast[:MAX_LINES] if b.service_id in by_id],
        forecast_over_count=len(forecast), money_scope=scope,
        margin_total=margin(earned_total, cost_total) if earned_total is not None and cost_total is not None else None,
        earned_total=earned_total, cost_total=cost_total,
        lowest_margins=[by_id[b.service_id] for b in low[:MAX_LINES] if b.service_id in by_id],
        below_target_count=len(low), customers_below_target=below, customers_below_target_count=below_count,
        success=success, success_week_ago=success_week_ago,
    )


def project_success(session: Session, ctx: QueryContext, person_rates: dict[int, Rates]) -> tuple[SuccessRate, ...]:
    """Projects completed, and those finished on time and within budget: to date, and a week ago
    (those completed on or before the day seven days ago). Two statements."""
    projects = session.execute(
        select(Project.id, Project.completed_on, Project.ends_on, Project.budget_hours, Project.budget_amount)
        .where(Project.team_id == ctx.team_id, Project.completed_on.is_not(None))).all()
    hours: dict[int, float] = defaultdict(float)
    earned: dict[int, float] = defaultdict(float)
    none = Rates(None, None)
    if projects:
        for project_id, person_id, spent, billable in session.execute(
                select(TimeEntry.project_id, TimeEntry.person_id, func.sum(TimeEntry.hours),
                       func.sum(case((TimeEntry.billable, TimeEntry.hours), else_=0)))
                .where(id_in(TimeEntry.project_id, [p[0] for p in projects], "project_ids"))
                .group_by(TimeEntry.project_id, TimeEntry.person_id)):
            hours[project_id] += float(spent or 0)
            earned[project_id] += float(billable or 0) * (person_rates.get(person_id, none).bill or 0.0)
    week_ago = ctx.today - WEEK_DAYS
    outcomes = []
    for project_id, completed_on, ends_on, budget_hours, budget_amount in projects:
        if budget_hours:
            spent, budget = hours[project_id], float(budget_hours)
        elif budget_amount:
            spent, budget = earned[project_id], float(budget_amount)
        else:
            spent, budget = 0.0, None
        assert completed_on is not None  # only completed projects were read
        outcomes.append((completed_on <= week_ago, project_succeeded(completed_on, ends_on, spent, budget)))
    then = [ok for done_then, ok in outcomes if done_then]
    return (SuccessRate(completed=len(outcomes), succeeded=sum(ok for _, ok in outcomes)),
            SuccessRate(completed=len(then), succeeded=sum(then)))


def week_margins(session: Session, ctx: QueryContext, weeks: Sequence[Week],
                 person_rates: dict[int, Rates]) -> list[float | None]:
    """The services' margin of each whole week: hours logged on services that week (internal time
    is not a service's), earned at bill rates and costed at cost rates. One statement."""
    firsts = [week.first_day for week in weeks]
    earned = dict.fromkeys(firsts, 0.0)
    cost = dict.fromkeys(firsts, 0.0)
    none = Rates(None, None)
    for week_on, person_id, logged, billable in session.execute(
            select(WeeklyHours.week_on, WeeklyHours.person_id, as_float(func.sum(WeeklyHours.hours)),
                   as_float(func.sum(WeeklyHours.billable_hours)))
            .where(WeeklyHours.team_id == ctx.team_id, WeeklyHours.week_on.in_(firsts),
                   WeeklyHours.service_id != NO_SERVICE)
            .group_by(WeeklyHours.week_on, WeeklyHours.person_id)):
        rate = person_rates.get(person_id, none)
        earned[week_on] += (billable or 0.0) * (rate.bill or 0.0)
        cost[week_on] += (logged or 0.0) * (rate.cost or 0.0)
    return [margin(earned[first], cost[first]) for first in firsts]
