"""Scheduled digests go out exactly once, at the right local time, and survive Slack saying no."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from served_app import app_environment
from sqlalchemy import update
from sqlalchemy.orm import Session
from support import load_demo_at

from bot.app import single_workspace
from bot.settings import load_settings
from digests.runner import run_due
from handlers.commands.delivery import reply_for
from store.clock import FixedClock
from store.ledger import deliveries
from store.models import Person

NEW_YORK = ZoneInfo("America/New_York")
# Monday 23 November 2026, 08:31 in New York (13:31 UTC): the at-risk digest (08:30) is due.
MONDAY_0831 = datetime(2026, 11, 23, 8, 31, tzinfo=NEW_YORK)


def workspace_at(engine, at: datetime):
    settings = load_settings(delivery_timezone="America/New_York")
    return single_workspace(settings, engine, FixedClock(at.astimezone(timezone.utc)))


@pytest.fixture
def demo(engine):
    load_demo_at(engine, MONDAY_0831.astimezone(timezone.utc) - timedelta(minutes=1), NEW_YORK)
    return engine


def client_for(fake):
    from bot.app import web_client

    return web_client(load_settings(slack_api_url=fake.api_url), "xoxb-test")


def posts_to(fake, channel: str) -> list:
    return [c for c in fake.calls_to("chat.postMessage") if c.params.get("channel") == channel]


def ledger(engine, at) -> dict[str, str]:
    return {f"{key}@{period}": status for key, period, status, _ in workspace_at(engine, at).read(deliveries)}


def test_the_at_risk_digest_goes_to_c0ops_once_naming_delta_corp(demo, fake_slack):
    report = run_due(client_for(fake_slack), workspace_at(demo, MONDAY_0831), at=MONDAY_0831)
    (post,) = posts_to(fake_slack, "C0OPS")
    assert "Delta Corp" in json.dumps(post.params["blocks"]) and post.params["text"]
    assert any(label.startswith("at-risk -> C0OPS") for label in report.sent)
    # The overdue-tickets digest (09:00) is not due yet; last Friday's run is far beyond the grace period.
    assert any(label.startswith("overdue-tickets -> C0OPS") for label in report.missed)
    again = run_due(client_for(fake_slack), workspace_at(demo, MONDAY_0831), at=MONDAY_0831)
    assert again.sent == [] and len(posts_to(fake_slack, "C0OPS")) == 1


def test_a_run_missed_while_down_is_sent_late_within_the_grace_period_and_skipped_after(demo, fake_slack):
    late = MONDAY_0831 + timedelta(hours=1, minutes=29)
    report = run_due(client_for(fake_slack), workspace_at(demo, late), at=late, grace=timedelta(hours=2))
    assert any(label.startswith("at-risk -> C0OPS") for label in report.sent)
    fake_slack.reset()
    tuesday_too_late = MONDAY_0831 + timedelta(days=1, hours=2, minutes=30)
    report = run_due(client_for(fake_slack), workspace_at(demo, tuesday_too_late), at=tuesday_too_late,
                     grace=timedelta(hours=2))
    assert posts_to(fake_slack, "C0OPS") == []
    assert any(label.startswith("at-risk -> C0OPS (2026-11-24)") for label in report.missed)
    rows = ledger(demo, tuesday_too_late)
    assert rows[next(k for k in rows if k.endswith("@2026-11-24") and k.startswith("sub:"))] == "missed"


def test_a_429_is_retried_after_retry_after_and_then_succeeds(demo, fake_slack):
    fake_slack.rate_limit_next("chat.postMessage", retry_after=0)
    report = run_due(client_for(fake_slack), workspace_at(demo, MONDAY_0831), at=MONDAY_0831)
    assert any(label.startswith("at-risk -> C0OPS") for label in report.sent)
    assert not report.failed


def test_channel_not_found_is_recorded_others_still_get_theirs_and_ops_are_told_once(demo, fake_slack):
    workspace = workspace_at(demo, MONDAY_0831 - timedelta(hours=1))
    made = reply_for(workspace, "subscribe at-risk", "U0DANA", channel_id="C0GONE")
    assert "C0GONE" in made.text
    fake_slack.fail_next("chat.postMessage", "channel_not_found", channel="C0GONE", times=5)
    report = run_due(client_for(fake_slack), workspace_at(demo, MONDAY_0831), at=MONDAY_0831)
    assert [(label.split(" (")[0], error) for label, error in report.failed] == [
        ("at-risk -> C0GONE", "channel_not_found")]
    assert len(posts_to(fake_slack, "C0OPS")) == 1, "one channel's failure never stops the others"
    told = [c for c in fake_slack.calls_to("chat.postMessage") if "could not be posted" in c.params.get("text", "")]
    assert [c.params["channel"] for c in told] == ["U0DANA"]
    tuesday = MONDAY_0831 + timedelta(days=1)
    report = run_due(client_for(fake_slack), workspace_at(demo, tuesday), at=tuesday)
    assert [error for _, error in report.failed] == ["channel_not_found"], "tried again the next day"
    told = [c for c in fake_slack.calls_to("chat.postMessage") if "could not be posted" in c.params.get("text", "")]
    assert len(told) == 1, "ops are told once, not every day"


def test_personal_digests_go_out_at_0830_in_each_persons_own_time_zone(demo, fake_slack):
    with Session(demo) as session, session.begin():
        session.execute(update(Person).where(Person.slack_user_id == "U0RYAN").values(slack_tz="Asia/Kolkata"))
        session.execute(update(Person).where(Person.slack_user_id == "U0CHRIS").values(slack_tz="America/Los_Angeles"))
    kolkata_0831 = datetime(2026, 11, 24, 8, 31, tzinfo=ZoneInfo("Asia/Kolkata"))
    run_due(client_for(fake_slack), workspace_at(demo, kolkata_0831), at=kolkata_0831)
    assert posts_to(fake_slack, "U0RYAN") and not posts_to(fake_slack, "U0CHRIS")
    fake_slack.reset()
    los_angeles_0831 = datetime(2026, 11, 24, 8, 31, tzinfo=ZoneInfo("America/Los_Angeles"))
    run_due(client_for(fake_slack), workspace_at(demo, los_angeles_0831), at=los_angeles_0831)
    assert posts_to(fake_slack, "U0CHRIS") and not posts_to(fake_slack, "U0RYAN"), "Ryan had his today"


def test_turning_the_personal_digest_off_stops_it(demo, fake_slack):
    reply_for(workspace_at(demo, MONDAY_0831), "digest off", "U0RYAN")
    run_due(client_for(fake_slack), workspace_at(demo, MONDAY_0831), at=MONDAY_0831)
    assert posts_to(fake_slack, "U0RYAN") == []


def test_two_run_due_processes_started_together_post_each_digest_once(database_url, engine, fake_slack, tmp_path):
    load_demo_at(engine, MONDAY_0831.astimezone(timezone.utc) - timedelta(minutes=1), NEW_YORK)
    env = app_environment(database_url, fake_slack.api_url, DELIVERY_TIMEZONE="America/New_York")
    command = [sys.executable, "-m", "bot.cli", "digest", "run-due", "--at", MONDAY_0831.isoformat()]
    runs = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    assert len(posts_to(fake_slack, "C0OPS")) == 1
    # The same run warns of the demo's tickets past 50% and 75% of their SLA: each once, by one process.
    warned = [c.params["text"] for c in fake_slack.calls_to("chat.postMessage") if "of SLA gone" in c.params["text"]]
    assert warned and len(warned) == len(set(warned)), warned
    third = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert third.returncode == 0 and third.stdout.startswith("0 sent")
    assert len(posts_to(fake_slack, "C0OPS")) == 1


def test_the_monday_after_new_york_changes_clocks_the_digest_still_goes_at_0830_local(engine, fake_slack):
    monday = datetime(2026, 11, 2, 8, 31, tzinfo=NEW_YORK)  # clocks went back on Sunday 1 November
    load_demo_at(engine, monday.astimezone(timezone.utc) - timedelta(minutes=1), NEW_YORK)
    early = datetime(2026, 11, 2, 7, 31, tzinfo=NEW_YORK)  # 08:31 by last week's UTC offset
    assert run_due(client_for(fake_slack), workspace_at(engine, early), at=early).sent == [] or \
        not posts_to(fake_slack, "C0OPS")
    run_due(client_for(fake_slack), workspace_at(engine, monday), at=monday)
    assert len(posts_to(fake_slack, "C0OPS")) == 1
