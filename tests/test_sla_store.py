"""The SLA warnings' store (store/sla): each open ticket's next threshold, and what a tick claims.

The clock is driven across each threshold; the warnings ledger must hold one row per (ticket,
threshold) whatever ticks, restarts or policy changes happen, and a resolved ticket is never claimed.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, select, update

from store.context import QueryContext
from store.enums import DeliveryStatus
from store.models import Customer, Ticket, TicketWarning
from store.rules.sla import BREACH, SlaPolicy, parse_working_hours
from store.sla import (
    WarningOutcome,
    claim_crossings,
    ensure_schedule,
    expire_stale_warnings,
    finish_warnings,
    forget_schedule,
    next_marks,
    release_untold_warnings,
    settle_resolved,
    take_resolved,
    take_untold_warnings,
    warnings_of,
)

TEAM = "T0SLA"
OPENED = datetime(2026, 12, 7, 9, tzinfo=UTC)  # a Monday
POLICY = SlaPolicy()


def ctx(at: datetime, policy: SlaPolicy = POLICY) -> QueryContext:
    return QueryContext(team_id=TEAM, now=at, tz=ZoneInfo("UTC"), sla=policy)


@pytest.fixture
def tickets(sessions):
    """Three open tickets opened at OPENED: due in 8 hours, in 24 hours, and one already resolved."""
    with sessions.begin() as session:
        customer = Customer(team_id=TEAM, key="c1", name="Acme")
        session.add(customer)
        session.flush()
        rows = {name: Ticket(team_id=TEAM, key=name, customer_id=customer.id, title=name, type="issue",
                             priority="high", opened_at=OPENED, due_at=OPENED + timedelta(hours=hours),
                             resolved_at=resolved)
                for name, hours, resolved in (("eight", 8, None), ("day", 24, None),
                                              ("done", 8, OPENED + timedelta(hours=1)))}
        session.add_all(rows.values())
        session.flush()
        return {name: ticket.id for name, ticket in rows.items()}


def tick(sessions, at: datetime, policy: SlaPolicy = POLICY, claimed_by: str = "test") -> list[tuple[int, int]]:
    with sessions.begin() as session:
        return [(c.ticket_id, c.level) for c in claim_crossings(session, ctx(at, policy), claimed_by=claimed_by)]


def hours(n: float) -> datetime:
    return OPENED + timedelta(hours=n)


def test_each_threshold_is_claimed_once_as_the_clock_crosses_it(sessions, tickets):
    eight, day = tickets["eight"], tickets["day"]
    assert tick(sessions, hours(1)) == []
    assert tick(sessions, hours(4)) == [(eight, 50)]
    assert tick(sessions, hours(4)) == [], "a second tick at the same instant claims nothing"
    assert tick(sessions, hours(6)) == [(eight, 75)]
    assert tick(sessions, hours(8)) == [(eight, BREACH)]
    assert tick(sessions, hours(12)) == [(day, 50)]
    with sessions() as session:
        assert [level for ticket, level, _ in warnings_of(session, ctx(hours(12))) if ticket == eight] == [50, 75, 100]
        assert eight not in {ticket for ticket, _, _ in next_marks(session, ctx(hours(12)))}, "breached: no mark left"


def test_a_ticket_that_jumped_thresholds_between_ticks_is_warned_once_at_the_higher(sessions, tickets):
    assert tick(sessions, hours(7)) == [(tickets["eight"], 75)]
    assert tick(sessions, hours(7.5)) == []
    assert tick(sessions, hours(9)) == [(tickets["eight"], BREACH)]


def test_a_ticket_resolved_before_a_threshold_is_never_claimed(sessions, tickets):
    assert tick(sessions, hours(4)) == [(tickets["eight"], 50)]
    with sessions.begin() as session:
        session.execute(update(Ticket).where(Ticket.id == tickets["eight"]).values(resolved_at=hours(5)))
    assert tick(sessions, hours(10)) == []
    with sessions() as session:
        assert tickets["eight"] not in {t for t, _, _ in next_marks(session, ctx(hours(10)))}
        assert tickets["done"] not in {t for t, _, _ in next_marks(session, ctx(hours(10)))}


def test_computing_the_marks_again_never_warns_twice(sessions, tickets):
    assert tick(sessions, hours(6)) == [(tickets["eight"], 75)]
    with sessions.begin() as session:
        forget_schedule(session, TEAM)  # as a bulk load does
    assert tick(sessions, hours(6.5)) == []
    with sessions() as session:
        marks = {ticket: level for ticket, level, _ in next_marks(session, ctx(hours(6.5)))}
    assert marks == {tickets["eight"]: BREACH, tickets["day"]: 50}


def test_a_new_policy_computes_the_marks_again(sessions, tickets):
    with sessions.begin() as session:
        assert ensure_schedule(session, ctx(hours(0))) == 2
        assert ensure_schedule(session, ctx(hours(0))) is None, "current: nothing to do"
    stricter = SlaPolicy(levels=(25,))
    assert tick(sessions, hours(2), policy=stricter) == [(tickets["eight"], 25)]
    # 75 is not a threshold of this policy: the 8-hour ticket is next warned at its breach.
    assert tick(sessions, hours(7), policy=stricter) == [(tickets["day"], 25)]
    assert tick(sessions, hours(8), policy=stricter) == [(tickets["eight"], BREACH)]


def test_working_hours_hold_a_friday_evening_ticket_until_monday(sessions, tickets):
    office = SlaPolicy(hours=parse_working_hours("Mon-Fri 09:00-17:00", ZoneInfo("UTC")))
    friday = datetime(2026, 12, 4, 16, tzinfo=UTC)
    with sessions.begin() as session:
        session.execute(update(Ticket).where(Ticket.id == tickets["day"])
                        .values(opened_at=friday, due_at=friday + timedelta(days=3)))
    assert tick(sessions, datetime(2026, 12, 5, 12, tzinfo=UTC), policy=office) == []  # Saturday
    monday_noon = datetime(2026, 12, 7, 12, tzinfo=UTC)  # Friday's hour and Monday's three: 50% of 8
    assert (tickets["day"], 50) in tick(sessions, monday_noon, policy=office)


def test_outcomes_are_recorded_and_a_stopped_claim_becomes_uncertain(sessions, tickets):
    tick(sessions, hours(4))
    tick(sessions, hours(6))
    with sessions() as session:
        assert [status for *_, status in warnings_of(session, ctx(hours(6)))] == ["pending", "pending"]
        first = session.scalars(select(TicketWarning.id).order_by(TicketWarning.id)).first()
    with sessions.begin() as session:
        finish_warnings(session, ctx(hours(6)), outcomes=[WarningOutcome(first, DeliveryStatus.SENT)])
    with sessions.begin() as session:
        assert expire_stale_warnings(session, ctx(hours(7)), claimed_before=hours(6.5)) == 1
    with sessions() as session:
        assert [status for *_, status in warnings_of(session, ctx(hours(7)))] == ["sent", "uncertain"]


def test_switching_warnings_on_does_not_post_old_breaches(sessions, tickets):
    # First looked at 11 hours in: the 8-hour ticket breached 3 hours ago (past the 2-hour catch-up).
    assert tick(sessions, hours(11)) == []
    with sessions() as session:
        assert warnings_of(session, ctx(hours(11))) == []
        assert [t for t, _, _ in next_marks(session, ctx(hours(11)))] == [tickets["day"]]
    assert tick(sessions, hours(12)) == [(tickets["day"], 50)]


def test_a_warning_before_the_breach_is_sent_however_late(sessions, tickets):
    # First looked at 7 hours in: 75% was crossed an hour ago, 50% three hours ago: warned at 75.
    assert tick(sessions, hours(7)) == [(tickets["eight"], 75)]


def test_a_crossing_older_than_the_catch_up_is_recorded_as_missed(sessions, tickets):
    assert tick(sessions, hours(1)) == []  # the marks are made
    # No tick for twenty hours: the 8-hour ticket breached 13 hours ago (missed); the day ticket crossed
    # 75% three hours ago, and is not breached yet: warned.
    assert tick(sessions, hours(21)) == [(tickets["day"], 75)]
    with sessions() as session:
        assert sorted((t, level, status) for t, level, status in warnings_of(session, ctx(hours(21)))) == sorted(
            [(tickets["eight"], BREACH, "missed"), (tickets["day"], 75, "pending")])
    assert tick(sessions, hours(24)) == [(tickets["day"], BREACH)], "the next crossing is warned of as usual"


def test_two_schedulers_ticking_at_once_claim_each_warning_once(sessions, tickets):
    tick(sessions, hours(1))  # the marks are made
    results: list[list[tuple[int, int]]] = []
    errors: list[BaseException] = []

    def scheduler(name: str) -> None:
        try:
            results.append(tick(sessions, hours(7), claimed_by=name))
        except BaseException as error:  # reported below, not lost in the thread
            errors.append(error)

    threads = [threading.Thread(target=scheduler, args=(f"scheduler-{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(claim for claimed in results for claim in claimed) == [(tickets["eight"], 75)]


# -- what follows a posted warning (store/sla/follow_up.py) --------------------------------------------


def finish_all(sessions, at: datetime, status: DeliveryStatus, error: str | None = None) -> None:
    with sessions.begin() as session:
        ids = session.scalars(select(TicketWarning.id).where(TicketWarning.status == DeliveryStatus.PENDING.value))
        finish_warnings(session, ctx(at), outcomes=[WarningOutcome(i, status, error) for i in ids])


def test_a_ticket_resolved_after_its_warning_is_taken_once_and_a_pending_one_waits(sessions, tickets):
    eight = tickets["eight"]
    tick(sessions, hours(4))
    with sessions.begin() as session:  # resolved as an import does: a plain write
        session.execute(update(Ticket).where(Ticket.id == eight).values(resolved_at=hours(5)))
    with sessions.begin() as session:
        assert take_resolved(session, ctx(hours(5))) == [], "still being posted: taken once it is"
    finish_all(sessions, hours(5), DeliveryStatus.SENT)
    with sessions.begin() as session:
        assert take_resolved(session, ctx(hours(5.5))) == [eight]
    with sessions.begin() as session:
        assert take_resolved(session, ctx(hours(6))) == []


def test_settling_a_ticket_resolved_by_a_click_leaves_the_tick_nothing(sessions, tickets):
    eight = tickets["eight"]
    tick(sessions, hours(4))
    finish_all(sessions, hours(4), DeliveryStatus.SENT)
    with sessions.begin() as session:
        session.execute(update(Ticket).where(Ticket.id == eight).values(resolved_at=hours(5)))
        settle_resolved(session, ctx(hours(5)), ticket_id=eight)
    with sessions.begin() as session:
        assert take_resolved(session, ctx(hours(5.5))) == []


def test_failed_and_uncertain_warnings_are_taken_untold_once_and_can_be_given_back(sessions, tickets):
    tick(sessions, hours(4))
    finish_all(sessions, hours(4), DeliveryStatus.FAILED, "channel_not_found")
    tick(sessions, hours(12))
    finish_all(sessions, hours(12), DeliveryStatus.SENT)
    with sessions.begin() as session:
        (problem,) = take_untold_warnings(session, ctx(hours(12)))
    assert (problem.ticket_id, problem.level, problem.status, problem.error, problem.title) == (
        tickets["eight"], 50, DeliveryStatus.FAILED, "channel_not_found", "eight")
    with sessions.begin() as session:
        assert take_untold_warnings(session, ctx(hours(12))) == []
        release_untold_warnings(session, ctx(hours(12)), warning_ids=[problem.warning_id])
    with sessions.begin() as session:
        assert [p.warning_id for p in take_untold_warnings(session, ctx(hours(13)))] == [problem.warning_id]


def test_a_tick_reads_the_follow_ups_through_their_partial_indexes(sessions, tickets):
    """Neither scan reads every warning, let alone every ticket: the planner can prove each partial
    index's condition from the query (the statuses are written into the SQL, not bound)."""
    engine = sessions.kw["bind"]
    statements: list[tuple[str, object]] = []

    def keep(conn, cursor, statement, parameters, context, executemany) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        with sessions.begin() as session:
            take_resolved(session, ctx(hours(4)))
            take_untold_warnings(session, ctx(hours(4)))
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    postgres = engine.dialect.name == "postgresql"
    plans = []
    with engine.connect() as connection:
        if postgres:  # a table this small is read whole otherwise
            connection.exec_driver_sql("SET enable_seqscan = off")
        for statement, parameters in statements:
            explain = "EXPLAIN " if postgres else "EXPLAIN QUERY PLAN "
            plans.append(" ".join(str(row) for row in connection.exec_driver_sql(explain + statement, parameters)))
    assert len(plans) == 2
    assert "ix_ticket_warnings_unsettled" in plans[0] and "ix_ticket_warnings_untold" in plans[1]
