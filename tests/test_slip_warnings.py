"""The lead's warning of a milestone forecast to slip (digests/slip_warnings.py, store/slip_warnings.py),
as the fake Slack receives it: posted once, drawn again in place as the forecast moves, held for quiet
hours, and the "forecast to slip" health finding it goes with."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import pytest
from slack_sdk import WebClient
from sqlalchemy import select, update
from support import TEAM, WEDNESDAY

from bot.app import single_workspace
from bot.settings import load_settings
from digests.ops_report import tell_ops
from digests.slip_warnings import run_slip_warnings
from store.clock import FixedClock
from store.enums import DeliverableStatus, DeliveryStatus, Health
from store.health import health_of
from store.models import Customer, Deliverable, Milestone, Person, Service
from store.slip_warnings import slip_warnings_of

MILESTONE = "Go-Live Readiness"
DUE = date(2026, 11, 29)  # the Sunday of next week: WEDNESDAY's week is week 1, this is week 2
OPEN = 6


def _history_week_day(weeks_ago: int) -> datetime:
    """A Wednesday `weeks_ago` whole weeks before WEDNESDAY's week."""
    return WEDNESDAY - timedelta(weeks=weeks_ago)


@pytest.fixture
def workspace(demo_engine):
    """Quiet hours off (a test turns them on); every demo milestone done, so only this one is followed."""
    return single_workspace(load_settings(delivery_quiet_hours=""), demo_engine, FixedClock(WEDNESDAY))


@pytest.fixture
def milestone(workspace) -> int:
    """Ryan's new service: one deliverable completed in each of the last 8 weeks, and a milestone due
    next week with six open: at one a week it is done in six weeks, 28 days late at 85%."""
    with workspace.sessions.begin() as session:
        session.execute(update(Milestone).where(Milestone.done_on.is_(None)).values(done_on=WEDNESDAY.date()))
        ryan = session.scalars(select(Person).where(Person.slack_user_id == "U0RYAN")).one()
        ryan.slack_tz = "UTC"
        customer = session.scalars(select(Customer).order_by(Customer.id)).first()
        service = Service(team_id=TEAM, key="slip-test", customer_id=customer.id, name="Payroll Cutover",
                          owner_id=ryan.id, created_at=WEDNESDAY - timedelta(weeks=12))
        session.add(service)
        session.flush()
        row = Milestone(team_id=TEAM, key="slip-test", service_id=service.id, name=MILESTONE, due_on=DUE)
        session.add(row)
        session.flush()
        for week in range(1, 9):
            session.add(Deliverable(team_id=TEAM, key=f"done-{week}", service_id=service.id, name=f"Done {week}",
                                    status=DeliverableStatus.COMPLETE, completed_at=_history_week_day(week)))
        for number in range(OPEN):
            session.add(Deliverable(team_id=TEAM, key=f"open-{number}", service_id=service.id, milestone_id=row.id,
                                    name=f"Open {number}", status=DeliverableStatus.IN_PROGRESS))
        return row.id


def at(workspace, moment: datetime):
    return replace(workspace, clock=FixedClock(moment))


def tick(slack, workspace, moment: datetime = WEDNESDAY):
    slack.reset()
    report = run_slip_warnings(WebClient(token="xoxb-test", base_url=slack.api_url), at(workspace, moment))
    return report, slack.calls_to("chat.postMessage"), slack.calls_to("chat.update")


def text_of(call) -> str:
    blocks = call.params["blocks"]
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    return "\n".join(block["text"]["text"] for block in blocks if block["type"] == "section")


def ledger(workspace) -> list[tuple[int, str, str]]:
    return workspace.read(slip_warnings_of)


def complete(workspace, count: int, moment: datetime = WEDNESDAY) -> None:
    with workspace.sessions.begin() as session:
        ids = session.scalars(select(Deliverable.id).where(Deliverable.key.like("open-%"),
                                                           Deliverable.status == DeliverableStatus.IN_PROGRESS)
                              .order_by(Deliverable.id).limit(count)).all()
        session.execute(update(Deliverable).where(Deliverable.id.in_(ids))
                        .values(status=DeliverableStatus.COMPLETE, completed_at=moment))


def test_the_lead_is_told_once_and_the_message_follows_the_forecast(slack, workspace, milestone):
    report, posts, updates = tick(slack, workspace)
    assert [call.params["channel"] for call in posts] == ["U0RYAN"] and updates == []
    assert posts[0].params["text"].startswith(f"Forecast to slip: {MILESTONE} (")
    shown = text_of(posts[0])
    assert "*Forecast to slip*" in shown and "|Sun 27 Dec>" in shown and "28 days late at 85%" in shown
    assert "|Sun 29 Nov>" in shown and "6 open, 1 a week" in shown
    assert report.sent == [milestone]
    assert ledger(workspace) == [(milestone, DeliveryStatus.SENT.value, "slips 2026-12-27 2026-12-27")]

    _, posts, updates = tick(slack, workspace, WEDNESDAY + timedelta(minutes=1))
    assert posts == [] and updates == [], "nothing moved: nothing is posted or drawn again"

    complete(workspace, 5)  # one left, five done this week: back on schedule
    report, posts, updates = tick(slack, workspace, WEDNESDAY + timedelta(minutes=2))
    assert posts == [] and len(updates) == 1 and report.updated == 1
    assert updates[0].params["ts"] and "*Back on schedule*" in text_of(updates[0])
    assert ledger(workspace)[0][2] == "on-time"

    with workspace.sessions.begin() as session:
        session.execute(update(Milestone).where(Milestone.id == milestone).values(done_on=date(2026, 11, 19)))
    _, posts, updates = tick(slack, workspace, WEDNESDAY + timedelta(days=1))
    assert posts == [] and len(updates) == 1 and "*Done* on" in text_of(updates[0])
    _, posts, updates = tick(slack, workspace, WEDNESDAY + timedelta(days=1, minutes=1))
    assert posts == [] and updates == []


def test_the_service_needs_attention_with_the_forecast_in_words(workspace, milestone):
    with workspace.sessions() as session:
        service_id = session.get(Milestone, milestone).service_id
    [view] = workspace.read(health_of, service_ids=[service_id])
    slip = [finding for finding in view.findings if finding.rule == "forecast_to_slip"]
    assert view.health == Health.NEEDS_ATTENTION
    assert [finding.reason for finding in slip] == [
        f"Forecast to slip: '{MILESTONE}' due Sun 29 Nov, likely done Sun 27 Dec (85%: Sun 27 Dec)"]


def test_a_lead_in_quiet_hours_is_told_when_they_end(slack, demo_engine, milestone):
    quiet = single_workspace(load_settings(delivery_quiet_hours="20:00-08:00"), demo_engine, FixedClock(WEDNESDAY))
    evening = datetime(2026, 11, 18, 22, 0, tzinfo=timezone.utc)
    report, posts, _ = tick(slack, quiet, evening)
    assert posts == [] and report.waiting == 1 and ledger(quiet) == []
    report, posts, _ = tick(slack, quiet, evening + timedelta(hours=11))
    assert [call.params["channel"] for call in posts] == ["U0RYAN"] and report.waiting == 0


def test_a_failed_post_is_recorded_and_never_tried_again(slack, workspace, milestone):
    slack.reset()
    slack.fail_next("chat.postMessage", "channel_not_found")
    report = run_slip_warnings(WebClient(token="xoxb-test", base_url=slack.api_url), workspace)
    assert report.failed == [(milestone, "channel_not_found")]
    assert ledger(workspace)[0][:2] == (milestone, DeliveryStatus.FAILED.value)
    _, posts, updates = tick(slack, workspace, WEDNESDAY + timedelta(minutes=1))
    assert posts == [] and updates == []

    slack.reset()
    client = WebClient(token="xoxb-test", base_url=slack.api_url)
    assert tell_ops(client, workspace, "C0ADMIN") == 1
    [summary] = slack.calls_to("chat.postMessage")
    assert summary.params["channel"] == "C0ADMIN"
    assert "Slip warnings this run: 1 could not be posted." in summary.params["text"]
    assert f"*{MILESTONE}*" in summary.params["text"] and "`channel_not_found`" in summary.params["text"]
    assert tell_ops(client, workspace, "C0ADMIN") == 0, "told once"


def test_a_service_without_a_lead_in_slack_is_recorded_with_nobody_to_tell(slack, workspace, milestone):
    with workspace.sessions.begin() as session:
        service_id = session.get(Milestone, milestone).service_id
        session.execute(update(Service).where(Service.id == service_id).values(owner_id=None))
    report, posts, _ = tick(slack, workspace)
    assert posts == [] and report.sent == []
    assert ledger(workspace)[0][:2] == (milestone, DeliveryStatus.EMPTY.value)
