"""Every command over signed HTTP against a generated portfolio of 1,000 services."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
import requests
from conftest import DATABASE_KINDS, temporary_database
from served_app import SIGNING_SECRET, served
from slack_signing import FORM_CONTENT_TYPE, signed_headers, slash_command_body
from support import TEAM, UTC

from store.db import make_engine
from store.demo.synthetic import load_synthetic
from store.schema import upgrade

COMMANDS = ["status", "status cobalt analitics", "capacity", "at-risk", "tickets", "tickets by customer",
            "milestones", "milestones overdue", "mine"]


@pytest.fixture(scope="module", params=DATABASE_KINDS)
def large_app_url(request, slack, tmp_path_factory):
    with temporary_database(request.param, tmp_path_factory.mktemp(request.param)) as database_url:
        engine = make_engine(database_url)
        upgrade(engine)
        load_synthetic(engine, team_id=TEAM, now=datetime.now(timezone.utc), tz=UTC, services=1000)
        engine.dispose()
        with served(database_url, slack.api_url) as base:
            yield base


@pytest.mark.parametrize("text", COMMANDS)
def test_command_answers_on_a_thousand_services(large_app_url, text):
    body = slash_command_body(text, user_id="U00000001")
    headers = signed_headers(SIGNING_SECRET, body, content_type=FORM_CONTENT_TYPE)
    response = requests.post(f"{large_app_url}/slack/events", data=body, headers=headers, timeout=10)
    assert response.status_code == 200
    reply = response.json()
    assert reply["response_type"] == "ephemeral"
    assert len(reply["blocks"]) <= 50
    blocks = json.dumps(reply["blocks"])
    assert "something went wrong" not in reply["text"] and "I don't know" not in blocks
    if text == "status":
        headline = "900 active services. 720 on track, 120 need attention, 60 at risk."
        assert reply["blocks"][0]["text"]["text"] == headline
    if text.startswith("status cobalt"):
        assert reply["blocks"][0]["text"]["text"].startswith("Cobalt Analytics")
