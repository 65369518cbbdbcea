"""Kept health (store/health/kept.py, migration 0010's triggers): answers read from it are
exactly the answers assessing every service gives, at any moment of the day it was kept, after any
change, and while a refresh runs."""

from __future__ import annotations

import threading
from datetime import UTC, timedelta
from decimal import Decimal
from random import Random
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session
from support import TEAM, WEDNESDAY, load_demo_at

from store.context import QueryContext
from store.db import make_sessionmaker
from store.demo.synthetic import load_synthetic
from store.enums import AppointmentKind, DeliverableStatus, Health, ServiceStatus
from store.health import keeping as refresh_module
from store.health import kept as kept_health
from store.health import portfolio_health
from store.health.keeping import refresh_kept_health
from store.health.kept import MAX_STALE, forget, read_kept, rules_key, valid_until
from store.health.rules import HealthThresholds
from store.models import (
    Appointment,
    Deliverable,
    HealthChange,
    HealthCheckpoint,
    KeptHealth,
    Milestone,
    Person,
    RoleRate,
    Service,
    Ticket,
    TimeEntry,
)

LIMITS = HealthThresholds()
OTHER_TEAM = "T0OTHER"
SERVICES = 120


def answers(engine, now, *, kept: bool, tz: ZoneInfo = UTC, team_id: str = TEAM):
    """Everything the answers take from the portfolio's health, with kept health or assessing every
    service; with kept health, it must have been used. Without, the kept health is set aside (`forget`)
    in a transaction rolled back afterwards: callers cannot choose, so the test takes it away."""
    ctx = QueryContext(team_id, now, tz, LIMITS)
    with Session(engine) as session:
        if kept:
            assert read_kept(session, team_id, now=now, today=ctx.today, rules=rules_key(LIMITS, tz)) is not None
        else:
            forget(session, team_id)
        health = portfolio_health(session, ctx)
        worst = health.needing_attention()
        longest = health.by_health()
        return {
            "counts": health.health_counts,
            "phases": health.phase_counts,
            "needing": sorted(health._needing),
            "worst": [view.model_dump() for view in worst.views],
            "longest": {h: ([view.model_dump() for view in shown.views], shown.total) for h, shown in longest.items()},
        }


def assert_same_both_ways(engine, now, **kwargs):
    both = answers(engine, now, kept=True, **kwargs), answers(engine, now, kept=False, **kwargs)
    assert both[0] == both[1], now


def refresh(engine, now, team_id: str = TEAM, tz: ZoneInfo = UTC) -> bool:
    return refresh_kept_health(make_sessionmaker(engine), QueryContext(team_id, now, tz, LIMITS))


def marks(engine, team_id: str = TEAM) -> dict[int, int]:
    with Session(engine) as session:
        return dict(session.execute(select(HealthChange.service_id, HealthChange.mark)
                                    .where(HealthChange.team_id == team_id)).all())


@pytest.fixture
def demo(engine):
    load_demo_at(engine, WEDNESDAY)
    return engine


@pytest.fixture
def portfolio(engine):
    """A generated portfolio with every kind of finding, its kept health refreshed at WEDNESDAY."""
    load_synthetic(engine, team_id=TEAM, now=WEDNESDAY, tz=UTC, services=SERVICES, limits=LIMITS)
    return engine


def test_a_refresh_keeps_every_active_service_and_leaves_no_mark(portfolio):
    with Session(portfolio) as session:
        active = session.scalar(select(func.count()).where(Service.team_id == TEAM,
                                                           Service.status == ServiceStatus.ACTIVE))
        kept = dict(session.execute(select(KeptHealth.health, func.count()).where(KeptHealth.team_id == TEAM)
                                    .group_by(KeptHealth.health)).all())
        assert session.get(HealthCheckpoint, TEAM).as_of == WEDNESDAY
    assert sum(kept.values()) == active and kept.get(Health.AT_RISK) and kept.get(Health.NEEDS_ATTENTION)
    assert marks(portfolio) == {}


def add_moving_signals(engine, start, rng: Random) -> list:
    """Signals that time moves through the day after `start`, off the generated hourly grid, each
    changing its service's health at its moment: a third overdue ticket falling due, a block
    reaching the rule's days, ten sessions leaving the recent engagement window. Returns the moments."""
    window = timedelta(days=LIMITS.engagement_window_days)
    moments = []
    with Session(engine) as session, session.begin():
        services = session.execute(select(Service.id, Service.customer_id).where(
            Service.team_id == TEAM, Service.status == ServiceStatus.ACTIVE)).all()
        person = session.scalar(select(Person.id).where(Person.team_id == TEAM).limit(1))
        for n, (service, customer) in enumerate(rng.sample(services, 60)):
            at = start + timedelta(minutes=7 + 23 * n)
            moments.append(at)
            if n % 3 == 0:
                session.execute(insert(Ticket), [dict(
                    team_id=TEAM, key=f"moving-{n}-{k}", customer_id=customer, service_id=service, title="t",
                    type="issue", priority="high", opened_at=at - timedelta(days=3), due_at=due)
                    for k, due in enumerate((at - timedelta(days=1), at - timedelta(days=2), at))])
            elif n % 3 == 1:
                blocked_since = at - timedelta(days=LIMITS.blocked_days)
                session.execute(update(Deliverable).where(Deliverable.id == session.scalar(
                    select(Deliverable.id).where(Deliverable.service_id == service).limit(1))).values(
                    status=DeliverableStatus.BLOCKED, blocked_since=blocked_since))
            else:
                session.execute(insert(Appointment), [dict(
                    team_id=TEAM, key=f"moving-{n}-{k}", person_id=person, service_id=service, title="call",
                    kind=AppointmentKind.CUSTOMER_SESSION, starts_at=at - window - timedelta(days=k % 2 * 5),
                    duration_minutes=30) for k in range(20)])
    return moments


def test_kept_health_answers_as_assessing_does_at_every_moment_its_signals_move(portfolio):
    """At and just before each moment time alone moves a signal (a ticket falling due, a block
    reaching its days, a session crossing an edge), through the rest of the day."""
    early = WEDNESDAY.replace(hour=0, minute=30)
    added = add_moving_signals(portfolio, early, Random(5))
    assert refresh(portfolio, early)
    with Session(portfolio) as session:
        midnight, events = valid_until(session, TEAM, now=early, tz=UTC, limits=LIMITS)
    assert len(set(events.values())) >= 30
    # Every moment a signal moves, not only each service's first (from which it is assessed again).
    moments = sorted(set(events.values()) | set(added))
    seen = set()
    for moment in moments[::3]:
        for now in (moment - timedelta(seconds=1), moment, moment + timedelta(seconds=1)):
            assert_same_both_ways(portfolio, now)
            seen.add(repr(answers(portfolio, now, kept=False)["needing"]))
    assert len(seen) > 15, "the answers should change through the day"
    assert_same_both_ways(portfolio, midnight - timedelta(microseconds=1))


def test_answers_assess_every_service_the_next_day_under_other_rules_or_before_any_refresh(portfolio):
    with Session(portfolio) as session:
        midnight, _ = valid_until(session, TEAM, now=WEDNESDAY, tz=UTC, limits=LIMITS)
        today = WEDNESDAY.date()
        # At midnight every row has expired: each service is assessed again (a large portfolio's
        # answers then assess it whole, MAX_STALE).
        kept = read_kept(session, TEAM, now=midnight, today=today + timedelta(days=1), rules=rules_key(LIMITS, UTC))
        assert not kept.unhealthy and kept.stale == set(session.scalars(select(KeptHealth.service_id)))
        assert read_kept(session, TEAM, now=WEDNESDAY, today=today,
                         rules=rules_key(HealthThresholds(blocked_days=4), UTC)) is None
        assert read_kept(session, TEAM, now=WEDNESDAY, today=today,
                         rules=rules_key(LIMITS, ZoneInfo("America/New_York"))) is None
        assert read_kept(session, OTHER_TEAM, now=WEDNESDAY, today=today, rules=rules_key(LIMITS, UTC)) is None


def random_changes(session: Session, rng: Random, rounds: int, now, tag: str = "",
                   services: list[int] | None = None) -> None:
    """Changes of every kind that health is assessed from, through the ORM and through Core, to
    `services` (by default a few: so that changes add up to findings appearing and going)."""
    if services is None:
        services = rng.sample(session.scalars(select(Service.id).where(Service.team_id == TEAM)).all(), 8)
    deliverables = session.scalars(select(Deliverable.id).where(Deliverable.service_id.in_(services))).all()
    milestones = session.scalars(select(Milestone.id).where(Milestone.service_id.in_(services))).all()
    tickets = session.scalars(select(Ticket.id).where(Ticket.service_id.in_(services),
                                                      Ticket.resolved_at.is_(None))).all()
    customer = session.scalar(select(Service.customer_id).where(Service.team_id == TEAM).limit(1))
    person = session.scalar(select(Person.id).where(Person.team_id == TEAM).limit(1))
    for n in range(rounds):
        when = now + timedelta(hours=rng.randint(-100, 30))
        service = rng.choice(services)
        action = rng.choice(["block", "unblock", "orm_status", "move_milestone", "milestone_done", "milestone_due",
                             "resolve", "open_ticket", "ticket_due", "session", "drop_session", "pause",
                             "override", "clear_override", "delete_deliverable", "delete_milestone",
                             "estimate", "budget", "log_time", "drop_time", "rate"])
        if action in BUDGET_CHANGES:
            BUDGET_CHANGES[action](session, rng, service, person, when, f"{tag}{n}")
        elif action == "block":
            session.execute(update(Deliverable).where(Deliverable.id == rng.choice(deliverables))
                            .values(status=DeliverableStatus.BLOCKED, blocked_since=when - timedelta(days=3)))
        elif action == "unblock":
            session.execute(update(Deliverable).where(Deliverable.id == rng.choice(deliverables))
                            .values(status=DeliverableStatus.IN_PROGRESS, blocked_since=None))
        elif action == "orm_status":
            deliverable = session.get(Deliverable, rng.choice(deliverables))
            if deliverable is not None:
                deliverable.status = rng.choice(list(DeliverableStatus))
                session.flush()
        elif action == "move_milestone":
            session.execute(update(Deliverable).where(Deliverable.id == rng.choice(deliverables))
                            .values(milestone_id=rng.choice(milestones)))
        elif action == "milestone_done":
            session.execute(update(Milestone).where(Milestone.id == rng.choice(milestones))
                            .values(done_on=rng.choice([None, now.date()])))
        elif action == "milestone_due":
            session.execute(update(Milestone).where(Milestone.id == rng.choice(milestones))
                            .values(due_on=now.date() + timedelta(days=rng.randint(-3, 9))))
        elif action == "resolve":
            session.execute(update(Ticket).where(Ticket.id == rng.choice(tickets))
                            .values(resolved_at=rng.choice([None, now])))
        elif action == "open_ticket":
            session.execute(insert(Ticket), [dict(
                team_id=TEAM, key=f"kept-{tag}{n}", customer_id=customer, service_id=service, title="t",
                type="issue", priority="high", opened_at=when - timedelta(days=2), due_at=when)])
        elif action == "ticket_due":
            session.execute(update(Ticket).where(Ticket.id == rng.choice(tickets)).values(
                due_at=now + rng.choice([-1, 1]) * timedelta(days=2)))
        elif action == "session":
            session.execute(insert(Appointment), [dict(
                team_id=TEAM, key=f"kept-{tag}{n}", person_id=person, service_id=service, title="call",
                kind=AppointmentKind.CUSTOMER_SESSION, starts_at=when - timedelta(days=rng.randint(0, 28)),
                duration_minutes=30)])
        elif action == "drop_session":
            session.execute(delete(Appointment).where(Appointment.id == session.scalar(
                select(Appointment.id).where(Appointment.service_id == service).limit(1))))
        elif action == "pause":
            session.execute(update(Service).where(Service.id == service)
                            .values(status=rng.choice([ServiceStatus.PAUSED, ServiceStatus.ACTIVE])))
        elif action == "override":
            target = session.get(Service, service)
            target.health_override = rng.choice(list(Health))
            target.health_override_reason = "lead's call"
            target.health_override_expires_at = when
            session.flush()
        elif action == "clear_override":
            session.execute(update(Service).where(Service.id == service).values(
                health_override=None, health_override_reason=None, health_override_expires_at=None))
        elif action == "delete_deliverable":
            session.execute(delete(Deliverable).where(Deliverable.id == rng.choice(deliverables)))
        else:
            session.execute(delete(Milestone).where(Milestone.id == rng.choice(milestones)))


def _estimate(session: Session, rng: Random, service: int, _person: int, _when, _tag: str) -> None:
    session.execute(update(Deliverable).where(Deliverable.id == session.scalar(
        select(Deliverable.id).where(Deliverable.service_id == service).limit(1))).values(
        estimate_hours=rng.choice([None, Decimal(1), Decimal(400)])))


def _budget(session: Session, rng: Random, service: int, _person: int, _when, _tag: str) -> None:
    hours, amount = rng.choice([(None, None), (Decimal(20), None), (Decimal(5000), None), (None, Decimal(900))])
    session.execute(update(Service).where(Service.id == service).values(budget_hours=hours, budget_amount=amount))


def _log_time(session: Session, rng: Random, service: int, person: int, when, tag: str) -> None:
    session.execute(insert(TimeEntry), [dict(team_id=TEAM, key=f"kept-{tag}", person_id=person, service_id=service,
                                             worked_on=when.date(), hours=Decimal(rng.choice([1, 8, 24])),
                                             billable=rng.random() < 0.7)])


def _drop_time(session: Session, _rng: Random, service: int, _person: int, _when, _tag: str) -> None:
    session.execute(delete(TimeEntry).where(TimeEntry.id == session.scalar(
        select(TimeEntry.id).where(TimeEntry.service_id == service).limit(1))))


def _rate(session: Session, rng: Random, _service: int, person: int, _when, _tag: str) -> None:
    if rng.random() < 0.5:
        session.execute(update(Person).where(Person.id == person).values(bill_rate=rng.choice([None, Decimal(10)])))
    else:
        session.execute(update(RoleRate).where(RoleRate.team_id == TEAM).values(
            bill_rate=rng.choice([Decimal(1), Decimal(150)])))


# What a budget forecast reads (issue 19): estimates, budgets, hours logged, rates.
BUDGET_CHANGES = {"estimate": _estimate, "budget": _budget, "log_time": _log_time, "drop_time": _drop_time,
                  "rate": _rate}


def test_every_kind_of_change_marks_its_service_and_answers_stay_exact(portfolio):
    """One change at a time (several at once could hide a change that marks nothing behind another
    that marks the same service), refreshed now and then."""
    now = WEDNESDAY + timedelta(minutes=5)
    rng = Random(7)
    with Session(portfolio) as session:
        hot = rng.sample(session.scalars(select(Service.id).where(Service.team_id == TEAM)).all(), 8)
    seen = set()
    for n in range(100):
        with Session(portfolio) as session, session.begin():
            random_changes(session, rng, 1, now, tag=f"{n}-", services=hot)
        assert_same_both_ways(portfolio, now)
        seen.add(repr(answers(portfolio, now, kept=False)["needing"]))
        if n % 10 == 9:
            assert marks(portfolio), "changes to health signals mark their services"
            assert refresh(portfolio, now)
            assert marks(portfolio) == {}
            assert_same_both_ways(portfolio, now + timedelta(minutes=1))
    assert len(seen) >= 10, "the changes should change the answers"


def test_a_rolled_back_change_marks_nothing(portfolio):
    with Session(portfolio) as session:
        random_changes(session, Random(8), 30, WEDNESDAY)
        session.rollback()
    assert marks(portfolio) == {}


def test_deleting_a_service_takes_it_out_of_kept_answers(portfolio):
    with Session(portfolio) as session:
        worst = session.scalar(select(KeptHealth.service_id).where(KeptHealth.health == Health.AT_RISK).limit(1))
    with Session(portfolio) as session, session.begin():
        session.execute(delete(Service).where(Service.id == worst))
    assert worst in marks(portfolio)
    assert_same_both_ways(portfolio, WEDNESDAY)
    assert refresh(portfolio, WEDNESDAY)
    with Session(portfolio) as session:
        assert session.get(KeptHealth, (TEAM, worst)) is None


def test_one_workspace_s_changes_never_mark_or_move_another_s(portfolio):
    load_synthetic(portfolio, team_id=OTHER_TEAM, now=WEDNESDAY, tz=UTC, services=20, limits=LIMITS, force=True)
    ours = answers(portfolio, WEDNESDAY, kept=True)
    with Session(portfolio) as session, session.begin():
        session.execute(update(Deliverable).where(Deliverable.team_id == OTHER_TEAM)
                        .values(status=DeliverableStatus.BLOCKED, blocked_since=WEDNESDAY - timedelta(days=9)))
    assert marks(portfolio) == {} and marks(portfolio, OTHER_TEAM)
    assert answers(portfolio, WEDNESDAY, kept=True) == ours
    assert_same_both_ways(portfolio, WEDNESDAY, team_id=OTHER_TEAM)


def test_too_many_changes_and_answers_assess_every_service_until_a_refresh(portfolio, monkeypatch):
    with Session(portfolio) as session, session.begin():
        session.execute(update(Service).where(Service.team_id == TEAM).values(health_override=Health.AT_RISK))
    assert len(marks(portfolio)) == SERVICES <= MAX_STALE
    assert_same_both_ways(portfolio, WEDNESDAY)  # every service assessed again, from kept health
    monkeypatch.setattr(kept_health, "MAX_STALE", SERVICES - 1)
    with Session(portfolio) as session:
        assert read_kept(session, TEAM, now=WEDNESDAY, today=WEDNESDAY.date(), rules=rules_key(LIMITS, UTC)) is None
    monkeypatch.undo()
    assert refresh(portfolio, WEDNESDAY)
    assert marks(portfolio) == {}
    kept = answers(portfolio, WEDNESDAY, kept=True)
    assert kept["counts"][Health.AT_RISK] == sum(kept["phases"].values())


def test_a_change_during_a_refresh_stays_marked_and_answers_see_it(portfolio, monkeypatch):
    """Written while the refresh assesses, by another connection: one change to a service not yet
    marked, one to a service the refresh has already read as marked (on PostgreSQL that writer waits
    for the refresh to commit, then marks it again)."""
    with Session(portfolio) as session:
        first, second = session.scalars(select(Deliverable.id).where(Deliverable.team_id == TEAM)
                                         .order_by(Deliverable.id).limit(2)).all()
        marked_service = session.get(Deliverable, second).service_id
    with Session(portfolio) as session, session.begin():
        session.execute(update(Service).where(Service.id == marked_service).values(health_override=Health.AT_RISK))
    seen_before = marks(portfolio)

    def block(deliverable_id: int) -> None:
        with Session(portfolio) as session, session.begin():
            session.execute(update(Deliverable).where(Deliverable.id == deliverable_id).values(
                status=DeliverableStatus.BLOCKED, blocked_since=WEDNESDAY - timedelta(days=5)))

    writers: list[threading.Thread] = []
    assess = refresh_module.assess_active_services

    def assess_while_writing(*args, **kwargs):
        for deliverable_id in (first, second):
            writer = threading.Thread(target=block, args=(deliverable_id,))
            writer.start()
            writer.join(timeout=2)  # the second one waits for the refresh on PostgreSQL
            writers.append(writer)
        return assess(*args, **kwargs)

    monkeypatch.setattr(refresh_module, "assess_active_services", assess_while_writing)
    assert refresh(portfolio, WEDNESDAY)
    for writer in writers:
        writer.join(timeout=10)
        assert not writer.is_alive()
    monkeypatch.undo()
    with Session(portfolio) as session:
        first_service = session.get(Deliverable, first).service_id
    after = marks(portfolio)
    assert first_service in after and marked_service in after
    assert after[marked_service] != seen_before[marked_service] or marked_service not in seen_before
    assert_same_both_ways(portfolio, WEDNESDAY)
