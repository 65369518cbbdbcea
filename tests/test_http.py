"""End to end over real HTTP: `delivery-bot serve` (gunicorn) against a fake Slack Web API,
with requests signed exactly as Slack signs them."""

from __future__ import annotations

import json
import time

import pytest
import requests
from served_app import SIGNING_SECRET
from slack_signing import (
    FORM_CONTENT_TYPE,
    JSON_CONTENT_TYPE,
    event_body,
    load_payload,
    signed_headers,
    slash_command_body,
)

HEADLINE = "15 active services. 12 on track, 2 need attention, 1 at risk."


@pytest.fixture(autouse=True)
def clean_slack(slack):
    slack.reset()


def post_command(app_url: str, text: str, *, secret: str = SIGNING_SECRET, timestamp: int | None = None,
                 user_id: str = "U0RYAN") -> requests.Response:
    body = slash_command_body(text, user_id=user_id)
    headers = signed_headers(secret, body, timestamp=timestamp, content_type=FORM_CONTENT_TYPE)
    return requests.post(f"{app_url}/slack/events", data=body, headers=headers, timeout=10)


def all_text(reply: dict) -> str:
    return json.dumps(reply["blocks"])


def test_signed_status_gets_the_portfolio_answer(app_url):
    started = time.monotonic()
    response = post_command(app_url, "status")
    elapsed = time.monotonic() - started
    assert response.status_code == 200, response.text
    reply = response.json()
    assert reply["response_type"] == "ephemeral"
    assert reply["text"].startswith(HEADLINE)
    assert reply["blocks"][0] == {"type": "header", "text": {"type": "plain_text", "text": HEADLINE, "emoji": True}}
    body = all_text(reply)
    for expected in ("Discovery 2", "Build 6", "Training 4", "Optimization 3", "89% on schedule",
                     "Delta Corp", "blocked 5 days", "Escalation meeting scheduled", "Beta Corp",
                     "Engagement declining", "Customer Org notified", "Gamma LLC", "Timeline pressure",
                     "Resource reallocation in progress", "Go-Live Readiness", "Training Complete",
                     "Discovery Wrap-up"):
        assert expected in body, expected
    print(f"signed /delivery status answered in {elapsed * 1000:.0f} ms")


def test_bad_signature_is_refused_with_401(app_url, slack):
    response = post_command(app_url, "status", secret="not-the-secret")
    assert response.status_code == 401
    assert slack.calls_to("chat.postMessage") == []


def test_timestamp_older_than_five_minutes_is_refused_with_401(app_url):
    response = post_command(app_url, "status", timestamp=int(time.time()) - 6 * 60)
    assert response.status_code == 401


def test_unknown_subcommand_gets_usage_ephemerally(app_url):
    response = post_command(app_url, "frobnicate the pipeline")
    reply = response.json()
    assert response.status_code == 200
    assert reply["response_type"] == "ephemeral"
    assert "I don't know '/delivery frobnicate the pipeline'" in all_text(reply)
    assert "/delivery status" in all_text(reply)


@pytest.mark.parametrize("text", ["", "help"])
def test_bare_command_and_help_show_usage(app_url, text):
    reply = post_command(app_url, text).json()
    assert "/delivery status" in all_text(reply)
    assert "I don't know" not in all_text(reply)


def test_user_text_is_escaped_in_replies(app_url):
    reply = post_command(app_url, "<!channel> & <@U0BILL>").json()
    body = all_text(reply)
    assert "<!channel>" not in body and "&lt;!channel&gt; &amp; &lt;@U0BILL&gt;" in body


def test_app_home_opened_publishes_the_home_tab(app_url, slack):
    envelope = load_payload("event_app_home_opened.json")
    body = event_body(envelope)
    headers = signed_headers(SIGNING_SECRET, body, content_type=JSON_CONTENT_TYPE)
    response = requests.post(f"{app_url}/slack/events", data=body, headers=headers, timeout=10)
    assert response.status_code == 200
    (call,) = slack.wait_for("views.publish")
    assert call.params["user_id"] == envelope["event"]["user"]
    view = call.params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view["type"] == "home"
    assert view["blocks"][0]["text"]["text"] == HEADLINE
    assert "Your work" in json.dumps(view["blocks"])
    assert call.token == "xoxb-e2e-token"


def test_url_verification_echoes_the_challenge(app_url):
    envelope = load_payload("url_verification.json")
    body = event_body(envelope)
    headers = signed_headers(SIGNING_SECRET, body, content_type=JSON_CONTENT_TYPE)
    response = requests.post(f"{app_url}/slack/events", data=body, headers=headers, timeout=10)
    assert response.status_code == 200
    assert envelope["challenge"] in response.text


def test_healthz_reports_database_reachability(app_url):
    response = requests.get(f"{app_url}/healthz", timeout=5)
    assert response.status_code == 200
    document = response.json()
    assert document["database"] == "reachable"
    assert document["schema_up_to_date"] is True


def test_unknown_path_is_404(app_url):
    assert requests.get(f"{app_url}/nope", timeout=5).status_code == 404
