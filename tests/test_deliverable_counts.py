"""Deliverable counts (migration 0009's triggers): after every committed change they are what counting
the deliverables gives, and the tally built on them is the one counting the deliverables gives."""

from __future__ import annotations

from datetime import timedelta
from random import Random

import pytest
from sqlalchemy import case, delete, func, insert, select, update
from sqlalchemy.orm import Session
from support import TEAM, WEDNESDAY, downgrade_to, load_demo_at

from store.enums import DONE_STATUSES, DeliverableStatus, ServiceStatus
from store.models import NO_DUE_DAY, Deliverable, DeliverableCount, Service
from store.queries.portfolio import deliverable_tally
from store.schema import upgrade

OTHER_TEAM = "T0OTHER"


def kept(engine) -> dict[tuple, int]:
    with Session(engine) as session:
        rows = session.execute(select(DeliverableCount.team_id, DeliverableCount.status, DeliverableCount.due_on,
                                      DeliverableCount.n))
        return {(team, status, due): n for team, status, due, n in rows if n != 0}


def counted(engine) -> dict[tuple, int]:
    due = func.coalesce(Deliverable.due_on, NO_DUE_DAY)
    with Session(engine) as session:
        rows = session.execute(select(Deliverable.team_id, Deliverable.status, due, func.count())
                               .group_by(Deliverable.team_id, Deliverable.status, due))
        return {(team, DeliverableStatus(status).value, day): n for team, status, day, n in rows}


def tally_counted(engine, today) -> dict[str, int]:
    """The tally as counting every deliverable of an active service gives it."""
    with Session(engine) as session:
        rows = session.execute(
            select(Deliverable.status, func.count(), func.sum(case((Deliverable.due_on < today, 1), else_=0)))
            .join(Service, Service.id == Deliverable.service_id)
            .where(Deliverable.team_id == TEAM, Service.status == ServiceStatus.ACTIVE)
            .group_by(Deliverable.status))
        counts = {"late": 0}
        for status, n, late in rows:
            counts[DeliverableStatus(status).value] = n
            if status not in DONE_STATUSES:
                counts["late"] += late or 0
        return counts


def tally_kept(engine, today) -> dict[str, int]:
    with Session(engine) as session:
        return {k: v for k, v in deliverable_tally(session, TEAM, today=today).model_dump().items() if v}


@pytest.fixture
def demo(engine):
    load_demo_at(engine, WEDNESDAY)
    return engine


def test_the_counts_follow_the_demo_load_and_the_tally_matches_counting(demo):
    assert kept(demo) == counted(demo)
    for days in (-30, -1, 0, 1, 30):
        today = WEDNESDAY.date() + timedelta(days=days)
        assert tally_kept(demo, today) == {k: v for k, v in tally_counted(demo, today).items() if v}, today


def random_changes(session: Session, rng: Random, rounds: int, *, orm: bool = True) -> None:
    """`rounds` random changes to deliverables; without `orm` by SQL statements only (the ORM reads
    every mapped column, which an older schema may not have)."""
    statuses = list(DeliverableStatus)
    ids = session.scalars(select(Deliverable.id).where(Deliverable.team_id == TEAM)).all()
    service = session.scalar(select(Service.id).where(Service.team_id == TEAM))
    for n in range(rounds):
        target = rng.choice(ids)
        day = rng.choice([None, WEDNESDAY.date() + timedelta(days=rng.randint(-5, 5))])
        action = rng.choice(["status", "due", "both", "orm", "insert", "delete"] if orm else
                            ["status", "due", "both", "insert", "delete"])
        if action == "status":
            session.execute(update(Deliverable).where(Deliverable.id == target).values(status=rng.choice(statuses)))
        elif action == "due":
            session.execute(update(Deliverable).where(Deliverable.id == target).values(due_on=day))
        elif action == "both":
            session.execute(update(Deliverable).where(Deliverable.id == target)
                            .values(status=rng.choice(statuses), due_on=day))
        elif action == "orm":
            deliverable = session.get(Deliverable, target)
            if deliverable is not None:
                deliverable.status = rng.choice(statuses)
                session.flush()
        elif action == "insert":
            session.execute(insert(Deliverable), [dict(team_id=TEAM, key=f"random-{n}", service_id=service,
                                                       name=f"Random {n}", status=rng.choice(statuses), due_on=day)])
        else:
            session.execute(delete(Deliverable).where(Deliverable.id == target))


def test_every_kind_of_change_moves_its_count_in_the_same_transaction(demo):
    with Session(demo) as session, session.begin():
        random_changes(session, Random(11), 300)
    assert kept(demo) == counted(demo)
    today = WEDNESDAY.date()
    assert tally_kept(demo, today) == {k: v for k, v in tally_counted(demo, today).items() if v}


def test_a_rolled_back_change_moves_nothing(demo):
    before = kept(demo)
    with Session(demo) as session:
        random_changes(session, Random(12), 50)
        session.rollback()
    assert kept(demo) == before


def test_deleting_a_service_takes_its_deliverables_out_of_the_counts(demo):
    with Session(demo) as session, session.begin():
        busiest = session.scalar(select(Deliverable.service_id).where(Deliverable.team_id == TEAM)
                                 .group_by(Deliverable.service_id).order_by(func.count().desc()).limit(1))
        session.execute(delete(Service).where(Service.id == busiest))
    assert kept(demo) == counted(demo)


def test_one_workspace_s_changes_never_move_another_s_counts(demo):
    load_demo_at(demo, WEDNESDAY, team_id=OTHER_TEAM, force=True)
    ours = {key: n for key, n in kept(demo).items() if key[0] == TEAM}
    with Session(demo) as session, session.begin():
        session.execute(delete(Deliverable).where(Deliverable.team_id == OTHER_TEAM))
    assert {key: n for key, n in kept(demo).items() if key[0] == TEAM} == ours
    assert not [key for key in kept(demo) if key[0] == OTHER_TEAM]


def test_the_migration_counts_the_deliverables_already_stored(demo):
    downgrade_to(demo, "0008")
    with Session(demo) as session, session.begin():
        random_changes(session, Random(13), 40, orm=False)  # changes no trigger counts
    upgrade(demo)
    assert kept(demo) == counted(demo)
