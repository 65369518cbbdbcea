"""A `/delivery` answer not ready within the answer budget is acknowledged with a short note, and
the answer follows through the command's response_url: Slack drops commands not acknowledged
within 3 seconds. Over real HTTP, with a budget of zero so every answer takes the slow path."""

from __future__ import annotations

import time
from concurrent.futures import Future

import pytest
import requests
from served_app import SIGNING_SECRET
from served_demo import served_demo
from slack_bolt.request import BoltRequest
from slack_signing import FORM_CONTENT_TYPE, signed_headers, slash_command_body

from handlers.commands.delivery import WORKING_ON_IT, send_late_answer
from handlers.received import RECEIVED_AT_HEADER, seconds_since_received
from messages.blocks.common import Reply

HEADLINE = "15 active services. 12 on track, 2 need attention, 1 at risk."


@pytest.fixture(scope="module")
def slow_app(slack, tmp_path_factory):
    with served_demo("sqlite", slack, tmp_path_factory.mktemp("budget"), DELIVERY_ANSWER_BUDGET_SECONDS="0") as app:
        yield app


def test_an_answer_past_the_budget_is_acknowledged_then_sent_through_the_response_url(slow_app, slack):
    slack.reset()
    body = slash_command_body("status", user_id="U0RYAN", response_url=slack.response_url("late"))
    acked = requests.post(f"{slow_app.base}/slack/events", data=body, timeout=10,
                          headers=signed_headers(SIGNING_SECRET, body, content_type=FORM_CONTENT_TYPE))

    assert acked.status_code == 200
    assert acked.json() == {"response_type": "ephemeral", "text": WORKING_ON_IT}
    (answer,) = slack.wait_for("response_url")
    assert answer.params["response_type"] == "ephemeral"
    assert answer.params["replace_original"] is True
    assert HEADLINE in answer.params["text"]
    assert any(HEADLINE in str(block) for block in answer.params["blocks"])


def test_a_usage_mistake_past_the_budget_still_gets_its_help(slow_app, slack):
    slack.reset()
    body = slash_command_body("staus", user_id="U0RYAN", response_url=slack.response_url("typo"))
    acked = requests.post(f"{slow_app.base}/slack/events", data=body, timeout=10,
                          headers=signed_headers(SIGNING_SECRET, body, content_type=FORM_CONTENT_TYPE))

    # The help is ready at once: whether it beat the (zero) budget is a race, and either way the person
    # gets it, in the acknowledgement or through the response_url after "Working on it".
    text = acked.json()["text"]
    if text == WORKING_ON_IT:
        (answer,) = slack.wait_for("response_url")
        text = answer.params["text"]
    assert "status" in text and "staus" in text


@pytest.fixture(scope="module")
def normal_app(slack, tmp_path_factory):
    with served_demo("sqlite", slack, tmp_path_factory.mktemp("normal")) as app:
        yield app


def test_the_budget_counts_from_arrival_as_the_server_stamps_it_not_as_a_client_claims(normal_app, slack):
    slack.reset()
    body = slash_command_body("status", user_id="U0RYAN", response_url=slack.response_url("claimed"))
    headers = signed_headers(SIGNING_SECRET, body, content_type=FORM_CONTENT_TYPE)
    headers[RECEIVED_AT_HEADER] = "0"  # "received long ago": would leave no budget if it were believed
    acked = requests.post(f"{normal_app.base}/slack/events", data=body, headers=headers, timeout=10)

    assert HEADLINE in acked.json()["text"]
    assert slack.calls_to("response_url") == []


def test_seconds_since_received_reads_the_stamp_and_ignores_what_is_not_one():
    now = time.monotonic()
    stamped = BoltRequest(body="", headers={RECEIVED_AT_HEADER: repr(now - 2.0)})
    assert 2.0 <= seconds_since_received(stamped) < 3.0
    assert seconds_since_received(BoltRequest(body="", headers={})) == 0.0
    assert seconds_since_received(BoltRequest(body="", headers={RECEIVED_AT_HEADER: "soon"})) == 0.0
    assert seconds_since_received(None) == 0.0


class RecordingRespond:
    def __init__(self):
        self.calls: list[dict] = []

    def __call__(self, **message):
        self.calls.append(message)


def test_a_late_answer_replaces_the_note_and_a_failed_one_is_reported_with_a_reference():
    answered, failed = Future(), Future()
    answered.set_result(Reply(text="All on track.", blocks=[]))
    failed.set_exception(RuntimeError("database went away"))
    respond = RecordingRespond()

    send_late_answer(respond, "/delivery", answered)
    send_late_answer(respond, "/delivery", failed)

    assert respond.calls[0] == {"response_type": "ephemeral", "replace_original": True, "text": "All on track.",
                                "blocks": []}
    assert respond.calls[1]["response_type"] == "ephemeral"
    assert respond.calls[1]["text"].startswith("Sorry, something went wrong on our side. Nothing was changed.")
    assert "Reference: " in respond.calls[1]["text"]
