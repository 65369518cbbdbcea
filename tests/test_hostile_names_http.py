"""Hostile names reach Slack escaped end to end (issue 16): `delivery-bot serve` and `digest run-due` over the
hostile demo of test_hostile_names.py against the fake Slack, on each database, and ops' note of a digest that
could not be posted to a channel with a malformed id."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest
from conftest import DATABASE_KINDS, temporary_database
from served_app import app_environment, served
from served_demo import DemoApp, command, post, share_in_channel
from slack_signing import interactive_body, load_payload
from test_hostile_names import ESCAPED, HOSTILE_CHANNEL, assert_clean, hostile_engine, load_hostile_demo

from bot.app import single_workspace, web_client
from bot.settings import load_settings
from digests.runner import run_due
from handlers.commands.delivery import reply_for
from messages.blocks.common import escape
from messages.ids import ActionId
from store.clock import FixedClock
from store.db import make_engine
from store.schema import upgrade

__all__ = ["hostile_engine"]  # the fixture, used here by name


def test_ops_are_told_of_a_failed_digest_with_the_channel_escaped(hostile_engine, fake_slack):
    thursday = datetime(2026, 11, 19, 8, 31, tzinfo=timezone.utc)
    before = single_workspace(load_settings(), hostile_engine, FixedClock(thursday - timedelta(hours=1)))
    reply_for(before, "subscribe at-risk", "U0DANA", channel_id=HOSTILE_CHANNEL)
    fake_slack.fail_next("chat.postMessage", "channel_not_found", channel=HOSTILE_CHANNEL, times=5)
    client = web_client(load_settings(slack_api_url=fake_slack.api_url), "xoxb-test")
    workspace = single_workspace(load_settings(), hostile_engine, FixedClock(thursday))
    report = run_due(client, workspace, at=thursday)
    assert any(label.startswith("at-risk -> C0OPS") for label in report.sent), report
    posts = fake_slack.calls_to("chat.postMessage")
    for call in posts:
        assert_clean({"text": call.params.get("text"), "blocks": call.params.get("blocks")},
                     f"chat.postMessage to {call.params.get('channel')}")
    # The same run posts the SLA warnings due then (the hostile tickets' too): all of them escaped, below.
    (digest,) = [c for c in posts if c.params["channel"] == "C0OPS"
                 and not c.params["text"].startswith(("SLA breached", "And "))]
    assert ESCAPED in digest.params["text"] or "&lt;!channel&gt;" in digest.params["text"]
    told = [c for c in posts if "could not be posted" in (c.params.get("text") or "")]
    assert told and all(f"`{escape(HOSTILE_CHANNEL)}`" in c.params["text"] for c in told
                        if "at-risk" in c.params["text"])



# -- end to end: `delivery-bot serve` and `digest run-due` against the fake Slack -------------------


@pytest.fixture(scope="module", params=DATABASE_KINDS)
def hostile_app(request, slack, tmp_path_factory):
    """`delivery-bot serve` over the hostile demo (loaded now), on each database."""
    with temporary_database(request.param, tmp_path_factory.mktemp(request.param)) as url:
        engine = make_engine(url)
        upgrade(engine)
        load_hostile_demo(engine, datetime.now(timezone.utc))
        try:
            with served(url, slack.api_url, DELIVERY_CUSTOMER_ORG_CHANNEL="C0CUSTORG") as base:
                yield DemoApp(base, engine), url
        finally:
            engine.dispose()


@pytest.fixture
def e2e(hostile_app, slack):
    slack.reset()
    return hostile_app[0]


def test_a_shared_card_reaches_the_channel_escaped(e2e, slack):
    reply = command(e2e, "status Delta", "U0RYAN")
    assert ESCAPED in assert_clean(reply, "the ephemeral card") and ESCAPED in reply["text"]
    shared = share_in_channel(e2e, slack, reply, "U0RYAN")
    assert shared.params["channel"] == "C0OPS"
    everything = assert_clean({"text": shared.params["text"], "blocks": shared.params["blocks"]}, "the shared card")
    assert shared.params["text"].startswith("Delta Corp " + ESCAPED[:40]), shared.params["text"]
    assert "Shared by <@U0RYAN>" in everything


def test_typed_text_comes_back_escaped_over_http(e2e):
    typed = "zap <!channel> & <https://evil.example|Portal> <!subteam^SEVIL>"
    reply = command(e2e, typed, "U0RYAN")
    assert_clean(reply, "usage")
    assert reply["text"] == f"I don't know '/delivery {escape(typed)}'. Try /delivery status."
    for text in ("status corp", "status nothing <!here> & <@UEVIL1>", "at-risk", "mine", "history Delta"):
        assert_clean(command(e2e, text, "U0RYAN"), text)


def test_the_update_health_modal_opened_over_http_is_escaped(e2e, slack):
    card = command(e2e, "status Delta", "U0RYAN")
    (button, block_id), = [(e, b["block_id"]) for b in card["blocks"] if b["type"] == "actions"
                           for e in b["elements"] if e["action_id"] == ActionId.UPDATE_HEALTH.value]
    payload = copy.deepcopy(load_payload("block_actions_button.json"))
    payload.pop("message")
    payload["container"]["is_ephemeral"] = True
    payload["user"] = {"id": "U0RYAN", "username": "u0ryan", "name": "u0ryan", "team_id": "T0ACME"}
    payload["response_url"] = slack.response_url("health")
    payload["actions"] = [{"type": "button", "action_id": button["action_id"], "block_id": block_id,
                           "text": button["text"], "value": button["value"], "action_ts": "1732262460.123456"}]
    assert post(e2e, interactive_body(payload)).status_code == 200
    (opened,) = slack.wait_for("views.open")
    view = opened.params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert ESCAPED in assert_clean(view, "the Update health modal")


def last_weekday_0831(now: datetime) -> datetime:
    """The latest weekday 08:31 UTC at or before `now`: the demo's at-risk digest (weekdays 08:30) is due."""
    day = now.date()
    while True:
        moment = datetime(day.year, day.month, day.day, 8, 31, tzinfo=timezone.utc)
        if moment <= now and day.weekday() < 5:
            return moment
        day -= timedelta(days=1)


def test_a_digest_posted_by_run_due_is_escaped(hostile_app, slack):
    slack.reset()
    _app, url = hostile_app
    at = last_weekday_0831(datetime.now(timezone.utc))
    finished = subprocess.run([sys.executable, "-m", "bot.cli", "digest", "run-due", "--at", at.isoformat()],
                              env=app_environment(url, slack.api_url), capture_output=True, text=True, timeout=120)
    assert finished.returncode == 0, finished.stderr
    posts = slack.calls_to("chat.postMessage")
    # The same run posts the SLA warnings due then (the hostile tickets' too): all of them escaped, below.
    (digest,) = [c for c in posts if c.params["channel"] == "C0OPS"
                 and not c.params["text"].startswith(("SLA breached", "And "))]
    assert "&lt;!channel&gt;" in digest.params["text"], digest.params["text"]
    for call in posts:
        assert_clean({"text": call.params.get("text"), "blocks": call.params.get("blocks")},
                     f"chat.postMessage to {call.params.get('channel')}")
