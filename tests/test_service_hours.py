"""Hours spent per service and person (migration 0016's triggers): after every committed change they
are what summing the time entries on services by service and person gives, on SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal
from random import Random

from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from support import TEAM, downgrade_to
from test_weekly_hours import random_changes

from store.models import Service, ServiceHours, TimeEntry
from store.schema import upgrade

CENT = Decimal("0.01")


def kept(engine) -> dict[tuple, tuple[Decimal, Decimal]]:
    with Session(engine) as session:
        rows = session.execute(select(ServiceHours.team_id, ServiceHours.service_id, ServiceHours.person_id,
                                      ServiceHours.hours, ServiceHours.billable_hours))
        return {(team, service, person): (Decimal(hours).quantize(CENT), Decimal(billable).quantize(CENT))
                for team, service, person, hours, billable in rows}


def summed(engine) -> dict[tuple, tuple[Decimal, Decimal]]:
    """The same sums, from every time entry on a service, in Python."""
    sums: dict[tuple, list[Decimal]] = {}
    with Session(engine) as session:
        for entry in session.scalars(select(TimeEntry).where(TimeEntry.service_id.is_not(None))):
            total = sums.setdefault((entry.team_id, entry.service_id, entry.person_id), [Decimal(0), Decimal(0)])
            total[0] += Decimal(entry.hours)
            total[1] += Decimal(entry.hours) if entry.billable else Decimal(0)
    return {key: (hours.quantize(CENT), billable.quantize(CENT)) for key, (hours, billable) in sums.items()
            if hours > 0}


def test_the_sums_follow_the_demo_load(demo_engine):
    assert kept(demo_engine) == summed(demo_engine) != {}


def test_every_kind_of_change_moves_its_sums_in_the_same_transaction(demo_engine):
    """Hours, days, people, billable flags, moves onto and off services, inserts and deletes."""
    with Session(demo_engine) as session, session.begin():
        random_changes(session, Random(31), 300)
    assert kept(demo_engine) == summed(demo_engine)


def test_a_rolled_back_change_moves_nothing(demo_engine):
    before = kept(demo_engine)
    with Session(demo_engine) as session:
        random_changes(session, Random(32), 50)
        session.rollback()
    assert kept(demo_engine) == before


def test_deleting_a_service_takes_its_sums_away(demo_engine):
    """Its time entries lose their service (ON DELETE SET NULL): internal time is not kept here."""
    with Session(demo_engine) as session, session.begin():
        busiest = session.scalar(select(TimeEntry.service_id).where(TimeEntry.service_id.is_not(None)).limit(1))
        session.execute(delete(Service).where(Service.id == busiest))
    assert kept(demo_engine) == summed(demo_engine)
    assert not [key for key in kept(demo_engine) if key[1] == busiest]


def test_deleting_every_entry_leaves_no_sums_behind(demo_engine):
    with Session(demo_engine) as session, session.begin():
        session.execute(delete(TimeEntry).where(TimeEntry.team_id == TEAM))
    assert kept(demo_engine) == {}


def test_the_migration_sums_the_time_entries_already_stored(demo_engine):
    downgrade_to(demo_engine, "0015")
    with Session(demo_engine) as session, session.begin():
        random_changes(session, Random(33), 40)  # changes no trigger of 0016 sums
    upgrade(demo_engine)
    assert kept(demo_engine) == summed(demo_engine)
