"""Every listener runs inside `handlers.errors.guarded`: whatever it raises, before or after its
acknowledgement, Slack gets the acknowledgement within its 3 seconds and the person one sentence.

Bolt's thread runner sets an acknowledgement back to None when a listener raises after acking,
so a click whose work failed used to be answered 404 after 3 s. These tests run a real Bolt app
in-process (its thread runner and listener executor) against the fake Slack."""

from __future__ import annotations

import json
import logging
from urllib.parse import urlencode

import pytest
from pydantic import BaseModel
from slack_bolt import App
from slack_bolt.request import BoltRequest
from slack_sdk import WebClient
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError
from support import postgres_url

from handlers.errors import (
    UNREACHABLE_TEXT,
    UnreadableInput,
    failure_text,
    friendly_text,
    guarded,
    read_value,
)
from messages.ids import DeliverableMoveValue, ServiceActionValue
from store.db import make_engine, store_unreachable

ACK_SECONDS = 3


def unreachable_error() -> OperationalError:
    engine = create_engine("sqlite:////nonexistent-folder/x.db")
    with pytest.raises(OperationalError) as caught:
        engine.connect()
    return caught.value


@pytest.fixture
def app(slack):
    slack.reset()
    return App(signing_secret="secret", token_verification_enabled=False, request_verification_enabled=False,
               client=WebClient(token="xoxb-test", base_url=slack.api_url), name="guard-test")


def click(slack, action_id: str = "boom", value: str = "{}") -> BoltRequest:
    payload = {"type": "block_actions", "user": {"id": "U0RYAN"}, "team": {"id": "T0ACME"},
               "api_app_id": "A0", "token": "t", "trigger_id": "1.2.3",
               "container": {"type": "message", "channel_id": "C0OPS", "is_ephemeral": True},
               "response_url": slack.response_url("click"),
               "actions": [{"type": "button", "action_id": action_id, "block_id": "b", "value": value,
                            "action_ts": "1.2"}]}
    return BoltRequest(body=urlencode({"payload": json.dumps(payload)}),
                       headers={"content-type": "application/x-www-form-urlencoded"})


def slash(slack, text_: str = "status") -> BoltRequest:
    form = {"token": "t", "team_id": "T0ACME", "channel_id": "C0OPS", "user_id": "U0RYAN", "command": "/boom",
            "text": text_, "api_app_id": "A0", "response_url": slack.response_url("command"), "trigger_id": "1.2.3"}
    return BoltRequest(body=urlencode(form), headers={"content-type": "application/x-www-form-urlencoded"})


def submission(with_input: bool = True, view_type: str | None = "modal") -> BoltRequest:
    blocks = [{"type": "section", "block_id": "intro", "text": {"type": "mrkdwn", "text": "x"}}]
    if with_input:
        blocks.append({"type": "input", "block_id": "reason", "label": {"type": "plain_text", "text": "Why?"},
                       "element": {"type": "plain_text_input", "action_id": "value"}})
    payload = {"type": "view_submission", "user": {"id": "U0RYAN"}, "team": {"id": "T0ACME"}, "api_app_id": "A0",
               "token": "t", "view": {"id": "V1", "type": "modal", "callback_id": "boom", "private_metadata": "{{{",
                                      "blocks": blocks, "state": {"values": {}}}}
    if view_type is None:
        del payload["view"]["type"]
    return BoltRequest(body=urlencode({"payload": json.dumps(payload)}),
                       headers={"content-type": "application/x-www-form-urlencoded"})


def test_a_listener_failing_after_its_ack_keeps_the_ack_every_time_and_the_person_is_told(app, slack):
    def acks_then_fails(ack) -> None:
        ack()
        raise unreachable_error()

    app.action("boom")(guarded(acks_then_fails))
    attempts = 40  # the lost ack was a race between the runner and the waiting request thread
    for _ in range(attempts):
        response = app.dispatch(click(slack))
        assert response is not None and response.status == 200
    told = slack.wait_for("response_url", count=attempts)
    assert {call.params["text"] for call in told} == {UNREACHABLE_TEXT}
    assert all(call.params["response_type"] == "ephemeral" and call.params["replace_original"] is False
               for call in told)


def test_a_click_failing_before_its_ack_is_acknowledged_and_told(app, slack):
    def reads_value(ack, action) -> None:
        read_value(DeliverableMoveValue, action["value"], "menu option")
        ack()

    app.action("boom")(guarded(reads_value))
    response = app.dispatch(click(slack, value='{"m": "start", "d": 9223372036854775808, "v": 1, "w": {"k": "card"}}'))
    assert response.status == 200
    (told,) = slack.wait_for("response_url")
    assert told.params["text"] == UnreadableInput("menu option").sentence


def test_a_command_failing_before_its_ack_is_answered_in_the_ack(app, slack, caplog):
    def fails(ack) -> None:
        raise RuntimeError("a bug")

    app.command("/boom")(guarded(fails))
    with caplog.at_level(logging.ERROR, logger="delivery.errors"):
        response = app.dispatch(slash(slack))
    assert response.status == 200
    answer = json.loads(response.body)
    assert answer["response_type"] == "ephemeral"
    reference = answer["text"].rsplit(" ", 1)[-1]
    assert answer["text"] == friendly_text(reference)
    assert any(reference in record.getMessage() and record.exc_info for record in caplog.records)


def test_a_modal_whose_metadata_is_unreadable_keeps_the_form_open_with_the_sentence(app, slack):
    def submit(ack, view) -> None:
        read_value(ServiceActionValue, view["private_metadata"], "form")
        ack()

    app.view("boom")(guarded(submit))
    response = app.dispatch(submission())
    assert response.status == 200
    assert json.loads(response.body) == {"response_action": "errors",
                                         "errors": {"reason": UnreadableInput("form").sentence}}


def test_a_modal_without_an_input_failing_before_its_ack_closes_and_the_person_gets_a_dm(app, slack):
    def submit(ack, view) -> None:
        read_value(ServiceActionValue, view["private_metadata"], "form")

    app.view("boom")(guarded(submit))
    response = app.dispatch(submission(with_input=False))
    assert response.status == 200
    (dm,) = slack.wait_for("chat.postMessage")
    assert dm.params["channel"] == "U0RYAN" and dm.params["text"] == UnreadableInput("form").sentence


def test_an_event_listener_failing_is_acknowledged_and_nobody_is_messaged(app, slack):
    def publish(event) -> None:
        raise unreachable_error()

    app.event("app_home_opened")(guarded(publish))
    body = json.dumps({"type": "event_callback", "team_id": "T0ACME", "api_app_id": "A0", "token": "t",
                       "event": {"type": "app_home_opened", "user": "U0RYAN", "tab": "home"}, "event_id": "E1",
                       "event_time": 1})
    response = app.dispatch(BoltRequest(body=body, headers={"content-type": "application/json"}))
    assert response.status == 200
    assert slack.calls_to("chat.postMessage") == [] and slack.calls_to("response_url") == []


def test_guarded_listeners_keep_their_names_and_receive_only_the_arguments_they_ask_for(app, slack):
    seen = {}

    def shows_its_arguments(ack, body, respond) -> None:
        seen.update(ack=ack, body=body, respond=respond)
        ack()

    wrapped = guarded(shows_its_arguments)
    assert wrapped.__name__ == "shows_its_arguments"
    app.action("boom")(wrapped)
    assert app.dispatch(click(slack)).status == 200
    assert set(seen) == {"ack", "body", "respond"} and seen["body"]["type"] == "block_actions"


@pytest.mark.parametrize("raw", [
    None, 42, "", "not json", "[]", '{"m": "start"}',
    '{"m": "start", "d": 9223372036854775808, "v": 1, "w": {"k": "card"}}',
    '{"m": "start", "d": -1, "v": 1, "w": {"k": "card"}}',
    '{"m": "start", "d": "seven", "v": 1, "w": {"k": "card"}}',
    '{"m": "fly", "d": 1, "v": 1, "w": {"k": "card"}}',
    '{"m": "start", "d": 1, "v": 1, "w": {"k": "nowhere"}}',
    '{"m": "start", "d": 1.5, "v": 1, "w": {"k": "card"}}',
    '{"m": "start", "d": 1, "v": 1, "w": {"k": "card", "s": 18446744073709551616}}',
])
def test_a_value_the_bot_did_not_write_is_unreadable(raw):
    with pytest.raises(UnreadableInput):
        read_value(DeliverableMoveValue, raw)


def test_a_value_the_bot_wrote_reads_back():
    value = DeliverableMoveValue.model_validate({"m": "start", "d": 2**63 - 1, "v": 0, "w": {"k": "card", "s": 5}})
    assert read_value(DeliverableMoveValue, value.model_dump_json()) == value


class _Probe(BaseModel):
    n: int


def test_failures_are_told_by_kind(caplog):
    with caplog.at_level(logging.WARNING, logger="delivery.errors"):
        assert failure_text(unreachable_error()) == UNREACHABLE_TEXT
        with pytest.raises(UnreadableInput) as unreadable:
            read_value(_Probe, "{")
        assert failure_text(unreadable.value) == UnreadableInput("button").sentence
    assert not any(record.exc_info for record in caplog.records), "known causes are one line, no traceback"
    assert failure_text(KeyError("user")).startswith("Sorry, something went wrong on our side. Nothing was changed.")


def test_only_a_database_that_cannot_be_reached_counts_as_unreachable(tmp_path):
    assert store_unreachable(unreachable_error())
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    with pytest.raises(OperationalError) as missing_table:
        with engine.connect() as connection:
            connection.execute(text("SELECT * FROM services"))
    assert not store_unreachable(missing_table.value), "a missing table is a bug or a missed migration"
    assert not store_unreachable(RuntimeError("x"))
    wrapped = RuntimeError("while applying")
    wrapped.__cause__ = unreachable_error()
    assert store_unreachable(wrapped)


def test_a_postgresql_server_that_refuses_connections_is_unreachable():
    url = postgres_url()
    if url is None:
        pytest.skip("DELIVERY_TEST_POSTGRES_URL is not set: PostgreSQL tests need a server URL")
    engine = make_engine("postgresql://postgres@127.0.0.1:1/none")
    with pytest.raises(OperationalError) as refused:
        engine.connect()
    assert store_unreachable(refused.value)
