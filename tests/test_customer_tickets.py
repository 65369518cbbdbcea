"""Customer ticket tallies (store/queries/customer_tickets.py): counted at a checkpoint, they give exactly
what counting the tickets gives, a change that moves a count sets them aside in its own transaction, and
resolving a ticket now (what clicks do) keeps them."""

from __future__ import annotations

from datetime import UTC, timedelta
from random import Random

import pytest
from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session
from support import TEAM, WEDNESDAY, assert_refresh_waits_for_writer, load_demo_at

from store.context import QueryContext
from store.db import make_engine, make_sessionmaker
from store.models import Customer, Ticket, TicketCheckpoint, TicketTally
from store.queries import customer_tickets
from store.queries.customer_tickets import HORIZON, counted_at, customer_ticket_counts, keep_customer_tickets
from store.rules.relationship import RELATIONSHIP_THRESHOLDS
from store.schema import upgrade

WINDOW = timedelta(days=RELATIONSHIP_THRESHOLDS.ticket_window_days)
OTHER_TEAM = "T0OTHER"


def context(now, team_id: str = TEAM) -> QueryContext:
    return QueryContext(team_id=team_id, now=now, tz=UTC)


def counted_directly(engine, now, customer_ids=None, team_id: str = TEAM) -> dict[int, tuple[int, int, int]]:
    with Session(engine) as session:
        return {row[0]: tuple(row[1:]) for row in session.execute(counted_at(team_id, now, customer_ids))
                if any(row[1:])}


def from_tallies(engine, now, customer_ids=None, team_id: str = TEAM) -> dict[int, tuple[int, int, int]] | None:
    """The counts as answers read them, or None when they were counted from the tickets instead."""
    counted: list[bool] = []
    original = customer_tickets.counted_at

    def spied(*args, **kwargs):
        counted.append(True)
        return original(*args, **kwargs)

    customer_tickets.counted_at = spied
    try:
        with Session(engine) as session:
            found = customer_ticket_counts(session, context(now, team_id), customer_ids)
    finally:
        customer_tickets.counted_at = original
    return None if counted else {customer_id: tuple(counts) for customer_id, counts in found.items()}


def keep(engine, now, team_id: str = TEAM) -> bool:
    return keep_customer_tickets(make_sessionmaker(engine), context(now, team_id))


def checkpoint(engine, team_id: str = TEAM):
    with Session(engine) as session:
        return session.scalar(select(TicketCheckpoint.as_of).where(TicketCheckpoint.team_id == team_id))


def ticket_row(n: int, customer_id: int, opened_at, due_at, resolved_at=None, team_id: str = TEAM) -> dict:
    return dict(team_id=team_id, key=f"TT-{team_id}-{n}", customer_id=customer_id, title="printer jam",
                type="incident", priority="p3", opened_at=opened_at, due_at=due_at, resolved_at=resolved_at)


def add_random_tickets(engine, rng: Random, around, count: int) -> None:
    """Tickets on a 15-minute grid around every edge a window can have near `around` (many exactly on an
    edge), some resolved late near an edge, some on time, some open."""
    with Session(engine) as session, session.begin():
        customers = list(session.scalars(select(Customer.id).where(Customer.team_id == TEAM)))
        rows = []
        for n in range(count):
            edge = rng.choice([0, 1, 2, rng.random() * 2])
            moment = around - edge * WINDOW + timedelta(minutes=15 * rng.randint(-8, 8))
            late = rng.random() < 0.5
            if late:  # resolved at `moment`, after a due time before it
                opened = moment - timedelta(days=rng.randint(1, 40))
                row = ticket_row(n, rng.choice(customers), opened, moment - timedelta(minutes=15 * rng.randint(0, 4)),
                                 moment)
                if rng.random() < 0.3:  # exactly on time: not late
                    row["due_at"] = moment
            else:
                resolved = None if rng.random() < 0.5 else moment + timedelta(hours=rng.randint(1, 30))
                row = ticket_row(n, rng.choice(customers), moment, moment + timedelta(days=2), resolved)
            rows.append(row)
        session.execute(insert(Ticket), rows)


@pytest.fixture
def portfolio(engine):
    load_demo_at(engine, WEDNESDAY)
    add_random_tickets(engine, Random(11), WEDNESDAY, 800)
    assert keep(engine, WEDNESDAY)
    return engine


def test_tallies_give_what_counting_the_tickets_gives_at_every_moment_within_the_horizon(portfolio):
    compared = 0
    with Session(portfolio) as session:
        some = list(session.scalars(select(Customer.id).where(Customer.team_id == TEAM).limit(3)))
    for minutes in range(-60, 61, 5):  # on and off the tickets' grid, before and after the checkpoint
        now = WEDNESDAY + timedelta(minutes=minutes)
        expected = counted_directly(portfolio, now)
        assert from_tallies(portfolio, now) == expected, now
        assert from_tallies(portfolio, now, some) == counted_directly(portfolio, now, some), now
        compared += sum(map(sum, expected.values()))
    assert compared > 1000, "too little was compared"


def test_answers_read_the_tallies_within_the_horizon_and_count_the_tickets_outside_it(portfolio):
    assert from_tallies(portfolio, WEDNESDAY + HORIZON) is not None
    assert from_tallies(portfolio, WEDNESDAY - HORIZON) is not None
    assert from_tallies(portfolio, WEDNESDAY + HORIZON + timedelta(seconds=1)) is None
    later = WEDNESDAY + timedelta(days=2)
    with Session(portfolio) as session:
        found = customer_ticket_counts(session, context(later))
    assert {c: tuple(n) for c, n in found.items()} == counted_directly(portfolio, later)


def test_tallies_of_another_window_are_not_used(portfolio):
    with Session(portfolio) as session, session.begin():
        session.execute(update(TicketCheckpoint).values(window_days=7))
    assert from_tallies(portfolio, WEDNESDAY) is None


def a_ticket(engine, *conditions) -> int:
    with Session(engine) as session:
        return session.scalar(select(Ticket.id).where(Ticket.team_id == TEAM, *conditions).order_by(Ticket.id))


def other_customer(session: Session, ticket_id: int) -> int:
    return session.scalar(select(Customer.id).where(Customer.team_id == TEAM,
                                                    Customer.id != session.get(Ticket, ticket_id).customer_id))


OPENED_EARLIER = (Ticket.opened_at < WEDNESDAY - timedelta(days=1),)
RESOLVED_LATE = (Ticket.resolved_at < WEDNESDAY, Ticket.resolved_at > WEDNESDAY - WINDOW,
                 Ticket.resolved_at > Ticket.due_at)
OPEN = (Ticket.resolved_at.is_(None), Ticket.opened_at < WEDNESDAY - timedelta(days=1))

MOVING_CHANGES = {
    "insert opened earlier": (OPENED_EARLIER, lambda s, i: s.execute(insert(Ticket), [ticket_row(
        9001, s.get(Ticket, i).customer_id, WEDNESDAY - timedelta(days=3), WEDNESDAY + timedelta(days=1))])),
    "delete": (OPENED_EARLIER, lambda s, i: s.execute(delete(Ticket).where(Ticket.id == i))),
    "move its opening": (OPENED_EARLIER, lambda s, i: s.execute(update(Ticket).where(Ticket.id == i).values(
        opened_at=WEDNESDAY - 3 * WINDOW))),
    "other customer": (OPENED_EARLIER, lambda s, i: s.execute(update(Ticket).where(Ticket.id == i).values(
        customer_id=other_customer(s, i)))),
    "reopen a late one": (RESOLVED_LATE, lambda s, i: s.execute(update(Ticket).where(Ticket.id == i).values(
        resolved_at=None))),
    "later due time": (RESOLVED_LATE, lambda s, i: s.execute(update(Ticket).where(Ticket.id == i).values(
        due_at=WEDNESDAY + timedelta(days=1)))),
    "orm edit": (OPENED_EARLIER, lambda s, i: setattr(s.get(Ticket, i), "opened_at", WEDNESDAY - timedelta(hours=2))),
}


@pytest.mark.parametrize("change", MOVING_CHANGES)
def test_a_change_that_moves_a_count_sets_the_tallies_aside_in_its_own_transaction(portfolio, change):
    which, apply = MOVING_CHANGES[change]
    target = a_ticket(portfolio, *which)
    with Session(portfolio) as session, session.begin():
        apply(session, target)
        session.flush()
        # Within the writing transaction already: nothing can read tallies older than the change.
        assert session.scalar(select(TicketCheckpoint.as_of).where(TicketCheckpoint.team_id == TEAM)) is None
    assert from_tallies(portfolio, WEDNESDAY) is None
    assert keep(portfolio, WEDNESDAY)
    assert from_tallies(portfolio, WEDNESDAY) == counted_directly(portfolio, WEDNESDAY)


KEEPING_CHANGES = {
    "resolve now, late": (OPEN, lambda s, i: s.execute(update(Ticket).where(Ticket.id == i).values(
        resolved_at=WEDNESDAY + timedelta(minutes=1), due_at=WEDNESDAY - timedelta(hours=1)))),
    "resolve now, on time": (OPEN, lambda s, i: s.execute(update(Ticket).where(Ticket.id == i).values(
        resolved_at=WEDNESDAY + timedelta(minutes=1), due_at=WEDNESDAY + timedelta(days=1)))),
    "assign and retitle": (OPENED_EARLIER, lambda s, i: s.execute(update(Ticket).where(Ticket.id == i).values(
        title="renamed", priority="p1"))),
    "a new ticket": (OPENED_EARLIER, lambda s, i: s.execute(insert(Ticket), [ticket_row(
        9002, s.get(Ticket, i).customer_id, WEDNESDAY + timedelta(minutes=1), WEDNESDAY + timedelta(days=1))])),
}


@pytest.mark.parametrize("change", KEEPING_CHANGES)
def test_resolving_now_or_opening_a_ticket_keeps_the_tallies_and_they_count_it(portfolio, change):
    which, apply = KEEPING_CHANGES[change]
    target = a_ticket(portfolio, *which)
    with Session(portfolio) as session, session.begin():
        apply(session, target)
    assert checkpoint(portfolio) == WEDNESDAY
    for minutes in (2, 30):
        now = WEDNESDAY + timedelta(minutes=minutes)
        assert from_tallies(portfolio, now) == counted_directly(portfolio, now), change


def test_a_rolled_back_change_leaves_the_tallies_in_use(portfolio):
    with Session(portfolio) as session:
        session.execute(delete(Ticket).where(Ticket.id == a_ticket(portfolio, *OPENED_EARLIER)))
        session.rollback()
    assert checkpoint(portfolio) == WEDNESDAY


def test_one_workspace_s_tickets_never_touch_another_s_tallies(portfolio):
    load_demo_at(portfolio, WEDNESDAY, team_id=OTHER_TEAM, force=True)
    assert keep(portfolio, WEDNESDAY, OTHER_TEAM)
    with Session(portfolio) as session, session.begin():
        session.execute(delete(Ticket).where(Ticket.team_id == OTHER_TEAM))
    assert checkpoint(portfolio, OTHER_TEAM) is None
    assert checkpoint(portfolio) == WEDNESDAY
    with Session(portfolio) as session:
        assert set(session.scalars(select(TicketTally.team_id).distinct())) == {TEAM, OTHER_TEAM}
    assert from_tallies(portfolio, WEDNESDAY) == counted_directly(portfolio, WEDNESDAY)


def test_tallies_replaced_after_the_checkpoint_was_read_are_not_used(portfolio, monkeypatch):
    """The checkpoint is read, then the tallies: if a refresh came in between, the answer counts."""
    assert keep(portfolio, WEDNESDAY + timedelta(minutes=10))
    monkeypatch.setattr(customer_tickets, "_as_of", lambda *args: WEDNESDAY)
    assert from_tallies(portfolio, WEDNESDAY) is None


def test_the_scheduler_counts_again_only_when_due(portfolio):
    sessions = make_sessionmaker(portfolio)
    assert not keep_customer_tickets(sessions, context(WEDNESDAY + timedelta(minutes=5)), force=False)
    assert keep_customer_tickets(sessions, context(WEDNESDAY + timedelta(minutes=10)), force=False)
    assert checkpoint(portfolio) == WEDNESDAY + timedelta(minutes=10)


def test_a_refresh_waits_for_writers_of_tickets_and_never_misses_their_change(postgres_database_url, monkeypatch):
    """PostgreSQL only: SQLite has one writer at a time by construction, PostgreSQL needs the table lock."""
    engine = make_engine(postgres_database_url)
    upgrade(engine)
    load_demo_at(engine, WEDNESDAY)
    assert keep(engine, WEDNESDAY)
    target = a_ticket(engine, *OPENED_EARLIER)
    assert_refresh_waits_for_writer(
        engine, monkeypatch, customer_tickets,
        change=lambda writer: writer.execute(update(Ticket).where(Ticket.id == target)
                                             .values(opened_at=WEDNESDAY - timedelta(minutes=5))),
        refresh=lambda at: keep(engine, at), checkpoint=lambda: checkpoint(engine))
    assert from_tallies(engine, WEDNESDAY) == counted_directly(engine, WEDNESDAY)
    engine.dispose()
