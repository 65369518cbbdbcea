"""`/delivery capacity`: the rules, the report on both databases, the message, and the answer."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session
from support import TEAM, UTC, WEDNESDAY, load_demo_at

from bot.app import single_workspace
from bot.settings import load_settings
from handlers.commands.answers import CommandRequest
from handlers.commands.answers import view_answer as capacity_answer
from handlers.commands.parse import parse_command
from messages.blocks.capacity import MAX_PEOPLE_ROWS, capacity_message, hours
from messages.blocks.common import MAX_FIELD_TEXT, MAX_MESSAGE_BLOCKS, MAX_SECTION_TEXT
from messages.blocks.share import with_share_button
from store.clock import FixedClock, current_week
from store.context import QueryContext
from store.enums import AppointmentKind, DeliverableStatus, ServiceStatus
from store.models import Appointment, Customer, Deliverable, Person, Service, Ticket, TimeEntry, TimeOff
from store.queries.capacity import MAX_SHOWN_PEOPLE, capacity_report, overloaded_people
from store.readmodels import PersonRef
from store.readmodels.capacity import (
    AppointmentsThisWeek,
    CapacityReport,
    PersonCapacity,
    PersonRoom,
    PlannedWeek,
    Utilization,
)
from store.rules.capacity import (
    BillableBand,
    HoursSource,
    LoadState,
    billable_band,
    capacity_sort_key,
    load_state,
    service_load,
)

OTHER_TEAM = "T0OTHER"


# Rules, without a database.

@pytest.mark.parametrize("active, most, state", [
    (0, 4, LoadState.AVAILABLE), (2, 4, LoadState.AVAILABLE), (3, 5, LoadState.AVAILABLE),
    (3, 4, LoadState.SCHEDULED), (4, 5, LoadState.SCHEDULED), (4, 4, LoadState.AT_CAPACITY),
    (5, 4, LoadState.OVERLOADED), (0, 0, LoadState.AVAILABLE), (1, 0, LoadState.OVERLOADED),
])  # fmt: skip
def test_load_state(active, most, state):
    assert load_state(active, most) == state


def test_load_state_labels_and_load():
    assert [s.label for s in LoadState] == ["Overloaded", "At capacity", "Scheduled", "Available"]
    assert [hours(h) for h in (47.0, 6.5, 13.333, 1234567.0)] == ["47", "6.5", "13.3", "1234567"]
    assert service_load(3, 4) == 0.75 and service_load(1, 0) is None


@pytest.mark.parametrize("share, band", [
    (0.0, BillableBand.BELOW), (0.6999, BillableBand.BELOW), (0.70, BillableBand.WITHIN),
    (0.7 - 1e-12, BillableBand.WITHIN), (0.75, BillableBand.WITHIN), (0.8 + 1e-12, BillableBand.WITHIN),
    (0.8001, BillableBand.ABOVE), (1.2, BillableBand.ABOVE),
])  # fmt: skip
def test_billable_band_includes_both_ends(share, band):
    assert billable_band(share) == band


def test_sort_key_puts_overloaded_first_then_load_then_name():
    people = [("Zed", 1, 4), ("Amy", 4, 4), ("Bob", 5, 4), ("Cat", 1, 0), ("Dan", 3, 5), ("Eve", 1, 2)]
    people.sort(key=lambda p: capacity_sort_key(load_state(p[1], p[2]), p[1], p[2], p[0]))
    assert [p[0] for p in people] == ["Cat", "Bob", "Amy", "Dan", "Eve", "Zed"]


# The report, on SQLite and PostgreSQL.

def report(engine, team_id: str = TEAM) -> CapacityReport:
    with Session(engine) as session:
        return capacity_report(session, QueryContext(team_id=team_id, now=WEDNESDAY, tz=UTC))


def test_demo_loads_states_and_appointments(demo_engine):
    answer = report(demo_engine)
    by_name = {p.person.name: p for p in answer.people}
    assert (by_name["Ryan Ortiz"].active_services, by_name["Ryan Ortiz"].state) == (4, LoadState.AT_CAPACITY)
    assert (by_name["Bill Nguyen"].active_services, by_name["Bill Nguyen"].state) == (2, LoadState.AVAILABLE)
    assert (by_name["Chris Patel"].active_services, by_name["Chris Patel"].state) == (3, LoadState.SCHEDULED)
    assert answer.appointments == AppointmentsThisWeek(customer_sessions=23, internal=8, total_hours=47)
    assert [p.person.name for p in answer.people[:2]] == ["Ryan Ortiz", "Chris Patel"]
    keys = [(p.state.rank, -(p.load or 0)) for p in answer.people]
    assert keys == sorted(keys), "overloaded first, then by load within a state"
    assert "Bill Nguyen" in [p.person.name for p in answer.with_capacity]


def test_demo_utilization_tickets_and_blocked_match_the_rows(demo_engine):
    """Every per-person figure recomputed from ORM rows, without the report's SQL: last week's time
    entries (appointments for whoever logged none) over capacity less time off."""
    last_week = current_week(WEDNESDAY, UTC).previous(UTC)
    logged, billable = defaultdict(float), defaultdict(float)
    with Session(demo_engine) as session:
        people = {p.id: p for p in session.scalars(select(Person).where(Person.team_id == TEAM))}
        for entry in session.scalars(select(TimeEntry).where(TimeEntry.team_id == TEAM)):
            if last_week.first_day <= entry.worked_on <= last_week.last_day:
                logged[entry.person_id] += float(entry.hours)
                billable[entry.person_id] += float(entry.hours) if entry.billable else 0.0
        away = {off.person_id for off in session.scalars(select(TimeOff))
                if off.starts_on <= last_week.last_day and off.ends_on >= last_week.first_day}
        tickets = [t.owner_id for t in session.scalars(select(Ticket)) if t.resolved_at is None]
        blocked = [d.owner_id for d in session.scalars(select(Deliverable))
                   if d.status == DeliverableStatus.BLOCKED and d.service.status == ServiceStatus.ACTIVE]
    assert not away and set(logged) == set(people), "the demo: everyone logged time last week, nobody was away"
    by_name = {p.person.name: p for p in report(demo_engine).people}
    assert len(by_name) == len(people) == 7
    for person_id, person in people.items():
        view, capacity = by_name[person.name], float(person.weekly_capacity_hours)
        assert view.last_week.utilization == pytest.approx(logged[person_id] / capacity), person.name
        assert view.last_week.billable_share == pytest.approx(billable[person_id] / capacity), person.name
        assert view.last_week.source == HoursSource.TIMESHEETS, person.name
        assert view.open_tickets == tickets.count(person_id), person.name
        assert view.blocked_deliverables == blocked.count(person_id), person.name
    ryan = by_name["Ryan Ortiz"]
    assert (ryan.last_week.hours, ryan.last_week.billable_hours, ryan.last_week.band) == (36, 32, BillableBand.WITHIN)
    assert ryan.blocked_deliverables == 1


def count_statements(engine, run) -> int:
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return len(statements)


def add_people(engine, count: int) -> None:
    """`count` more people, each owning a service, holding an appointment this week and having logged
    time last week (as everyone in the demo has)."""
    with Session(engine) as session, session.begin():
        customer = Customer(team_id=TEAM, key="extra-customer", name="Extra Customer")
        for n in range(count):
            person = Person(team_id=TEAM, key=f"extra-{n}", name=f"Extra {n}", max_concurrent_services=2)
            service = Service(team_id=TEAM, key=f"extra-{n}", customer=customer, name=f"Service {n}",
                              owner=person, members=[person], created_at=WEDNESDAY)
            session.add(Appointment(team_id=TEAM, key=f"extra-{n}", person=person, kind=AppointmentKind.INTERNAL,
                                    title="Sync", starts_at=WEDNESDAY, duration_minutes=30))
            session.add(TimeEntry(team_id=TEAM, key=f"extra-{n}", person=person, service=service,
                                  worked_on=(WEDNESDAY - timedelta(days=7)).date(), hours=Decimal(4)))
            session.add(service)


def test_a_fixed_number_of_statements_whatever_the_team_size(demo_engine):
    before = count_statements(demo_engine, lambda: report(demo_engine))
    add_people(demo_engine, 40)
    after = count_statements(demo_engine, lambda: report(demo_engine))
    assert before == after <= 11
    extra = [p for p in report(demo_engine).people if p.person.name.startswith("Extra")]
    assert len(extra) == 40 and all(p.active_services == 1 for p in extra), "owner and member count once"


def test_only_the_first_people_are_built_and_everyone_is_counted(demo_engine):
    add_people(demo_engine, 40)
    ctx = QueryContext(team_id=TEAM, now=WEDNESDAY, tz=UTC)
    with Session(demo_engine) as session:
        everyone = capacity_report(session, ctx, limit=1000)
        first = capacity_report(session, ctx, limit=5)
    assert len(everyone.people) == everyone.people_total == 47 and len(everyone.with_capacity) > 5
    assert first.people == everyone.people[:5]
    assert first.with_capacity == everyone.with_capacity[:5]
    assert (first.people_total, first.with_capacity_total) == (47, len(everyone.with_capacity))
    assert first.state_counts == everyone.state_counts and sum(first.state_counts.values()) == 47
    hidden = capacity_message(first, UTC).block_dicts()
    assert any("and 42 more people" in t for t in texts(hidden)), "the message counts everyone, not the people built"


def test_the_overloaded_are_those_the_full_report_calls_overloaded_in_its_order(demo_engine):
    """`overloaded_people` (the at-risk answers') narrows in SQL; it must agree with the full report,
    namesakes and a maximum of zero included, in fewer statements."""
    add_people(demo_engine, 12)
    with Session(demo_engine) as session, session.begin():
        extras = session.scalars(select(Person).where(Person.key.like("extra-%")).order_by(Person.id)).all()
        for n, person in enumerate(extras[:8]):
            person.max_concurrent_services = 0 if n % 2 else -1
            person.name = "Extra Namesake" if n < 4 else person.name
    ctx = QueryContext(team_id=TEAM, now=WEDNESDAY, tz=UTC)
    with Session(demo_engine) as session:
        everyone = capacity_report(session, ctx, limit=1000)
        # The at-risk answers show load, tickets and blocked deliverables, not the weeks.
        expected = [p.model_copy(update={"last_week": None, "next_week": None}) for p in everyone.people
                    if p.state == LoadState.OVERLOADED]
        statements = count_statements(demo_engine, lambda: overloaded_people(session, ctx))
        overloaded = overloaded_people(session, ctx)
        first = overloaded_people(session, ctx, limit=3)
    assert len(expected) >= 8 and overloaded.total == everyone.state_counts[LoadState.OVERLOADED] == len(expected)
    assert overloaded.people == expected and first.people == expected[:3] and first.total == len(expected)
    assert statements == 3


def test_other_workspaces_rows_are_never_counted(demo_engine):
    """Another team's demo, and rows of another team pointing at this team's people, change nothing."""
    alone = report(demo_engine)
    load_demo_at(demo_engine, WEDNESDAY, team_id=OTHER_TEAM)
    with Session(demo_engine) as session, session.begin():
        ryan = session.scalar(select(Person).where(Person.team_id == TEAM, Person.slack_user_id == "U0RYAN"))
        customer = Customer(team_id=OTHER_TEAM, key="x-customer", name="Elsewhere")
        service = Service(team_id=OTHER_TEAM, key="x-service", customer=customer, name="Elsewhere",
                          owner=ryan, members=[ryan], created_at=WEDNESDAY)
        session.add_all([
            Appointment(team_id=OTHER_TEAM, key="x-appointment", person=ryan, kind=AppointmentKind.CUSTOMER_SESSION,
                        title="Elsewhere", starts_at=WEDNESDAY, duration_minutes=600),
            Ticket(team_id=OTHER_TEAM, key="x-ticket", customer=customer, service=service, title="Elsewhere",
                   type="issue", priority="high", owner=ryan, opened_at=WEDNESDAY, due_at=WEDNESDAY),
            Deliverable(team_id=OTHER_TEAM, key="x-deliverable", service=service, name="Elsewhere", owner=ryan,
                        status=DeliverableStatus.BLOCKED, blocked_since=WEDNESDAY - timedelta(days=4)),
        ])
    assert report(demo_engine).model_dump(exclude={"as_of"}) == alone.model_dump(exclude={"as_of"})
    other = report(demo_engine, OTHER_TEAM)
    assert other.appointments == alone.appointments.model_copy(update={"customer_sessions": 24, "total_hours": 57})


# The message.

def person(n: int, name: str | None = None, *, active: int = 2, most: int = 4, hours: float = 40.0,
           logged: bool = True) -> PersonCapacity:
    state = load_state(active, most)
    return PersonCapacity(
        person=PersonRef(name=name or f"Person {n}"), active_services=active, max_services=most,
        load=service_load(active, most), state=state, spare_services=max(0, most - active), capacity_hours=hours,
        last_week=Utilization(capacity_hours=hours, available_hours=hours, hours=30, billable_hours=29,
                              from_appointments=0 if logged else 1),
        next_week=PlannedWeek(available_hours=hours, allocated_hours=20, appointment_hours=2),
        open_tickets=1, blocked_deliverables=0,
    )


def report_of(people: list[PersonCapacity]) -> CapacityReport:
    """A report of everyone in `people`, built the way the query builds it: the first few of each list."""
    week = current_week(WEDNESDAY, UTC)
    ordered = sorted(people, key=lambda p: capacity_sort_key(p.state, p.active_services, p.max_services,
                                                              p.person.name))
    free = sorted((p for p in people if p.state == LoadState.AVAILABLE and p.spare_services > 0),
                  key=lambda p: (-p.spare_services, p.load or 0.0, p.person.name.casefold()))
    room = sorted((p for p in people if p.state != LoadState.OVERLOADED and p.next_week.free_hours > 0),
                  key=lambda p: (-p.next_week.free_hours, p.person.name.casefold()))
    return CapacityReport(
        as_of=WEDNESDAY, week_first_day=week.first_day, week_last_day=week.last_day,
        last_week_first_day=week.previous(UTC).first_day,
        team_last_week=Utilization.total([p.last_week for p in people if p.capacity_hours > 0]),
        next_week_first_day=week.following(UTC).first_day,
        room_next_week=[PersonRoom(person=p.person, state=p.state, next_week=p.next_week)
                        for p in room[:MAX_SHOWN_PEOPLE]],
        room_next_week_total=len(room),
        people=ordered[:MAX_SHOWN_PEOPLE],
        state_counts={state: sum(1 for p in people if p.state == state) for state in LoadState},
        with_capacity=free[:MAX_SHOWN_PEOPLE], with_capacity_total=len(free),
        appointments=AppointmentsThisWeek(customer_sessions=1, internal=0, total_hours=1.5))


def texts(blocks: list[dict]) -> list[str]:
    found = []
    for block in blocks:
        found += [block["text"]["text"]] if "text" in block else []
        found += [f["text"] for f in block.get("fields", [])] + [e.get("text", "") for e in block.get("elements", [])]
    return found


def test_three_hundred_people_fit_within_block_kit_limits():
    reply = capacity_message(report_of([person(n, "x" * 200 + str(n)) for n in range(300)]), UTC)
    blocks = reply.block_dicts()
    assert len(blocks) <= MAX_MESSAGE_BLOCKS - 1
    assert len(with_share_button(reply, "capacity").block_dicts()) <= MAX_MESSAGE_BLOCKS
    assert any(f"and {300 - MAX_PEOPLE_ROWS} more people" in t and "/delivery" in t for t in texts(blocks))
    for block in blocks:
        if block["type"] == "section":
            assert len(block.get("text", {}).get("text", "")) <= MAX_SECTION_TEXT
            assert all(len(f["text"]) <= MAX_FIELD_TEXT for f in block.get("fields", []))
    assert len(blocks[0]["text"]["text"]) <= 150


def test_names_are_escaped_and_capacity_is_named():
    reply = capacity_message(report_of([person(1, "<!channel> & Co"), person(2, "Bill", active=4)]), UTC)
    shown = " ".join(texts(reply.block_dicts()))
    assert "<!channel>" not in shown + reply.text and "&lt;!channel&gt; &amp; Co" in shown
    assert "*Capacity:* &lt;!channel&gt; &amp; Co (2 of 4)" in shown
    assert "billable 72%, within the 70–80% target" in shown
    assert "1 customer session · 0 internal · 1.5 hours" in shown
    assert "/delivery help" in reply.block_dicts()[-1]["elements"][0]["text"]


def test_nobody_with_room_and_people_without_a_maximum():
    reply = capacity_message(report_of([person(1, "Nina", active=1, most=0, hours=0), person(2, active=4)]), UTC)
    shown = " ".join(texts(reply.block_dicts()))
    assert "Nobody has spare capacity" in shown and "Nobody has spare capacity" in reply.text
    assert "Nina* — Overloaded · 1 service (maximum 0)" in shown
    assert "no weekly capacity hours set" in shown
    assert capacity_message(report_of([]), UTC).text.startswith("Nobody is set up")


# The answer, through a workspace wired like the app's.

def test_capacity_answer_through_the_workspace(demo_engine):
    settings = load_settings(database_url="sqlite://", delivery_team_id=TEAM, delivery_timezone="UTC")
    workspace = single_workspace(settings, demo_engine, FixedClock(WEDNESDAY))
    reply = capacity_answer(CommandRequest(workspace=workspace, command=parse_command("capacity"), user_id="U0RYAN"))
    assert reply.text.startswith("7 people. 0 overloaded, 1 at capacity, 1 scheduled, 5 available.")
    assert "23 customer sessions · 8 internal · 47 hours" in reply.text
    shown = " ".join(texts(reply.block_dicts()))
    assert "*Ryan Ortiz* — At capacity · 4 of 4 services (100%)" in shown
    assert "Bill Nguyen (2 of 4)" in shown
    assert "2026-11-18 15:00 UTC" in reply.block_dicts()[-1]["elements"][0]["text"]
