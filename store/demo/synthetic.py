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
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from functools import cached_property, partial
from random import Random
from typing import Any, NamedTuple, NotRequired, TypedDict
from zoneinfo import ZoneInfo

from sqlalchemy import Column, ColumnDefault, Engine, Table, func, insert, select, text
from sqlalchemy.orm import Session

from store.bulk import after_bulk_load
from store.db import mapped_table, refresh_planner_statistics
from store.demo import spec
from store.demo.build import DAY, HOUR, Timeline, decimal_or_none, demo_key
from store.demo.load import DemoLoaded, clear_workspace, refuse_foreign_rows
from store.demo.timesheets import days_worked
from store.enums import AppointmentKind, DeliverableStatus, Health, Phase, Role, ServiceStatus, Surface, TaskStatus
from store.health.rules import HealthThresholds
from store.models import (
    Allocation,
    Appointment,
    Customer,
    Deliverable,
    Milestone,
    Person,
    RoleRate,
    Service,
    StatusChange,
    Task,
    Ticket,
    TimeEntry,
    TimeOff,
    service_members,
)
from store.rules.budget import BURN_WEEKS, remaining_hours

PLAN_SEED, ROW_SEED, TIME_SEED = 20261118, 20261119, 20261206_000000
MONEY_SEED = 20270115_000000  # budgets and estimates: a stream per service, apart from the rows' own
SERVICES_PER_CHUNK = 100  # ~10,000 rows per chunk; the largest executemany is ~5,000 tickets
SERVICES_PER_PERSON = 3

CUSTOMERS, PEOPLE, SERVICES = mapped_table(Customer), mapped_table(Person), mapped_table(Service)
MILESTONES, DELIVERABLES, TASKS = mapped_table(Milestone), mapped_table(Deliverable), mapped_table(Task)
APPOINTMENTS, TICKETS, CHANGES = mapped_table(Appointment), mapped_table(Ticket), mapped_table(StatusChange)
TIME_ENTRIES, TIME_OFF, ALLOCATIONS = mapped_table(TimeEntry), mapped_table(TimeOff), mapped_table(Allocation)
RATES = mapped_table(RoleRate)
# Parents before children, so foreign keys hold at every insert (role rates refer to no other row).
INSERT_ORDER = (RATES, CUSTOMERS, PEOPLE, TIME_OFF, SERVICES, service_members, MILESTONES, DELIVERABLES, CHANGES, TASKS,
                APPOINTMENTS, TICKETS, TIME_ENTRIES, ALLOCATIONS)
# What a caller that commits the load itself vacuums afterwards (`store.db.vacuum_after_bulk_load`).
SYNTHETIC_TABLES = tuple(table.name for table in INSERT_ORDER)

A, P, C = ServiceStatus.ACTIVE, ServiceStatus.PAUSED, ServiceStatus.COMPLETE
OK, NA, AR = Health.ON_TRACK, Health.NEEDS_ATTENTION, Health.AT_RISK
# Fifty services: 45 active (36 / 6 / 3 = 80% / 13% / 7%), 3 paused, 2 complete; shuffled per block.
PLAN_BLOCK = ([(A, OK, None)] * 36 + [(A, NA, "timeline"), (A, NA, "engagement"), (A, NA, "tickets")] * 2
              + [(A, AR, "blocked")] * 3 + [(P, OK, None)] * 3 + [(C, OK, None)] * 2)
PHASE_WEIGHTS = (2, 6, 4, 3)  # the demo's spread over discovery, build, training, optimization
# Before the ~1% blocked: 66% done, 20% in progress (9% late), 13% not started (1% late).
MIX = {"complete": 50, "accepted": 16, "in_progress": 11, "late": 9, "not_started": 12, "late_ns": 1}
HOURS_ON_A_SERVICE = ("2", "2.5", "3", "3.5", "4")
# Planned hours a week on an active service: its owner's (about what they log on it), and a member's.
OWNER_ALLOCATION, MEMBER_ALLOCATION = Decimal(10), Decimal(4)
SLA_HOURS = {"high": 8, "normal": 24, "low": 72}
DEFAULT_LIMITS = HealthThresholds()
# Money. One person in ten, every other lead (persons 1, 11, 21...), has senior rates of their own
# (cost, bill); everyone else is charged at their role's (spec.ROLE_RATES).
SENIOR_RATES = (("95", "195"), ("100", "200"), ("105", "210"))
# Budgets: hours and money (the hours at the owner's bill rate), money only, none.
BUDGET_KINDS = {"hours_and_money": 70, "money_only": 20, "none": 10}
ESTIMATED_SHARE = 0.8  # of services whose open deliverables carry estimates; the rest forecast at the burn
ESTIMATE_HOURS = ("2", "3", "4", "5", "6", "7", "8")
# Of the services planned Needs Attention or At Risk, the share forecast over budget, and by how much.
OVERRUN_SHARE, OVERRUN = 0.5, (0.17, 0.38)
# The others: spent/budget aimed at, and the most of the budget their forecast may take.
BURN, MOST_FORECAST = (0.40, 0.90), 0.90
IDLE_BUDGET_HOURS = (60, 240)  # paused and complete services log no hours: a budget from this range

FIRST = "Ava Ben Chloe Dev Eli Fay Gus Hana Ivan Jo Kai Lena Milo Nia Omar Pia Raj Sara Tom Uma Vic Wen".split()
LAST = "Adams Baker Chen Diaz Evans Fischer Garcia Hughes Ito Jensen Khan Lopez Moreau Novak Okafor Price".split()
BRANDS = ("Acorn Beacon Cobalt Dune Ember Fjord Granite Harbor Indigo Jade Kestrel Lantern Meridian Nimbus Onyx "
          "Pinnacle Quarry Rook Sable Tundra Umber Vertex Willow Xenon Zephyr").split()
TRADES = "Analytics Bank Components Energy Foods Health Insurance Logistics Media Partners Retail Telecom".split()
AREAS = ("CRM", "ERP", "Payments", "Data Platform", "Customer Portal", "Field Service", "Reporting", "Supply Chain")
DELIVERABLE_NAMES = ("Requirements sign-off", "Solution design", "Data migration", "SSO integration", "Runbook",
                     "Admin training", "User acceptance tests", "Go-live plan", "Integration tests", "Handover notes")
MILESTONES_THIS_WEEK = ("Go-Live Readiness", "Discovery Wrap-up", "Training Complete", "Design Sign-off")
BLOCKED_REASONS = ("Waiting on the customer's identity provider credentials", "Vendor API access pending",
                   "Customer data extract not delivered", "Security review outstanding")
ACTION_NOTES = {"blocked": "Escalation meeting scheduled", "engagement": "Customer Org notified",
                "timeline": "Resource reallocation in progress", "tickets": "Support lead reviewing backlog"}


@dataclass(frozen=True)
class ServicePlan:
    """What a service is meant to be; `health` is what the rules compute while it is active."""

    number: int
    status: ServiceStatus
    health: Health
    cause: str | None  # the rule that makes it so: blocked, timeline, engagement or tickets
    phase: Phase

    @property
    def key(self) -> str:
        return synthetic_key("service", self.number)


def synthetic_key(kind: str, *parts: object) -> str:
    return demo_key("syn", kind, *(f"{p:06d}" if isinstance(p, int) else p for p in parts))


def customer_name(number: int) -> str:
    """Unique per number, as (team_id, name) must be: brand, trade, then a cycle suffix."""
    i, combos = number - 1, len(BRANDS) * len(TRADES)
    name = f"{BRANDS[i % len(BRANDS)]} {TRADES[i // len(BRANDS) % len(TRADES)]}"
    return f"{name} {i // combos + 1}" if i >= combos else name


def service_plans(count: int) -> Iterator[ServicePlan]:
    """The plan of services 1..count, from its own seed, so tests can read it without a database."""
    rng = Random(PLAN_SEED)
    for start in range(0, count, len(PLAN_BLOCK)):
        block = list(PLAN_BLOCK)
        rng.shuffle(block)
        for offset, (status, health, cause) in enumerate(block[: count - start]):
            yield ServicePlan(start + offset + 1, status, health, cause, rng.choices(list(Phase), PHASE_WEIGHTS)[0])


def _role(index: int) -> Role:
    """Every 25th person (from the 2nd) is ops and owns no service; every 5th is a lead."""
    return Role.OPS if index % 25 == 2 else Role.LEAD if index % 5 == 1 else Role.MEMBER


def _own_rates(index: int) -> tuple[Decimal | None, Decimal | None]:
    """Senior (cost, bill) rates of person `index`'s own for every other lead, one person in ten."""
    if index % 10 != 1:
        return None, None
    cost, bill = SENIOR_RATES[index // 10 % len(SENIOR_RATES)]
    return Decimal(cost), Decimal(bill)


def _bill_rate(index: int) -> Decimal | None:
    """What an hour of person `index` is billed at: their own rate, else their role's."""
    own = _own_rates(index)[1]
    return own if own is not None else decimal_or_none(spec.ROLE_RATES[_role(index).value][1])


@dataclass(frozen=True)
class MoneyPlan:
    """A service's budget and estimates, drawn from its own seed so that `gen.rng` draws what it did."""

    kind: str  # a key of BUDGET_KINDS
    over_by: float | None  # the forecast overrun aimed at; None: within budget
    burn: float  # spent / budget aimed at when within
    idle_hours: int  # the budget while paused or complete
    estimates: Random | None  # draws the open deliverables' estimates; None: they have none

    def estimate(self, status: DeliverableStatus) -> Decimal | None:
        """Hours still to go on a deliverable of this status; None when done or not estimated."""
        if self.estimates is None or status.is_done:
            return None
        return Decimal(self.estimates.choice(ESTIMATE_HOURS))


def _money_plan(plan: ServicePlan) -> MoneyPlan:
    """The same run of draws for every service whatever its plan (the estimates' follow), so each service's
    money depends on its number alone; an overrun only where the planned health is already worse."""
    rng = Random(MONEY_SEED + plan.number)
    kind = rng.choices(list(BUDGET_KINDS), list(BUDGET_KINDS.values()))[0]
    estimated, overruns, over_by = rng.random() < ESTIMATED_SHARE, rng.random() < OVERRUN_SHARE, rng.uniform(*OVERRUN)
    burn, idle_hours = rng.uniform(*BURN), rng.randint(*IDLE_BUDGET_HOURS)
    worse = plan.status == ServiceStatus.ACTIVE and plan.health != Health.ON_TRACK
    return MoneyPlan(kind, over_by if worse and overruns else None, burn, idle_hours, rng if estimated else None)


def _next_ids(session: Session) -> dict[str, Iterator[int]]:
    """Primary keys handed out in Python, after each table's current maximum."""
    tables = [t for t in INSERT_ORDER if "id" in t.c]
    return {t.name: itertools.count((session.scalar(select(func.max(t.c.id))) or 0) + 1) for t in tables}


def _scalar_default(column: Column[Any]) -> object:
    """A column's plain default (such as version 1); None where it has none."""
    default = column.default
    return default.arg if isinstance(default, ColumnDefault) and default.is_scalar else None


@dataclass
class Gen:
    """One chunk's rows, and what generating them needs."""

    team_id: str
    ids: dict[str, Iterator[int]]
    rng: Random
    t: Timeline
    owners: tuple[int, ...]  # person ids that own services
    rows: dict[Table, list[dict]] = field(default_factory=dict)

    def add(self, table: Table, **values: object) -> int:
        """Append a row of a table with an id column, and return its id."""
        if "id" not in table.c:
            raise ValueError(f"{table.name} has no id column: add its rows with add_link")
        row_id = next(self.ids[table.name])
        self._append(table, {"id": row_id, **values})
        return row_id

    def update(self, table: Table, row_id: int, **values: object) -> None:
        """Set columns of a row added to this chunk (looked for from the latest)."""
        row = next(row for row in reversed(self.rows[table]) if row["id"] == row_id)
        row.update(values)

    def add_link(self, table: Table, **values: object) -> None:
        """Append a row of a table without an id column (service_members)."""
        self._append(table, values)

    def _append(self, table: Table, values: dict[str, object]) -> None:
        """Append a row with every column present: executemany wants the same keys in each row."""
        row = {column.key: _scalar_default(column) for column in table.c}
        if "team_id" in row:
            row["team_id"] = self.team_id
        row.update(values)
        self.rows.setdefault(table, []).append(row)

    def at(self, day: date) -> datetime:
        """A working-hours moment of a local calendar day, in UTC."""
        return self.t.at(day, self.rng.randint(9, 16), self.rng.choice((0, 30))).astimezone(timezone.utc)

    def days_ago(self, count: int, first: int, last: int) -> list[date]:
        return [self.t.today - self.rng.randint(first, last) * DAY for _ in range(count)]

    @cached_property
    def workdays(self) -> list[date]:
        """The days the demo's timesheets cover (read once per chunk, not once per service)."""
        return days_worked(self.t.week.first_day, self.t.today)

    def later_this_week(self, count: int) -> list[date]:
        left = (self.t.week.last_day - self.t.today).days
        return [self.t.today + self.rng.randint(1, left) * DAY for _ in range(count)] if left else []


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
    ids, people = _next_ids(session), max(3, -(-count // SERVICES_PER_PERSON))
    first = session.execute(select(func.coalesce(func.max(PEOPLE.c.id), 0))).scalar_one() + 1
    owners = tuple(first + i - 1 for i in range(1, people + 1) if _role(i) != Role.OPS)
    new_gen = partial(Gen, team_id, ids, Random(ROW_SEED), Timeline(now, tz), owners)
    written = _people(session, new_gen(), people)
    plans = service_plans(count)
    # Not strict: the last chunk is shorter. The range comes first, so no plan is drawn and dropped.
    while chunk := [plan for _, plan in zip(range(SERVICES_PER_CHUNK), plans, strict=False)]:
        gen = new_gen()
        for plan in chunk:
            _service(gen, plan)
        written += _insert(session, gen.rows)
    _after_bulk_load(session)
    return DemoLoaded(team_id=team_id, rows=written, replaced=replaced)


def _people(session: Session, gen: Gen, count: int) -> int:
    """The role rates, and one person per three services (at most ~3,300 rows: one batch), 40 hours
    and 4 services each."""
    _role_rates(gen)
    for i in range(1, count + 1):
        name = f"{FIRST[i % len(FIRST)]} {LAST[i // len(FIRST) % len(LAST)]}"
        cost_rate, bill_rate = _own_rates(i)
        person_id = gen.add(PEOPLE, key=synthetic_key("person", i), name=name,
                            email=f"person{i:06d}@synthetic.example", slack_user_id=f"U{i:08d}", role=_role(i),
                            weekly_capacity_hours=40, max_concurrent_services=4, cost_rate=cost_rate,
                            bill_rate=bill_rate)
        _internal_time(gen, i, person_id)
    return _insert(session, gen.rows)


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


def _insert(session: Session, rows: dict[Table, list[dict]]) -> int:
    for table in INSERT_ORDER:
        if rows.get(table):
            session.execute(insert(table), rows[table])
    return sum(len(r) for r in rows.values())


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


@dataclass(frozen=True)
class Svc:
    """The service being generated, as its deliverables, appointments and tickets refer to it."""

    plan: ServicePlan
    id: int
    customer_id: int
    owner_id: int
    owner_slack_id: str
    name: str
    active: bool
    money: MoneyPlan


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
              _money_plan(plan))
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
    rate = _bill_rate(svc.owner_id - gen.owners[0] + 1)  # person 1 is gen.owners[0]: it is never ops
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
    (under half done), at least as many done as open otherwise. Late ones stay off it."""
    done = [i for i, k in enumerate(kinds) if k in ("complete", "accepted")]
    open_ = [i for i, k in enumerate(kinds) if k in ("in_progress", "not_started")]
    if svc.plan.cause == "timeline":
        linked_open = open_[:3]
        linked_done = done[: gen.rng.randint(0, len(linked_open) - 1)]
    else:
        linked_done = done[: gen.rng.randint(2, 4)]
        linked_open = open_[: min(len(linked_done), gen.rng.randint(0, 2))]
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
        row["blocked_reason"], row["blocked_since"] = rng.choice(BLOCKED_REASONS), t.now - hours * HOUR
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
                    reason=row["blocked_reason"], changed_by_id=svc.owner_id, surface=Surface.SLACK,
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
