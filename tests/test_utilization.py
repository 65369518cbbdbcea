"""Truthful utilization (issue 19): last whole week's logged hours over available hours, appointments
only where no time was logged (and said so), the delivery team's sums over sums, and next week's
scheduled hours (allocations and appointments) against available hours."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from support import TEAM, UTC, WEDNESDAY, demo_people

from messages.blocks.capacity import capacity_message, planned_text, utilization_text
from messages.blocks.mine import mine_message
from store.clock import current_week
from store.context import QueryContext
from store.enums import AppointmentKind
from store.models import Allocation, Appointment, Service, TimeEntry, TimeOff
from store.queries.capacity import capacity_report
from store.queries.mine import my_work
from store.queries.utilization import people_week, planned_by_person, team_utilization
from store.readmodels.capacity import PlannedWeek, Utilization
from store.rules.capacity import BillableBand, HoursSource, allocated_hours_in

CTX = QueryContext(team_id=TEAM, now=WEDNESDAY, tz=UTC)
LAST_WEEK = current_week(WEDNESDAY, UTC).previous(UTC)
NEXT_WEEK = current_week(WEDNESDAY, UTC).following(UTC)
MONDAY = NEXT_WEEK.first_day


# Rules and read models, without a database.

@pytest.mark.parametrize("starts_on, ends_on, hours", [
    (MONDAY - timedelta(days=30), None, 20.0),  # open-ended, began long ago: the whole week
    (MONDAY + timedelta(days=2), None, 12.0),  # starts on Wednesday: three working days of five
    (MONDAY - timedelta(days=7), MONDAY + timedelta(days=1), 8.0),  # ends on Tuesday: two days
    (MONDAY - timedelta(days=7), MONDAY - timedelta(days=1), 0.0),  # ended the Sunday before
    (MONDAY + timedelta(days=5), None, 0.0),  # starts on Saturday
])  # fmt: skip
def test_an_allocation_counts_the_share_of_working_days_it_covers(starts_on, ends_on, hours):
    assert allocated_hours_in(20.0, starts_on, ends_on, MONDAY, MONDAY + timedelta(days=6)) == hours


def test_team_figures_are_sums_over_sums_and_say_where_the_hours_came_from():
    busy = Utilization(capacity_hours=40, available_hours=40, hours=40, billable_hours=36)
    part_time = Utilization(capacity_hours=10, available_hours=10, hours=2, billable_hours=0, from_appointments=1)
    team = Utilization.total([busy, part_time])
    assert (team.hours, team.available_hours, team.people, team.from_appointments) == (42, 50, 2, 1)
    assert team.utilization == pytest.approx(0.84), "42 of 50 hours, not the mean of 100% and 20%"
    assert team.billable_share == pytest.approx(0.72) and team.band == BillableBand.WITHIN
    assert (busy.source, part_time.source, team.source) == (HoursSource.TIMESHEETS, HoursSource.APPOINTMENTS, None)
    assert utilization_text(part_time).endswith("· from appointments; no timesheets")
    assert utilization_text(team).endswith("· 1 of 2 from appointments; no timesheets")
    assert "from appointments" not in utilization_text(busy)


def test_time_off_and_an_empty_week_read_in_words():
    away = Utilization(capacity_hours=40, available_hours=32, hours=30, billable_hours=24)
    assert utilization_text(away).startswith("utilization 94% (30 of 32 h available, 8 h off) · billable 75%")
    gone = Utilization(capacity_hours=40, available_hours=0, hours=0, billable_hours=0)
    assert utilization_text(gone) == "away all week (40 h off)"
    assert utilization_text(Utilization(capacity_hours=0, available_hours=0, hours=3, billable_hours=0)).startswith(
        "no weekly capacity hours set (3 h)")
    assert planned_text(PlannedWeek(available_hours=32, allocated_hours=30, appointment_hours=4), 40) == \
        "34 of 32 h scheduled (8 h off) · 2 h over"
    assert planned_text(PlannedWeek(available_hours=40, allocated_hours=16, appointment_hours=1.5), 40) == \
        "17.5 of 40 h scheduled · 22.5 h free"


# The demo: its story in these numbers, on SQLite and PostgreSQL.


def test_the_demo_team_bills_within_the_band_and_ops_are_not_counted(demo_engine):
    people = demo_people(demo_engine)
    with Session(demo_engine) as session:
        week = people_week(session, CTX, LAST_WEEK)
        team = team_utilization(session, CTX, LAST_WEEK)
    assert week.delivery == frozenset(pid for key, pid in people.items() if key != "dana")
    assert (team.team.hours, team.team.billable_hours, team.team.available_hours) == (194, 170, 232)
    assert team.team.band == BillableBand.WITHIN and round(team.team.billable_share, 2) == 0.73
    assert team.team.source == HoursSource.TIMESHEETS
    ryan, bill = week.by_person[people["ryan"]], week.by_person[people["bill"]]
    assert (ryan.utilization, bill.utilization) == (pytest.approx(0.9), pytest.approx(0.5))
    assert team.in_band == sum(week.by_person[p].band == BillableBand.WITHIN for p in week.delivery)


def test_someone_who_logged_nothing_is_read_from_appointments_and_marked(demo_engine):
    """Bill's timesheet for last week goes missing: his line falls back to his appointments."""
    people = demo_people(demo_engine)
    with Session(demo_engine) as session, session.begin():
        session.execute(delete(TimeEntry).where(TimeEntry.person_id == people["bill"],
                                                TimeEntry.worked_on >= LAST_WEEK.first_day,
                                                TimeEntry.worked_on <= LAST_WEEK.last_day))
        held = [(a.duration_minutes, a.kind) for a in session.scalars(
            select(Appointment).where(Appointment.person_id == people["bill"],
                                      Appointment.starts_at >= LAST_WEEK.start, Appointment.starts_at < LAST_WEEK.end))]
    with Session(demo_engine) as session:
        bill = people_week(session, CTX, LAST_WEEK).by_person[people["bill"]]
        team = team_utilization(session, CTX, LAST_WEEK).team
    assert bill.from_appointments == 1 and bill.source == HoursSource.APPOINTMENTS
    assert held and bill.hours == sum(minutes for minutes, _ in held) / 60
    sessions = [minutes for minutes, kind in held if kind == AppointmentKind.CUSTOMER_SESSION]
    assert bill.billable_hours == sum(sessions) / 60
    assert (team.from_appointments, team.people) == (1, 6)
    with Session(demo_engine) as session:
        reply = capacity_message(capacity_report(session, CTX), UTC)
    assert "1 of 6 from appointments; no timesheets" in str(reply.block_dicts())


def test_time_off_last_week_shrinks_the_available_hours(demo_engine):
    people = demo_people(demo_engine)
    with Session(demo_engine) as session, session.begin():
        session.add(TimeOff(team_id=TEAM, key="t-off", person_id=people["ryan"], starts_on=LAST_WEEK.first_day,
                            ends_on=LAST_WEEK.first_day + timedelta(days=1), hours_per_day=Decimal(8)))
    with Session(demo_engine) as session:
        ryan = people_week(session, CTX, LAST_WEEK).by_person[people["ryan"]]
    assert (ryan.available_hours, ryan.away_hours) == (24, 16) and ryan.utilization == pytest.approx(36 / 24)


def test_next_week_scheduled_hours_are_allocations_and_appointments(demo_engine):
    """Priya is off next Friday, so her 34 planned hours exceed her 32; Bill has 24 h free, and a
    customer session next week and an allocation starting on Thursday add to his."""
    people = demo_people(demo_engine)
    with Session(demo_engine) as session:
        before = planned_by_person(session, CTX, NEXT_WEEK)
    priya, bill = before[people["priya"]], before[people["bill"]]
    assert (priya.available_hours, priya.scheduled_hours, priya.free_hours) == (32, 34, 0)
    assert (bill.available_hours, bill.allocated_hours, bill.appointment_hours, bill.free_hours) == (40, 16, 0, 24)
    with Session(demo_engine) as session, session.begin():
        gamma = session.scalars(select(Service).where(Service.key == "demo-service-gamma")).one()
        session.add_all([
            Allocation(team_id=TEAM, key="t-alloc", person_id=people["bill"], service=gamma,
                       hours_per_week=Decimal(10), starts_on=MONDAY + timedelta(days=3), ends_on=date(2027, 3, 1)),
            Appointment(team_id=TEAM, key="t-appt", person_id=people["bill"], kind=AppointmentKind.CUSTOMER_SESSION,
                        title="Kick-off", starts_at=NEXT_WEEK.start + timedelta(days=1, hours=10),
                        duration_minutes=90),
        ])
    with Session(demo_engine) as session:
        bill = planned_by_person(session, CTX, NEXT_WEEK, [people["bill"]])[people["bill"]]
    assert (bill.allocated_hours, bill.appointment_hours, bill.scheduled_hours, bill.free_hours) == (20, 1.5, 21.5,
                                                                                                   18.5)


def test_capacity_says_who_has_room_next_week_and_the_team_s_last_week(demo_engine):
    with Session(demo_engine) as session:
        report = capacity_report(session, CTX)
    room = [(r.person.name, r.next_week.free_hours) for r in report.room_next_week]
    assert room[0] == ("Bill Nguyen", 24) and "Dana Whitfield" not in dict(room), "ops are not planned on services"
    assert "Priya Raman" not in dict(room), "over-scheduled: no room"
    assert report.room_next_week_total == len(room)
    by_name = {p.person.name: p for p in report.people}
    assert by_name["Ryan Ortiz"].last_week.utilization == pytest.approx(0.9)
    reply = capacity_message(report, UTC)
    shown = str(reply.block_dicts())
    assert "*Room next week:* Bill Nguyen (24 h free)" in shown
    assert "utilization 84% (194 of 232 h) · billable 73%, within the 70–80% target" in shown
    assert "Last week: utilization 90% (36 of 40 h) · billable 80%, within the 70–80% target" in shown
    assert "Next week: 34 of 32 h scheduled (8 h off) · 2 h over" in shown
    assert "Room next week: Bill Nguyen, " in reply.text


def test_mine_shows_my_week(demo_engine):
    with Session(demo_engine) as session:
        work = my_work(session, CTX, slack_user_id="U0BILL")
    assert work.week is not None and work.week.last_week.utilization == pytest.approx(0.5)
    shown = str(mine_message(work, UTC).block_dicts())
    assert "*My week*" in shown and "utilization 50% (20 of 40 h) · billable 40%, below the 70–80% target" in shown
    assert "16 of 40 h scheduled · 24 h free" in shown
