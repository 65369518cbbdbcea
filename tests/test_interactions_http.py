"""Clicks over signed HTTP, shaped as Slack sends block_actions from an ephemeral answer."""

from __future__ import annotations

import copy
import json

import pytest
import requests
from served_app import SIGNING_SECRET
from slack_signing import FORM_CONTENT_TYPE, interactive_body, load_payload, signed_headers, slash_command_body

HEADLINE = "15 active services. 12 on track, 2 need attention, 1 at risk."


@pytest.fixture(autouse=True)
def clean_slack(slack):
    slack.reset()


def post(app_url: str, body: bytes) -> requests.Response:
    headers = signed_headers(SIGNING_SECRET, body, content_type=FORM_CONTENT_TYPE)
    return requests.post(f"{app_url}/slack/events", data=body, headers=headers, timeout=10)


def command(app_url: str, text: str) -> dict:
    return post(app_url, slash_command_body(text)).json()


def ephemeral_click(button: dict, block_id: str, response_url: str) -> dict:
    """block_actions for a button in an ephemeral message: no `message`, only the response_url."""
    payload = copy.deepcopy(load_payload("block_actions_button.json"))
    payload.pop("message", None)
    payload["container"]["is_ephemeral"] = True
    payload["response_url"] = response_url
    payload["actions"] = [{
        "type": "button", "action_id": button["action_id"], "block_id": block_id, "text": button["text"],
        "value": button["value"], "action_ts": "1732262460.123456",
    }]
    return payload


def buttons(reply: dict) -> list[tuple[dict, str]]:
    return [(element, block["block_id"]) for block in reply["blocks"] if block["type"] == "actions"
            for element in block["elements"]]


def share_button(reply: dict) -> tuple[dict, str]:
    (share, block_id), = [(b, i) for b, i in buttons(reply) if b["text"]["text"] == "Share in channel"]
    return share, block_id


def test_share_in_channel_posts_the_answer_for_everyone_then_removes_the_private_copy(app_url, slack):
    share, block_id = share_button(command(app_url, "status"))
    response_url = slack.response_url("share")
    assert post(app_url, interactive_body(ephemeral_click(share, block_id, response_url))).status_code == 200
    (posted,) = slack.wait_for("chat.postMessage")
    assert posted.params["channel"] == "C0OPS"
    assert posted.params["blocks"][0]["text"]["text"] == HEADLINE
    assert "Shared by <@U0RYAN>" in json.dumps(posted.params["blocks"])
    assert not any(b["type"] == "actions" for b in posted.params["blocks"]), "no share button on the shared copy"
    (deleted,) = slack.wait_for("response_url")
    assert deleted.params["delete_original"] is True


def test_share_where_the_bot_is_not_in_the_channel_falls_back_to_the_response_url(app_url, slack):
    slack.fail_next("chat.postMessage", "not_in_channel")
    share, block_id = share_button(command(app_url, "capacity"))
    response_url = slack.response_url("share")
    assert post(app_url, interactive_body(ephemeral_click(share, block_id, response_url))).status_code == 200
    posted, deleted = slack.wait_for("response_url", count=2)
    assert posted.params["response_type"] == "in_channel" and posted.params["replace_original"] is False
    assert deleted.params["delete_original"] is True


def test_choosing_one_of_several_services_replaces_the_choices_with_its_card(app_url, slack):
    reply = command(app_url, "status corp")
    choices = {b["text"]["text"]: (b, i) for b, i in buttons(reply)}
    button, block_id = choices["Delta Corp · Integration Rollout"]
    response_url = slack.response_url("choose")
    assert post(app_url, interactive_body(ephemeral_click(button, block_id, response_url))).status_code == 200
    (card,) = slack.wait_for("response_url")
    assert card.params["replace_original"] is True
    assert card.params["blocks"][0]["text"]["text"] == "Delta Corp · Integration Rollout"
    assert "blocked 5 days" in json.dumps(card.params["blocks"])


def test_misspelled_status_over_http_finds_the_card(app_url):
    reply = command(app_url, "status precison")
    assert reply["blocks"][0]["text"]["text"] == "Precision Components · ERP Go-Live"
    assert "12 of 15 complete, 3 in progress, 0 blocked" in json.dumps(reply["blocks"])


@pytest.mark.parametrize("text", ["capacity", "at-risk", "tickets", "tickets by owner", "tickets by type",
                                  "milestones", "milestones next week", "milestones overdue", "mine",
                                  "service Delta"])
def test_each_command_answers_over_http(app_url, text):
    reply = command(app_url, text)
    assert reply["response_type"] == "ephemeral" and reply["blocks"]
    assert "I don't know" not in json.dumps(reply["blocks"])
