"""Weekly hours (migration 0014's triggers): after every committed change they are what summing the
time entries by week, person and service gives, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from random import Random

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session
from support import TEAM, WEDNESDAY, demo_people, downgrade_to, load_demo_at

from store.models import NO_SERVICE, Service, TimeEntry, WeeklyHours
from store.schema import upgrade

OTHER_TEAM = "T0OTHER"


def kept(engine) -> dict[tuple, tuple[Decimal, Decimal]]:
    with Session(engine) as session:
        rows = session.execute(select(WeeklyHours.team_id, WeeklyHours.week_on, WeeklyHours.person_id,
                                      WeeklyHours.service_id, WeeklyHours.hours, WeeklyHours.billable_hours))
        return {(team, week, person, service): (Decimal(hours).quantize(Decimal("0.01")),
                                                Decimal(billable).quantize(Decimal("0.01")))
                for team, week, person, service, hours, billable in rows}


def summed(engine) -> dict[tuple, tuple[Decimal, Decimal]]:
    """The same sums, from every time entry, in Python."""
    sums: dict[tuple, list[Decimal]] = {}
    with Session(engine) as session:
        for entry in session.scalars(select(TimeEntry)):
            monday = entry.worked_on - timedelta(days=entry.worked_on.weekday())
            key = (entry.team_id, monday, entry.person_id, entry.service_id or NO_SERVICE)
            total = sums.setdefault(key, [Decimal(0), Decimal(0)])
            total[0] += Decimal(entry.hours)
            total[1] += Decimal(entry.hours) if entry.billable else Decimal(0)
    return {key: (hours.quantize(Decimal("0.01")), billable.quantize(Decimal("0.01")))
            for key, (hours, billable) in sums.items() if hours > 0}


def test_the_sums_follow_the_demo_load(demo_engine):
    assert kept(demo_engine) == summed(demo_engine) != {}


def random_changes(session: Session, rng: Random, rounds: int) -> None:
    ids = session.scalars(select(TimeEntry.id).where(TimeEntry.team_id == TEAM)).all()
    people = list(demo_people(session.get_bind()).values())
    services = [None, *session.scalars(select(Service.id).where(Service.team_id == TEAM))]
    # Around a week boundary: a Sunday and the Monday after it land in different weeks.
    days = [date(2026, 11, 15) + timedelta(days=n) for n in range(-3, 4)]
    for n in range(rounds):
        target = rng.choice(ids)
        action = rng.choice(["hours", "day", "person", "service", "billable", "orm", "insert", "delete"])
        values = {"hours": {"hours": Decimal(rng.choice(["0.25", "1.5", "8"]))},
                  "day": {"worked_on": rng.choice(days)}, "person": {"person_id": rng.choice(people)},
                  "service": {"service_id": rng.choice(services)}, "billable": {"billable": rng.random() < 0.5}}
        if action in values:
            session.execute(update(TimeEntry).where(TimeEntry.id == target).values(**values[action]))
        elif action == "orm":
            entry = session.get(TimeEntry, target)
            if entry is not None:
                entry.hours, entry.worked_on = Decimal("2.75"), rng.choice(days)
                session.flush()
        elif action == "insert":
            session.execute(insert(TimeEntry), [dict(
                team_id=TEAM, key=f"random-{n}", person_id=rng.choice(people), service_id=rng.choice(services),
                worked_on=rng.choice(days), hours=Decimal(rng.choice(["0.01", "3", "7.5"])),
                billable=rng.random() < 0.7)])
        else:
            session.execute(delete(TimeEntry).where(TimeEntry.id == target))


def test_every_kind_of_change_moves_its_sums_in_the_same_transaction(demo_engine):
    with Session(demo_engine) as session, session.begin():
        random_changes(session, Random(21), 300)
    assert kept(demo_engine) == summed(demo_engine)


def test_a_rolled_back_change_moves_nothing(demo_engine):
    before = kept(demo_engine)
    with Session(demo_engine) as session:
        random_changes(session, Random(22), 50)
        session.rollback()
    assert kept(demo_engine) == before


def test_deleting_a_service_moves_its_hours_to_internal_time(demo_engine):
    """A service's time entries lose their service (ON DELETE SET NULL): their sums move with them."""
    with Session(demo_engine) as session, session.begin():
        busiest = session.scalar(select(TimeEntry.service_id).where(TimeEntry.service_id.is_not(None)).limit(1))
        session.execute(delete(Service).where(Service.id == busiest))
    assert kept(demo_engine) == summed(demo_engine)
    assert not [key for key in kept(demo_engine) if key[3] == busiest]


def test_deleting_every_entry_of_a_week_leaves_no_sums_behind(demo_engine):
    with Session(demo_engine) as session, session.begin():
        session.execute(delete(TimeEntry).where(TimeEntry.team_id == TEAM))
    assert kept(demo_engine) == {}


def test_one_workspace_s_changes_never_move_another_s_sums(demo_engine):
    load_demo_at(demo_engine, WEDNESDAY, team_id=OTHER_TEAM, force=True)
    ours = {key: sums for key, sums in kept(demo_engine).items() if key[0] == TEAM}
    with Session(demo_engine) as session, session.begin():
        session.execute(delete(TimeEntry).where(TimeEntry.team_id == OTHER_TEAM))
    assert {key: sums for key, sums in kept(demo_engine).items() if key[0] == TEAM} == ours
    assert not [key for key in kept(demo_engine) if key[0] == OTHER_TEAM]


def test_the_migration_sums_the_time_entries_already_stored(demo_engine):
    downgrade_to(demo_engine, "0013")
    with Session(demo_engine) as session, session.begin():
        random_changes(session, Random(23), 40)  # changes no trigger sums
    upgrade(demo_engine)
    assert kept(demo_engine) == summed(demo_engine)
