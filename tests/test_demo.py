"""The demo portfolio: its figures come out of the rules and SQL, whenever it is loaded."""

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from support import TEAM, UTC, WEDNESDAY, load_demo_at

from store.clock import current_week, week_of
from store.context import QueryContext
from store.demo import DemoRefused
from store.enums import DONE_STATUSES, AppointmentKind, DeliverableStatus, Health, Phase
from store.models import Appointment, Customer, Deliverable, Person, Service, Ticket
from store.queries.portfolio import portfolio_status
from store.rules.forecast import HISTORY_WEEKS

NEW_YORK = ZoneInfo("America/New_York")
MOMENTS = [
    pytest.param(WEDNESDAY, UTC, id="wednesday-utc"),
    pytest.param(datetime(2026, 11, 16, 0, 20, tzinfo=timezone.utc), UTC, id="monday-00:20-utc"),
    pytest.param(datetime(2026, 11, 22, 23, 50, tzinfo=timezone.utc), UTC, id="sunday-23:50-utc"),
    # The Monday after New York leaves daylight saving time (1 Nov 2026), 00:10 local.
    pytest.param(datetime(2026, 11, 2, 5, 10, tzinfo=timezone.utc), NEW_YORK, id="new-york-after-dst"),
]


def status(engine, now, tz):
    with Session(engine) as session:
        return portfolio_status(session, QueryContext(team_id=TEAM, now=now, tz=tz))


@pytest.mark.parametrize("now, tz", MOMENTS)
def test_demo_figures_hold_whenever_it_is_loaded(engine, now, tz):
    load_demo_at(engine, now, tz)
    answer = status(engine, now, tz)
    assert answer.active_services == 15
    assert answer.health_counts == {Health.ON_TRACK: 12, Health.NEEDS_ATTENTION: 2, Health.AT_RISK: 1}
    assert answer.phase_counts == {Phase.DISCOVERY: 2, Phase.BUILD: 6, Phase.TRAINING: 4, Phase.OPTIMIZATION: 3}
    assert round(answer.deliverables.on_schedule_share * 100) == 89
    assert answer.overdue_tickets == 0
    assert [(m.customer_name, m.name) for m in sorted(answer.milestones_this_week, key=lambda m: m.customer_name)] == [
        ("Beta Corp", "Training Complete"),
        ("Gamma LLC", "Discovery Wrap-up"),
        ("Precision Components", "Go-Live Readiness"),
    ]
    attention = {v.customer_name: v for v in answer.needing_attention}
    assert attention["Delta Corp"].health == Health.AT_RISK
    assert attention["Delta Corp"].findings[0].reason == "Deliverable 'SSO integration' blocked 5 days"
    assert attention["Delta Corp"].owner.name == "Ryan Ortiz"
    assert attention["Delta Corp"].action_note == "Escalation meeting scheduled"
    assert attention["Beta Corp"].findings[0].rule == "engagement_declining"
    assert attention["Beta Corp"].action_note == "Customer Org notified"
    assert attention["Gamma LLC"].findings[0].rule == "timeline_pressure"
    assert attention["Gamma LLC"].action_note == "Resource reallocation in progress"
    assert_week_activity(engine, now, tz)
    assert_completions_in_history_weeks(engine, now, tz)


def assert_completions_in_history_weeks(engine, now, tz):
    """Every done deliverable was completed in the forecast's history weeks and by a week ago: none this
    week, and the weekly digest, comparing with a week ago, finds them all done then."""
    first = week_of(current_week(now, tz).first_day - timedelta(weeks=HISTORY_WEEKS), tz).start
    with Session(engine) as session:
        completed = session.scalars(select(Deliverable.completed_at).where(Deliverable.status.in_(DONE_STATUSES))).all()
        accepted = session.execute(select(Deliverable.completed_at, Deliverable.accepted_at)
                                   .where(Deliverable.status == DeliverableStatus.ACCEPTED)).all()
    assert len(completed) == 76 and all(c is not None and first <= c <= now - timedelta(days=7) for c in completed)
    assert accepted and all(done < accepted_at < now for done, accepted_at in accepted)


def assert_week_activity(engine, now, tz):
    """Tickets and appointments this week, counted straight from the rows."""
    week = current_week(now, tz)
    with Session(engine) as session:
        opened = session.scalar(select(func.count()).where(Ticket.opened_at >= week.start, Ticket.opened_at < week.end))
        resolved = session.scalars(
            select(Ticket).where(Ticket.resolved_at >= week.start, Ticket.resolved_at < week.end)
        ).all()
        future = session.scalar(select(func.count()).where((Ticket.opened_at > now) | (Ticket.resolved_at > now)))
        appointments = session.execute(
            select(Appointment.kind, func.count(), func.sum(Appointment.duration_minutes))
            .where(Appointment.starts_at >= week.start, Appointment.starts_at < week.end)
            .group_by(Appointment.kind)
        ).all()
    assert opened == 12
    assert len(resolved) == 15
    hours = sum((t.resolved_at - t.opened_at).total_seconds() for t in resolved) / 3600 / len(resolved)
    assert hours == pytest.approx(6.0)
    assert future == 0, "nothing in the past may be dated after now"
    by_kind = {kind: (count, minutes) for kind, count, minutes in appointments}
    assert by_kind[AppointmentKind.CUSTOMER_SESSION][0] == 23
    assert by_kind[AppointmentKind.INTERNAL][0] == 8
    assert sum(minutes for _, minutes in by_kind.values()) == 47 * 60


def test_precision_components_has_12_of_15_complete(demo_engine):
    with Session(demo_engine) as session:
        rows = session.execute(
            select(Deliverable.status, func.count())
            .join(Service).join(Customer)
            .where(Customer.name == "Precision Components")
            .group_by(Deliverable.status)
        ).all()
    counts = {status.value: n for status, n in rows}
    assert counts.get("complete", 0) + counts.get("accepted", 0) == 12
    assert counts["in_progress"] == 3
    assert counts.get("blocked", 0) == 0


def test_people_have_their_slack_ids_and_active_service_counts(demo_engine):
    with Session(demo_engine) as session:
        people = {p.slack_user_id: p for p in session.scalars(select(Person))}
        active = session.scalars(select(Service).where(Service.status == "active")).all()
        load = {uid: 0 for uid in people}
        for service in active:
            for person in {service.owner, *service.members}:
                load[person.slack_user_id] += 1
    assert people["U0DANA"].role.value == "ops"
    assert (load["U0RYAN"], load["U0BILL"], load["U0CHRIS"]) == (4, 2, 3)


def test_loading_again_refreshes_without_duplicating(engine):
    load_demo_at(engine, WEDNESDAY)
    with Session(engine) as session:
        before = {m.__name__: session.scalar(select(func.count()).select_from(m))
                  for m in (Service, Deliverable, Ticket)}
    later = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)
    load_demo_at(engine, later)
    with Session(engine) as session:
        after = {m.__name__: session.scalar(select(func.count()).select_from(m))
                 for m in (Service, Deliverable, Ticket)}
    assert after == before
    assert status(engine, later, UTC).health_counts[Health.AT_RISK] == 1


def test_refuses_a_database_with_other_data_unless_forced(engine):
    with Session(engine) as session, session.begin():
        session.add(Customer(team_id=TEAM, key="acme-1", name="Real Customer"))
    with pytest.raises(DemoRefused, match="--force"):
        load_demo_at(engine, WEDNESDAY)
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Service)) == 0, "a refused load writes nothing"
    load_demo_at(engine, WEDNESDAY, force=True)
    with Session(engine) as session:
        names = set(session.scalars(select(Customer.name)))
    assert "Real Customer" not in names and "Delta Corp" in names


def test_forced_load_leaves_other_workspaces_alone(engine):
    with Session(engine) as session, session.begin():
        session.add(Customer(team_id="T0OTHER", key="other-1", name="Other Workspace Customer"))
    load_demo_at(engine, WEDNESDAY, force=True)
    with Session(engine) as session:
        assert session.scalar(select(Customer.name).where(Customer.team_id == "T0OTHER")) == "Other Workspace Customer"


def test_every_demo_row_carries_the_workspace_team_id(demo_engine):
    with Session(demo_engine) as session:
        for model in (Customer, Person, Service, Deliverable, Appointment, Ticket):
            teams = set(session.scalars(select(model.team_id).distinct()))
            assert teams == {TEAM}, model.__name__
