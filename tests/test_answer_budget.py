"""A `/delivery` answer not ready within the answer budget is acknowledged with a short note, and
the answer follows through the command's response_url: Slack drops commands not acknowledged
within 3 seconds. Over real HTTP, with a budget of zero so every answer takes the slow path."""

from __future__ import annotations

import pytest
import requests

from served_app import SIGNING_SECRET
from served_demo import served_demo
from slack_signing import FORM_CONTENT_TYPE, signed_headers, slash_command_body
from handlers.commands.delivery import WORKING_ON_IT

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

    assert acked.json()["text"] == WORKING_ON_IT
    (answer,) = slack.wait_for("response_url")
    assert "status" in answer.params["text"]
