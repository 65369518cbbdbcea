"""A synthetic portfolio of any size with the demo's shape, for load tests and benchmarks.

Why: the hand-made demo has 15 services; statement counts, query plans and timings show their
problems only at thousands. Each service is planned with the health the rules should compute
and the rule that causes it, and its rows are made to trip that rule and none worse. Money too: the
demo's role rates, a tenth of people on rates of their own, estimates on open deliverables, and
budgets in hours and money set against the hours each service logs plus what it has left, so that
services planned On Track are forecast well within budget, and about half of those planned Needs
Attention or At Risk (whose health a budget finding cannot worsen) are forecast over it. Fixed
seeds: the same N gives the same rows. Rows are generated a chunk of services at a time and inserted with
executemany in foreign-key order, with primary keys assigned here after each table's maximum
(the same on SQLite and PostgreSQL), so 10,000 services (~1,000,000 rows: 150,000 deliverables, 500,000 tickets, 300,000
appointments) stream in bounded memory.
Keys carry the demo prefix, so the demo and this loader replace each other without --force.
The plans are in store/demo/synthetic_plan.py, the chunk's row buffer in store/demo/synthetic_rows.py.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import partial
from random import Random
from typing import NamedTuple, NotRequired, TypedDict
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from store.bulk import after_bulk_load
from store.db import refresh_planner_statistics
from store.demo import spec
from store.demo.build import DAY, HOUR, Timeline, decimal_or_none
from store.demo.load import DemoLoaded, clear_workspace, refuse_foreign_rows
from store.demo.synthetic_plan import (
    MOST_FORECAST,
    ServicePlan,
    bill_rate_of,
    customer_name,
    money_plan,
    own_rates_of,
    person_name,
    role_of,
    service_plans,
    synthetic_key,
)
from store.demo.synthetic_rows import (
    ALLOCATIONS,
    APPOINTMENTS,
    CHANGES,
    CUSTOMERS,
    DELIVERABLES,
    MILESTONES,
    PEOPLE,
    RATES,
    SERVICES,
    SYNTHETIC_TABLES,
    TASKS,
    TICKETS,
    TIME_ENTRIES,
    TIME_OFF,
    Gen,
    Svc,
    insert_rows,
    next_ids,
)
from store.enums import AppointmentKind, BlockerCategory, DeliverableStatus, Role, ServiceStatus, Surface, TaskStatus
from store.health.rules import HealthThresholds
from store.models import service_members
from store.rules.budget import BURN_WEEKS, remaining_hours

ROW_SEED, TIME_SEED = 20261119, 20261206_000000
SERVICES_PER_CHUNK = 100  # ~10,000 rows per chunk; the largest executemany is ~5,000 tickets
SERVICES_PER_PERSON = 3


# Before the ~1% blocked: 66% done, 20% in progress (9% late), 13% not started (1% late).
MIX = {"complete": 50, "accepted": 16, "in_progress": 11, "late": 9, "not_started": 12, "late_ns": 1}
HOURS_ON_A_SERVICE = ("2", "2.5", "3", "3.5", "4")
# Planned hours a week on an active service: its owner's (about what they log on it), and a member's.
OWNER_ALLOCATION, MEMBER_ALLOCATION = Decimal(10), Decimal(4)
SLA_HOURS = {"high": 8, "normal": 24, "low": 72}
DEFAULT_LIMITS = HealthThresholds()

AREAS = ("CRM", "ERP", "Payments", "Data Platform", "Customer Portal", "Field Service", "Reporting", "Supply Chain")
DELIVERABLE_NAMES = ("Requirements sign-off", "Solution design", "Data migration", "SSO integration", "Runbook",
                     "Admin training", "User acceptance tests", "Go-live plan", "Integration tests", "Handover notes")
MILESTONES_THIS_WEEK = ("Go-Live Readiness", "Discovery Wrap-up", "Training Complete", "Design Sign-off")
BLOCKED_REASONS = ("Waiting on the customer's identity provider credentials", "Vendor API access pending",
                   "Customer data extract not delivered", "Security review outstanding")
# Each reason's blocker category (store.enums.BlockerCategory), in the same order.
BLOCKED_CATEGORIES = (BlockerCategory.ACCESS, BlockerCategory.THIRD_PARTY, BlockerCategory.WAITING_ON_CUSTOMER,
                      BlockerCategory.INTERNAL_DEPENDENCY)
ACTION_NOTES = {"blocked": "Escalation meeting scheduled", "engagement": "Customer Org notified",
                "timeline": "Resource reallocation in progress", "tickets": "Support lead reviewing backlog"}


def load_synthetic(session_or_engine: Session | Engine, *, team_id: str, now: datetime, tz: ZoneInfo,
                   services: int, force: bool = False, limits: HealthThresholds = DEFAULT_LIMITS) -> DemoLoaded:
    """Replace workspace `team_id`'s data with `services` synthetic services dated around `now`.

    Refuses other data unless `force`, like the demo. Given a session the caller commits (one
    transaction, like `load_demo`); given an engine it commits itself, then vacuums what it wrote
    and refreshes the engagement tallies and kept health (with `limits`' rules) as of `now`.
    """
    if services < 1:
        raise ValueError(f"services must be at least 1, not {services}")
    if isinstance(session_or_engine, Engine):
        with Session(session_or_engine) as session, session.begin():
            loaded = _load(session, team_id, now, tz, services, force)
        after_bulk_load(session_or_engine, team_id, tables=SYNTHETIC_TABLES, now=now, tz=tz, limits=limits)
        return loaded
    return _load(session_or_engine, team_id, now, tz, services, force)


def _load(session: Session, team_id: str, now: datetime, tz: ZoneInfo, count: int, force: bool) -> DemoLoaded:
    refuse_foreign_rows(session, force=force)
    replaced = clear_workspace(session, team_id)
    ids, people = next_ids(session), max(3, -(-count // SERVICES_PER_PERSON))
    first = session.execute(select(func.coalesce(func.max(PEOPLE.c.id), 0))).scalar_one() + 1
    owners = tuple(first + i - 1 for i in range(1, people + 1) if role_of(i) != Role.OPS)
    new_gen = partial(Gen, team_id, ids, Random(ROW_SEED), Timeline(now, tz), owners)
    written = _people(session, new_gen(), people)
    plans = service_plans(count)
    # Not strict: the last chunk is shorter. The range comes first, so no plan is drawn and dropped.
    while chunk := [plan for _, plan in zip(range(SERVICES_PER_CHUNK), plans, strict=False)]:
        gen = new_gen()
        for plan in chunk:
            _service(gen, plan)
        written += insert_rows(session, gen.rows)
    _after_bulk_load(session)
    return DemoLoaded(team_id=team_id, rows=written, replaced=replaced)


def _people(session: Session, gen: Gen, count: int) -> int:
    """The role rates, and one person per three services (at most ~3,300 rows: one batch), 40 hours
    and 4 services each."""
    _role_rates(gen)
    for i in range(1, count + 1):
        cost_rate, bill_rate = own_rates_of(i)
        person_id = gen.add(PEOPLE, key=synthetic_key("person", i), name=person_name(i),
                            email=f"person{i:06d}@synthetic.example", slack_user_id=f"U{i:08d}", role=role_of(i),
                            weekly_capacity_hours=40, max_concurrent_services=4, cost_rate=cost_rate,
                            bill_rate=bill_rate)
        _internal_time(gen, i, person_id)
    return insert_rows(session, gen.rows)


def _role_rates(gen: Gen) -> None:
    """The workspace's rates by role: the demo's."""
    for role, (cost, bill) in spec.ROLE_RATES.items():
        gen.add(RATES, key=synthetic_key("rate", role), role=Role(role), cost_rate=decimal_or_none(cost),
                bill_rate=decimal_or_none(bill))


def _internal_time(gen: Gen, number: int, person_id: int) -> None:
    """Each person's weekly internal hours (Fridays), and for one in ten a week off in the last thirteen
    (one in fifty also takes a day next week)."""
    rng = Random(TIME_SEED * 2 + number)
    for day in gen.workdays:
        if day.weekday() == 4:
            gen.add(TIME_ENTRIES, key=synthetic_key("internal", number, day.isoformat()), person_id=person_id,
                    worked_on=day, hours=Decimal(rng.choice("234")), billable=False, source="synthetic",
                    note="Internal: planning and coordination")
    if number % 10 == 0:
        monday = gen.t.week.first_day - rng.randint(1, spec.TIMESHEET_WEEKS) * 7 * DAY
        gen.add(TIME_OFF, key=synthetic_key("off", number), person_id=person_id, starts_on=monday,
                ends_on=monday + 4 * DAY, hours_per_day=Decimal(8), note="Vacation")
    if number % 50 == 0:
        day = gen.t.week.first_day + 7 * DAY + rng.randint(0, 4) * DAY
        gen.add(TIME_OFF, key=synthetic_key("off", number, "next"), person_id=person_id, starts_on=day, ends_on=day,
                hours_per_day=Decimal(8), note="Day off")


def _after_bulk_load(session: Session) -> None:
    """Move PostgreSQL's sequences past the ids assigned here, and refresh the planner's statistics
    on either database: without them the portfolio query took 20 s instead of 0.5 s at 10,000
    services on PostgreSQL."""
    names = list(SYNTHETIC_TABLES)
    if session.get_bind().dialect.name == "postgresql":
        for name in names:
            if name != service_members.name:
                session.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), max(id)) FROM {name}"))
    refresh_planner_statistics(session, names)


def _service(gen: Gen, plan: ServicePlan) -> None:
    n, rng = plan.number, gen.rng
    owner_id = gen.owners[n % len(gen.owners)]
    customer_id = gen.add(CUSTOMERS, key=synthetic_key("customer", n), name=customer_name(n))
    name = f"{AREAS[n % len(AREAS)]} {plan.phase.label}"
    service_id = gen.add(SERVICES, key=plan.key, customer_id=customer_id, name=name, status=plan.status,
                         phase=plan.phase, owner_id=owner_id,
                         action_note=ACTION_NOTES.get(plan.cause) if plan.cause is not None else None,
                         created_at=gen.t.now - rng.randint(60, 180) * DAY)
    member_id = gen.owners[(n + 1) % len(gen.owners)] if rng.random() < 0.2 else None
    if member_id is not None:
        gen.add_link(service_members, service_id=service_id, person_id=member_id)
    slack_id = f"U{owner_id - gen.owners[0] + 1:08d}"  # person 1 always owns: it is never ops
    svc = Svc(plan, service_id, customer_id, owner_id, slack_id, name, plan.status == ServiceStatus.ACTIVE,
              money_plan(plan))
    open_work = _deliverables(gen, svc, _milestones(gen, svc))
    _appointments(gen, svc)
    _tickets(gen, svc)
    _history(gen, svc)
    logged = _logged_hours(gen, svc)
    _time_entries(gen, svc, logged)
    _allocations(gen, svc, member_id)
    _budget(gen, svc, logged, open_work)


def _allocations(gen: Gen, svc: Svc, member_id: int | None) -> None:
    """An active service's owner planned for 10 hours a week, and its member (if any) for 4, from
    the start of the timesheets' thirteen weeks, with no end."""
    if not svc.active:
        return
    starts_on = gen.t.week.first_day - spec.TIMESHEET_WEEKS * 7 * DAY
    n = svc.plan.number
    for role, person_id, hours in (("owner", svc.owner_id, OWNER_ALLOCATION), ("member", member_id, MEMBER_ALLOCATION)):
        if person_id is not None:
            gen.add(ALLOCATIONS, key=synthetic_key("allocation", n, role), person_id=person_id, service_id=svc.id,
                    hours_per_week=hours, starts_on=starts_on, ends_on=None, note=None)


def _logged_hours(gen: Gen, svc: Svc) -> list[tuple[date, Decimal]]:
    """The owner's billable hours on an active service: on seven working days in ten, 2 to 4 hours."""
    if not svc.active:
        return []
    rng = Random(TIME_SEED + svc.plan.number)  # its own draws: the rows generated before stay as they were
    return [(day, Decimal(rng.choice(HOURS_ON_A_SERVICE))) for day in gen.workdays if rng.random() < 0.7]


def _time_entries(gen: Gen, svc: Svc, logged: list[tuple[date, Decimal]]) -> None:
    """A time entry per day of `logged`, the owner's."""
    n = svc.plan.number
    for day, hours in logged:
        gen.add(TIME_ENTRIES, key=synthetic_key("time", n, day.isoformat()), person_id=svc.owner_id,
                service_id=svc.id, worked_on=day, hours=hours, billable=True, source="synthetic",
                note=f"{svc.name} delivery")


def _weekly_burn(gen: Gen, logged: list[tuple[date, Decimal]]) -> float:
    """Mean hours a week logged over the last BURN_WEEKS whole weeks before this one."""
    this_week = gen.t.week.first_day
    since = this_week - BURN_WEEKS * 7 * DAY
    return float(sum(hours for day, hours in logged if since <= day < this_week)) / BURN_WEEKS


def _budget(gen: Gen, svc: Svc, logged: list[tuple[date, Decimal]], open_work: list[OpenWork]) -> None:
    """The service's budget: in hours and money (the hours at its owner's bill rate), money only or none."""
    money = svc.money
    if money.kind == "none":
        return
    hours = Decimal(_budget_hours(gen, svc, logged, open_work))
    rate = bill_rate_of(svc.owner_id - gen.owners[0] + 1)  # person 1 is gen.owners[0]: it is never ops
    gen.update(SERVICES, svc.id, budget_hours=hours if money.kind == "hours_and_money" else None,
               budget_amount=None if rate is None else hours * rate)


def _budget_hours(gen: Gen, svc: Svc, logged: list[tuple[date, Decimal]], open_work: list[OpenWork]) -> int:
    """Whole hours, against the estimate at completion (the hours logged plus those left, as the
    budget rules read them): `over_by` under it, or else at least enough for spent to be `burn` of
    the budget and the estimate at most MOST_FORECAST of it. Paused and complete services log
    nothing: `idle_hours`."""
    money = svc.money
    if not svc.active:
        return money.idle_hours
    estimates = [hours for _, hours in open_work if hours is not None]
    last_due = max((due for due, _ in open_work), default=None)
    left = remaining_hours(float(sum(estimates)), len(estimates), _weekly_burn(gen, logged), gen.t.today, last_due)
    spent = float(sum(hours for _, hours in logged))
    at_completion = spent + (left.hours or 0.0)
    if money.over_by is not None:
        return max(1, round(at_completion / (1 + money.over_by)))
    return max(1, math.ceil(max(spent / money.burn, at_completion / MOST_FORECAST)))


def _milestones(gen: Gen, svc: Svc) -> tuple[int, date] | None:
    """A done kickoff and the next milestone; returns the next one when it falls due this week."""
    t, rng, n = gen.t, gen.rng, svc.plan.number
    gen.add(MILESTONES, key=synthetic_key("milestone", n, "kickoff"), service_id=svc.id, name="Kickoff",
            due_on=t.today - 60 * DAY, done_on=t.today - 59 * DAY)
    if svc.plan.status == ServiceStatus.COMPLETE:
        gen.add(MILESTONES, key=synthetic_key("milestone", n, "handover"), service_id=svc.id, name="Handover",
                due_on=t.today - 10 * DAY, done_on=t.today - 9 * DAY)
        return None
    soon = svc.active and (svc.plan.cause == "timeline" or (svc.plan.cause is None and rng.random() < 0.15))
    due = t.this_week(rng.randint(0, 4)) if soon else t.today + rng.randint(21, 50) * DAY
    name = rng.choice(MILESTONES_THIS_WEEK) if soon else "Phase review"
    milestone_id = gen.add(MILESTONES, key=synthetic_key("milestone", n, "next"), service_id=svc.id, name=name,
                           due_on=due)
    return (milestone_id, due) if soon else None


def _deliverable_kinds(gen: Gen, svc: Svc) -> list[str]:
    rng = gen.rng
    kinds = rng.choices(list(MIX), list(MIX.values()), k=rng.randint(8, 12))
    if svc.plan.status == ServiceStatus.COMPLETE:
        return [rng.choice(("complete", "accepted")) for _ in kinds]
    if svc.plan.cause == "blocked":
        kinds[-1] = "stuck"
    elif svc.active and rng.random() < 0.04:
        kinds[-1] = "fresh_blocked"  # blocked under the rule's threshold: no finding yet
    if svc.plan.cause == "timeline" and not {"in_progress", "not_started"} & set(kinds):
        kinds.append("in_progress")
    return kinds


def _milestone_links(gen: Gen, svc: Svc, kinds: list[str]) -> set[int]:
    """Deliverables linked to this week's milestone: fewer done than open for the timeline cause
    (under half done), only done ones otherwise. Late ones stay off it."""
    done = [i for i, k in enumerate(kinds) if k in ("complete", "accepted")]
    open_ = [i for i, k in enumerate(kinds) if k in ("in_progress", "not_started")]
    if svc.plan.cause == "timeline":
        linked_open = open_[:3]
        linked_done = done[: gen.rng.randint(0, len(linked_open) - 1)]
    else:
        linked_done = done[: gen.rng.randint(2, 4)]
        # Its work done: any open left on it this week would be forecast to slip at the service's pace,
        # which is not the health planned. (The draw is kept, so every later row stays as it was.)
        gen.rng.randint(0, 2)
        linked_open = []
    return set(linked_done) | set(linked_open)


class OpenWork(NamedTuple):
    """An open deliverable, as the budget's remaining hours read it."""

    due_on: date
    estimate_hours: Decimal | None


class DeliverableRow(TypedDict):
    """The columns of a deliverable that depend on its kind (and on its milestone and acceptance)."""

    status: DeliverableStatus
    due_on: date
    completed_at: NotRequired[datetime]
    accepted_at: NotRequired[datetime]
    blocked_reason: NotRequired[str]
    blocked_category: NotRequired[str]
    blocked_since: NotRequired[datetime]
    milestone_id: NotRequired[int]
    accepted_by_id: NotRequired[int]


def _deliverable_dates(gen: Gen, kind: str) -> DeliverableRow:
    """Status, due date and timestamps of one deliverable of `kind`."""
    t, rng = gen.t, gen.rng
    row = DeliverableRow(status=DeliverableStatus.IN_PROGRESS, due_on=t.today + rng.randint(3, 45) * DAY)
    if kind in ("complete", "accepted"):
        row["status"], row["due_on"] = DeliverableStatus(kind), t.today - rng.randint(5, 60) * DAY
        completed_at = row["completed_at"] = gen.at(row["due_on"] - rng.randint(0, 3) * DAY)
        if kind == "accepted":
            row["accepted_at"] = completed_at + DAY
    elif kind in ("late", "late_ns"):
        row["due_on"] = t.today - rng.randint(1, 20) * DAY
        row["status"] = DeliverableStatus.IN_PROGRESS if kind == "late" else DeliverableStatus.NOT_STARTED
    elif kind == "not_started":
        row["status"] = DeliverableStatus.NOT_STARTED
    elif kind in ("stuck", "fresh_blocked"):
        hours = rng.randint(3 * 24 + 2, 9 * 24) if kind == "stuck" else rng.randint(4, 60)
        row["status"], row["due_on"] = DeliverableStatus.BLOCKED, t.today - rng.randint(0, 5) * DAY
        reason = rng.randrange(len(BLOCKED_REASONS))
        row["blocked_reason"], row["blocked_since"] = BLOCKED_REASONS[reason], t.now - hours * HOUR
        row["blocked_category"] = BLOCKED_CATEGORIES[reason].value
    return row


def _deliverables(gen: Gen, svc: Svc, milestone: tuple[int, date] | None) -> list[OpenWork]:
    """Deliverables, an audit row per blocked one, follow-up tasks on open ones and a done review task;
    returns the open ones."""
    t, rng, n = gen.t, gen.rng, svc.plan.number
    kinds = _deliverable_kinds(gen, svc)
    linked = _milestone_links(gen, svc, kinds) if milestone else set()
    follow_ups = rng.randint(1, 3) if svc.active else 0
    open_work = []
    for number, kind in enumerate(kinds, start=1):
        row = _deliverable_dates(gen, kind)
        status, name = row["status"], DELIVERABLE_NAMES[(n + number) % len(DELIVERABLE_NAMES)]
        if milestone is not None and number - 1 in linked:  # linked is empty without a milestone
            row["milestone_id"] = milestone[0]
            row["due_on"] = row["due_on"] if status.is_done else milestone[1]
        if status == DeliverableStatus.ACCEPTED:
            row["accepted_by_id"] = svc.owner_id
        estimate = svc.money.estimate(status)
        if not status.is_done:
            open_work.append(OpenWork(row["due_on"], estimate))
        deliverable_id = gen.add(DELIVERABLES, key=synthetic_key("deliverable", n, number), service_id=svc.id,
                                 name=name, owner_id=svc.owner_id, estimate_hours=estimate, **row)
        if status == DeliverableStatus.BLOCKED:
            gen.add(CHANGES, object_type="deliverable", object_id=deliverable_id, field="status",
                    from_value=DeliverableStatus.IN_PROGRESS.value, to_value=status.value,
                    reason=row["blocked_reason"], blocker_category=row["blocked_category"],
                    changed_by_id=svc.owner_id, surface=Surface.SLACK,
                    changed_by_slack_user_id=svc.owner_slack_id, changed_at=row["blocked_since"])
        if not status.is_done and follow_ups:
            follow_ups -= 1
            gen.add(TASKS, key=synthetic_key("task", n, number), service_id=svc.id, deliverable_id=deliverable_id,
                    title=f"Follow up: {name}", owner_id=svc.owner_id, due_on=t.this_week(rng.randint(0, 4)),
                    status=TaskStatus.OPEN)
    gen.add(TASKS, key=synthetic_key("task", n, "review"), service_id=svc.id, title=f"Weekly review: {svc.name}",
            owner_id=svc.owner_id, due_on=t.today - rng.randint(1, 7) * DAY, status=TaskStatus.DONE)
    return open_work


def _appointments(gen: Gen, svc: Svc) -> None:
    """Customer sessions 1-13 days back fall in the rules' recent 14 days and 15-27 back in the
    14 before, whatever the hour; declining engagement is 1 recent against 4-6 before."""
    rng, cause, n = gen.rng, svc.plan.cause, svc.plan.number
    recent = 1 if cause == "engagement" else rng.randint(3, 5) if svc.active else 0
    prior = rng.randint(4, 6) if cause == "engagement" else rng.randint(3, 5)
    sessions = (gen.days_ago(recent, 1, 13) + gen.days_ago(prior, 15, 27) + gen.days_ago(rng.randint(1, 2), 29, 34)
                + (gen.later_this_week(rng.randint(1, 2)) if svc.active else []))
    for number, day in enumerate(sessions):
        gen.add(APPOINTMENTS, key=synthetic_key("session", n, number), person_id=svc.owner_id, service_id=svc.id,
                customer_id=svc.customer_id, kind=AppointmentKind.CUSTOMER_SESSION, starts_at=gen.at(day),
                title=f"{customer_name(n)} working session", duration_minutes=rng.choice((60, 90)))
    for number, day in enumerate(gen.days_ago(rng.randint(7, 10), 1, 34) + gen.later_this_week(1)):
        gen.add(APPOINTMENTS, key=synthetic_key("meeting", n, number), person_id=svc.owner_id, service_id=svc.id,
                kind=AppointmentKind.INTERNAL, title=f"{svc.name} team sync", starts_at=gen.at(day),
                duration_minutes=rng.choice((30, 45, 60)))


def _tickets(gen: Gen, svc: Svc) -> None:
    """Resolved tickets spread over this week and the four before (never after now); a few open,
    three overdue for the tickets cause and at most one otherwise."""
    t, rng, n = gen.t, gen.rng, svc.plan.number
    overdue = 3 if svc.plan.cause == "tickets" else int(svc.active and rng.random() < 0.08)
    still_open = rng.randint(0, 2) if svc.active else 0
    weeks = [t.week]
    while len(weeks) < 5:
        weeks.append(weeks[-1].previous(t.tz))
    for number in range(rng.randint(6, 10)):
        week, topic = weeks[number % len(weeks)], rng.randrange(len(spec.TICKET_TOPICS))
        priority = spec.TICKET_PRIORITIES[topic % len(spec.TICKET_PRIORITIES)]
        opened = week.start + timedelta(seconds=int((min(week.end, t.now) - week.start).total_seconds() * rng.random()))
        due, resolved = opened + SLA_HOURS[priority] * HOUR, None
        if number < overdue:
            opened = t.now - rng.randint(2 * 24, 6 * 24) * HOUR
            due = opened + 24 * HOUR
        elif number < overdue + still_open:
            opened = t.week.start + (t.now - t.week.start) * rng.random()
            due = t.now + rng.randint(2, 48) * HOUR
        else:
            resolved = opened + min(rng.randint(1, 30) * HOUR, (t.now - opened) / 2)
        gen.add(TICKETS, key=synthetic_key("ticket", n, number), customer_id=svc.customer_id, service_id=svc.id,
                title=spec.TICKET_TOPICS[topic], type=spec.TICKET_TYPES[topic % len(spec.TICKET_TYPES)],
                priority=priority, owner_id=svc.owner_id, opened_at=opened, due_at=due, resolved_at=resolved)


def _history(gen: Gen, svc: Svc) -> None:
    """What a service accumulates before the last five weeks: accepted deliverables, past sessions
    and meetings, resolved tickets. Real portfolios carry months of it, and every query that is
    bounded by a window or a status must stay as fast with it; the rules see none of it."""
    t, rng, n = gen.t, gen.rng, svc.plan.number
    for number in range(rng.randint(4, 6)):
        due = t.today - rng.randint(70, 365) * DAY
        completed = gen.at(due - rng.randint(0, 5) * DAY)
        gen.add(DELIVERABLES, key=synthetic_key("past-deliverable", n, number), service_id=svc.id,
                name=f"Phase {number + 1} handover", owner_id=svc.owner_id, status=DeliverableStatus.ACCEPTED,
                due_on=due, completed_at=completed, accepted_at=completed + DAY, accepted_by_id=svc.owner_id)
    for number in range(rng.randint(8, 12)):
        customer = number % 2 == 0
        gen.add(APPOINTMENTS, key=synthetic_key("past-appointment", n, number), person_id=svc.owner_id,
                service_id=svc.id, customer_id=svc.customer_id if customer else None,
                kind=AppointmentKind.CUSTOMER_SESSION if customer else AppointmentKind.INTERNAL,
                title=f"{customer_name(n)} working session" if customer else f"{svc.name} team sync",
                starts_at=gen.at(t.today - rng.randint(36, 270) * DAY), duration_minutes=rng.choice((30, 60, 90)))
    for number in range(rng.randint(40, 44)):
        topic = rng.randrange(len(spec.TICKET_TOPICS))
        priority = spec.TICKET_PRIORITIES[topic % len(spec.TICKET_PRIORITIES)]
        opened = t.now - rng.randint(6 * 7 * 24, 52 * 7 * 24) * HOUR
        gen.add(TICKETS, key=synthetic_key("past-ticket", n, number), customer_id=svc.customer_id,
                service_id=svc.id, title=spec.TICKET_TOPICS[topic],
                type=spec.TICKET_TYPES[topic % len(spec.TICKET_TYPES)], priority=priority, owner_id=svc.owner_id,
                opened_at=opened, due_at=opened + SLA_HOURS[priority] * HOUR,
                resolved_at=opened + rng.randint(1, 30) * HOUR)
