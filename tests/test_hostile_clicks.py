"""Signed requests whose values the bot did not write, and clicks while the database is away: each
is acknowledged with 200 within Slack's 3 seconds, the person gets one clear sentence, and nothing
is changed. Over real HTTP against `delivery-bot serve`, with payloads shaped as Slack sends them."""

from __future__ import annotations

import copy
import json
import time
from datetime import datetime, timezone

import pytest
from conftest import DATABASE_KINDS, temporary_database
from served_app import served
from served_demo import DemoApp, command, overflow_click, post, row_menu, served_demo
from slack_signing import interactive_body, load_payload, slash_command_body
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from support import load_demo_at
from tcp_proxy import TcpProxy
from test_changes_http import deliverable, option, submission

from handlers.errors import UNREACHABLE_TEXT, UnreadableInput
from store.db import make_engine
from store.models import StatusChange
from store.schema import upgrade

SLACK_ACK_SECONDS = 3
ROW = "ERP Go-Live deliverable 14"  # In progress on Precision Components' card


@pytest.fixture(scope="module", params=DATABASE_KINDS)
def app(request, slack, tmp_path_factory):
    with served_demo(request.param, slack, tmp_path_factory.mktemp(request.param)) as demo:
        yield demo


@pytest.fixture(autouse=True)
def fresh_slack(clean_slack):
    """Every test here starts with no recorded calls."""


def all_changes(app: DemoApp) -> int:
    with Session(app.engine) as session:
        return session.scalar(select(func.count()).select_from(StatusChange))


def timed_post(app: DemoApp, body: bytes):
    started = time.monotonic()
    response = post(app, body)
    took = time.monotonic() - started
    assert response.status_code == 200, response.text
    assert took < SLACK_ACK_SECONDS, f"acknowledged after {took:.1f} s"
    return response


def tampered(chosen: dict, **changes) -> dict:
    value = json.loads(chosen["value"])
    value.update(changes)
    return {**chosen, "value": json.dumps(value)}


def button_click(slack, action_id: str, value: str, name: str) -> bytes:
    payload = copy.deepcopy(load_payload("block_actions_button.json"))
    payload.pop("message")
    payload["container"]["is_ephemeral"] = True
    payload["response_url"] = slack.response_url(name)
    payload["actions"] = [{"type": "button", "action_id": action_id, "block_id": "b",
                           "text": {"type": "plain_text", "text": "x"}, "value": value, "action_ts": "1.2"}]
    return interactive_body(payload)


@pytest.mark.parametrize("changes", [
    {"d": 2**63}, {"d": 2**64 + 7}, {"d": -1}, {"d": "seven"}, {"d": [1]}, {"m": 5}, {"m": "fly"},
    {"v": 2**63}, {"w": "card"}, {"w": {"k": "card", "s": 2**70}},
], ids=lambda c: "-".join(f"{k}={str(v)[:12]}" for k, v in c.items()))
def test_a_menu_option_the_bot_did_not_write_is_answered_and_changes_nothing(app, slack, changes):
    menu, block_id = row_menu(command(app, "status Precision", "U0RYAN"), ROW)
    before = all_changes(app)
    chosen = tampered(option(menu, "Complete"), **changes)
    timed_post(app, overflow_click(menu, block_id, chosen, user="U0RYAN", response_url=slack.response_url("t")))
    (told,) = slack.wait_for("response_url")
    assert told.params["text"] == UnreadableInput("menu option").sentence
    assert all_changes(app) == before


@pytest.mark.parametrize("action_id,value", [
    ("share_reply", "not json"), ("share_reply", '{"text": 5}'), ("share_reply", "[]"),
    ("open_service:1", '{"service_id": 18446744073709551616}'), ("open_service:1", "{}"),
    ("update_health", '{"s": 9223372036854775808, "v": 1, "w": {"k": "card"}}'),
    ("flag_service", '{"s": "x", "v": 1, "w": {"k": "card"}}'),
], ids=["share-not-json", "share-wrong-type", "share-list", "open-huge-id", "open-empty",
        "health-huge-id", "flag-wrong-type"])
def test_a_button_value_the_bot_did_not_write_is_answered_and_changes_nothing(app, slack, action_id, value):
    before = all_changes(app)
    timed_post(app, button_click(slack, action_id, value, "button"))
    (told,) = slack.wait_for("response_url")
    assert told.params["text"] == UnreadableInput("button").sentence
    assert told.params["response_type"] == "ephemeral"
    assert slack.calls_to("chat.postMessage") == [] and slack.calls_to("views.open") == []
    assert all_changes(app) == before


@pytest.mark.parametrize("metadata", [
    "{{{", "", "null", '{"move": {"m": "block", "d": 18446744073709551616, "v": 1, "w": {"k": "card"}}, "origin": {}}',
], ids=["not-json", "empty", "null", "huge-id"])
def test_a_modal_whose_metadata_is_unreadable_keeps_the_form_open_with_a_sentence(app, slack, metadata):
    menu, block_id = row_menu(command(app, "status Precision", "U0RYAN"), ROW)
    post(app, overflow_click(menu, block_id, option(menu, "Block"), user="U0RYAN",
                             response_url=slack.response_url("block")))
    (opened,) = slack.wait_for("views.open")
    view = json.loads(opened.params["view"]) if isinstance(opened.params["view"], str) else opened.params["view"]
    view = {**view, "private_metadata": metadata}
    before = all_changes(app)
    answer = timed_post(app, submission(view, user="U0RYAN", reason="Waiting on IdP", until=None)).json()
    assert answer == {"response_action": "errors", "errors": {"block_category": UnreadableInput("form").sentence}}
    assert all_changes(app) == before


def test_a_signed_payload_bolt_cannot_route_is_acknowledged_not_500(app, slack):
    payload = copy.deepcopy(load_payload("view_submission.json"))
    del payload["view"]["type"]
    assert post(app, interactive_body(payload)).status_code == 200


# The database goes away while the server runs: PostgreSQL behind a proxy that the test cuts.

@pytest.fixture(scope="module")
def outage(slack, tmp_path_factory):
    with temporary_database("postgresql", tmp_path_factory.mktemp("outage")) as url:
        engine = make_engine(url)
        upgrade(engine)
        load_demo_at(engine, datetime.now(timezone.utc))
        parsed = make_url(url)
        with TcpProxy((parsed.host, parsed.port or 5432)) as proxy:
            proxied = parsed.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
            try:
                with served(proxied, slack.api_url) as base:
                    yield DemoApp(base, engine), proxy
            finally:
                engine.dispose()


def test_with_the_database_unreachable_every_click_is_acknowledged_and_told_and_nothing_is_half_written(
        outage, slack):
    app, proxy = outage
    card = command(app, "status Precision", "U0RYAN")
    menu, block_id = row_menu(card, ROW)
    post(app, overflow_click(menu, block_id, option(menu, "Block"), user="U0RYAN",
                             response_url=slack.response_url("opened")))
    (opened,) = slack.wait_for("views.open")
    view = json.loads(opened.params["view"]) if isinstance(opened.params["view"], str) else opened.params["view"]
    before, status_before = all_changes(app), deliverable(app, ROW).status
    slack.reset()

    proxy.cut()
    try:
        # Block reads the deliverable's name after the ack, to open its modal.
        timed_post(app, overflow_click(menu, block_id, option(menu, "Block"), user="U0RYAN",
                                       response_url=slack.response_url("block")))
        # Complete is applied after the ack, in the after-ack pool.
        timed_post(app, overflow_click(menu, block_id, option(menu, "Complete"), user="U0RYAN",
                                       response_url=slack.response_url("complete")))
        told = {call.name: call.params["text"] for call in slack.wait_for("response_url", count=2, timeout=15)}
        assert told == {"block": UNREACHABLE_TEXT, "complete": UNREACHABLE_TEXT}
        assert slack.calls_to("views.open") == []

        # A modal's submission is acknowledged (the modal closes) and the person told by DM.
        timed_post(app, submission(view, user="U0RYAN", reason="Waiting on IdP", until=None))
        (dm,) = slack.wait_for("chat.postMessage", timeout=15)
        assert dm.params["channel"] == "U0RYAN" and dm.params["text"] == UNREACHABLE_TEXT

        # A command is answered in its acknowledgement.
        answer = timed_post(app, slash_command_body("status Precision", user_id="U0RYAN")).json()
        assert answer["response_type"] == "ephemeral" and answer["text"] == UNREACHABLE_TEXT
    finally:
        proxy.restore()

    assert all_changes(app) == before and deliverable(app, ROW).status == status_before
    assert command(app, "status", "U0RYAN")["text"].startswith("15 active services.")
