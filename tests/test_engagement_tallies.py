"""Engagement tallies (store/health/tallies.py): counted at a checkpoint, they give exactly what
counting the customer sessions gives, and any change to a session sets them aside until counted again."""

from __future__ import annotations

from datetime import timedelta
from random import Random

import pytest
from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session
from support import TEAM, WEDNESDAY, assert_refresh_waits_for_writer, load_demo_at

from store.db import make_engine, make_sessionmaker
from store.enums import AppointmentKind, ServiceStatus
from store.health import tallies as engagement
from store.health.rules import HealthThresholds
from store.health.signals import declining_sessions
from store.health.tallies import HORIZON, declining_from_tallies, refresh_engagement_tallies
from store.models import Appointment, EngagementCheckpoint, EngagementTally, Person, Service
from store.schema import upgrade

LIMITS = HealthThresholds()
WINDOW = timedelta(days=LIMITS.engagement_window_days)
OTHER_TEAM = "T0OTHER"


# Every service with a session in the prior window counts as declining under this ratio: comparing
# the two ways under it compares the counts of nearly every service, not only of the few declining.
EVERY_COUNT = HealthThresholds(engagement_min_ratio=1000.0)


def counted_directly(session: Session, team_id: str, now, limits=LIMITS) -> dict[int, tuple[int, int]]:
    """The declining services as counted from the appointments (naming the services takes that path)."""
    active = session.scalars(select(Service.id).where(Service.team_id == team_id,
                                                      Service.status == ServiceStatus.ACTIVE)).all()
    return declining_sessions(session, team_id, now, limits, active)


def from_tallies(engine, now, team_id: str = TEAM, limits=LIMITS):
    with Session(engine) as session:
        return declining_from_tallies(session, team_id, now=now, limits=limits)


def refresh(engine, now, team_id: str = TEAM) -> bool:
    return refresh_engagement_tallies(make_sessionmaker(engine), team_id, now=now, limits=LIMITS)


def session_row(team_id: str, service_id: int | None, person_id: int, starts_at, n: int,
                kind=AppointmentKind.CUSTOMER_SESSION):
    return dict(team_id=team_id, key=f"t-{team_id}-{n}", person_id=person_id, service_id=service_id,
                kind=kind, title="call", starts_at=starts_at, duration_minutes=30)


def add_random_sessions(engine, rng: Random, around, count: int, keep: set[int]) -> None:
    """Sessions on a 30-minute grid around every edge a window can have near `around`, so that many
    start exactly on an edge; some internal, some with no service, some on inactive services. The
    services in `keep` are left as they are."""
    with Session(engine) as session, session.begin():
        services = [sid for sid in session.scalars(select(Service.id).where(Service.team_id == TEAM))
                    if sid not in keep]
        person = session.scalar(select(Person.id).where(Person.team_id == TEAM))
        rows = []
        for n in range(count):
            edge = rng.choice([0, 1, 2, rng.random() * 2])
            starts = around - edge * WINDOW + timedelta(minutes=30 * rng.randint(-6, 6))
            service = None if rng.random() < 0.05 else rng.choice(services)
            kind = AppointmentKind.INTERNAL if rng.random() < 0.2 else AppointmentKind.CUSTOMER_SESSION
            rows.append(session_row(TEAM, service, person, starts, n, kind))
        session.execute(insert(Appointment), rows)


@pytest.fixture
def portfolio(engine):
    load_demo_at(engine, WEDNESDAY)
    with Session(engine) as session:
        declining = set(counted_directly(session, TEAM, WEDNESDAY))
    assert declining, "the demo has a service whose engagement declines"
    add_random_sessions(engine, Random(7), WEDNESDAY, 600, keep=declining)
    assert refresh(engine, WEDNESDAY)
    return engine


@pytest.mark.parametrize("limits", [LIMITS, EVERY_COUNT], ids=["declining", "every count"])
def test_tallies_give_what_counting_the_sessions_gives_at_every_moment_within_the_horizon(portfolio, limits):
    compared = 0
    for minutes in range(-60, 61, 5):  # on and off the sessions' grid, before and after the checkpoint
        now = WEDNESDAY + timedelta(minutes=minutes)
        with Session(portfolio) as session:
            expected = counted_directly(session, TEAM, now, limits)
        assert from_tallies(portfolio, now, limits=limits) == expected, now
        compared += len(expected)
    assert compared > 0, "nothing was compared"


def test_answers_read_the_tallies_within_the_horizon_and_count_the_sessions_outside_it(portfolio):
    assert from_tallies(portfolio, WEDNESDAY + HORIZON) is not None
    assert from_tallies(portfolio, WEDNESDAY - HORIZON) is not None
    assert from_tallies(portfolio, WEDNESDAY + HORIZON + timedelta(seconds=1)) is None
    # The whole-portfolio path falls back to counting, with the same answer.
    later = WEDNESDAY + timedelta(days=2)
    with Session(portfolio) as session:
        assert declining_sessions(session, TEAM, later, LIMITS, None) == counted_directly(session, TEAM, later)


def test_tallies_of_other_windows_are_not_used(portfolio):
    with Session(portfolio) as session:
        assert declining_from_tallies(session, TEAM, now=WEDNESDAY,
                                      limits=HealthThresholds(engagement_window_days=7)) is None


def checkpoint(engine, team_id: str = TEAM):
    with Session(engine) as session:
        return session.scalar(select(EngagementCheckpoint.as_of).where(EngagementCheckpoint.team_id == team_id))


def first_session_id(engine) -> int:
    with Session(engine) as session:
        return session.scalar(select(Appointment.id).where(
            Appointment.team_id == TEAM, Appointment.kind == AppointmentKind.CUSTOMER_SESSION,
            Appointment.service_id.is_not(None)))


CHANGES = {
    "insert": lambda s, i: s.execute(insert(Appointment), [session_row(
        TEAM, s.get(Appointment, i).service_id, s.get(Appointment, i).person_id, WEDNESDAY - timedelta(hours=1), 999)]),
    "delete": lambda s, i: s.execute(delete(Appointment).where(Appointment.id == i)),
    "move": lambda s, i: s.execute(update(Appointment).where(Appointment.id == i).values(
        starts_at=WEDNESDAY - 3 * WINDOW)),
    "to internal": lambda s, i: s.execute(update(Appointment).where(Appointment.id == i).values(
        kind=AppointmentKind.INTERNAL)),
    "other service": lambda s, i: s.execute(update(Appointment).where(Appointment.id == i).values(
        service_id=s.scalar(select(Service.id).where(Service.team_id == TEAM,
                                                     Service.id != s.get(Appointment, i).service_id)))),
    "orm edit": lambda s, i: setattr(s.get(Appointment, i), "starts_at", WEDNESDAY - timedelta(minutes=1)),
}


@pytest.mark.parametrize("change", CHANGES)
def test_any_change_to_a_customer_session_sets_the_tallies_aside_in_its_own_transaction(portfolio, change):
    target = first_session_id(portfolio)
    with Session(portfolio) as session, session.begin():
        CHANGES[change](session, target)
        session.flush()
        # Within the writing transaction already: nothing can read tallies older than the change.
        assert session.scalar(select(EngagementCheckpoint.as_of).where(EngagementCheckpoint.team_id == TEAM)) is None
    assert checkpoint(portfolio) is None
    assert from_tallies(portfolio, WEDNESDAY) is None
    assert refresh(portfolio, WEDNESDAY)
    with Session(portfolio) as session:
        assert from_tallies(portfolio, WEDNESDAY) == counted_directly(session, TEAM, WEDNESDAY)


def test_a_rolled_back_change_leaves_the_tallies_in_use(portfolio):
    with Session(portfolio) as session:
        session.execute(delete(Appointment).where(Appointment.id == first_session_id(portfolio)))
        session.rollback()
    assert checkpoint(portfolio) == WEDNESDAY


def test_changes_that_cannot_move_a_count_keep_the_tallies(portfolio):
    target = first_session_id(portfolio)
    with Session(portfolio) as session, session.begin():
        session.execute(update(Appointment).where(Appointment.id == target)
                        .values(title="renamed", duration_minutes=90))
        session.execute(insert(Appointment), [session_row(TEAM, None, session.get(Appointment, target).person_id,
                                                          WEDNESDAY, 998, AppointmentKind.INTERNAL)])
    assert checkpoint(portfolio) == WEDNESDAY


def test_one_workspace_s_sessions_never_touch_another_s_tallies(portfolio):
    load_demo_at(portfolio, WEDNESDAY, team_id=OTHER_TEAM, force=True)
    with Session(portfolio) as session, session.begin():
        session.execute(delete(Appointment).where(Appointment.team_id == OTHER_TEAM))
    assert checkpoint(portfolio, OTHER_TEAM) is None
    assert checkpoint(portfolio) == WEDNESDAY
    with Session(portfolio) as session:
        teams = set(session.scalars(select(EngagementTally.team_id).distinct()))
        assert teams == {TEAM, OTHER_TEAM}
        assert from_tallies(portfolio, WEDNESDAY) == counted_directly(session, TEAM, WEDNESDAY)


def test_tallies_replaced_after_the_checkpoint_was_read_are_not_used(portfolio, monkeypatch):
    """The checkpoint is read, then the tallies: if a refresh came in between, the answer counts."""
    assert refresh(portfolio, WEDNESDAY + timedelta(minutes=10))
    monkeypatch.setattr(engagement, "_checkpoint", lambda *args: WEDNESDAY)
    assert from_tallies(portfolio, WEDNESDAY) is None


def test_a_refresh_waits_for_writers_of_appointments_and_never_misses_their_change(postgres_database_url, monkeypatch):
    """PostgreSQL only: SQLite has one writer at a time by construction, PostgreSQL needs the table lock."""
    engine = make_engine(postgres_database_url)
    upgrade(engine)
    load_demo_at(engine, WEDNESDAY)
    target = first_session_id(engine)
    assert_refresh_waits_for_writer(
        engine, monkeypatch, engagement,
        change=lambda writer: writer.execute(update(Appointment).where(Appointment.id == target)
                                             .values(starts_at=WEDNESDAY - timedelta(minutes=5))),
        refresh=lambda at: refresh(engine, at), checkpoint=lambda: checkpoint(engine))
    with Session(engine) as session:
        expected = counted_directly(session, TEAM, WEDNESDAY, EVERY_COUNT)
        assert from_tallies(engine, WEDNESDAY, limits=EVERY_COUNT) == expected
    engine.dispose()
