"""Junk at `POST /slack/events` from anyone without the signing secret, and oversized requests from
anyone at all: each is answered 400, 401 or 413 with at most one log line and no traceback, and the
server goes on serving. Over real HTTP against `delivery-bot serve` (bot/slack_gate.py)."""

from __future__ import annotations

import http.client
import json
import socket
import time
from urllib.parse import urlparse

import pytest
import requests
from served_app import SIGNING_SECRET
from served_demo import command, post, served_demo
from slack_signing import FORM_CONTENT_TYPE, JSON_CONTENT_TYPE, sign, signed_headers, slash_command_body

from bot.slack_gate import MAX_BODY_BYTES
from handlers.commands.parse import MAX_COMMAND_CHARS

EVENTS = "/slack/events"


@pytest.fixture(scope="module")
def app(slack, tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    log_path = folder / "server.log"
    with served_demo("sqlite", slack, folder, LOG_LEVEL="INFO", log_path=str(log_path)) as demo:
        demo.log_path = log_path
        yield demo


def app_lines(app) -> list[str]:
    """What the server logged besides gunicorn's own lines and its access log."""
    lines = app.log_path.read_text().splitlines()
    return [line for line in lines if line and not line.startswith("[") and '"POST ' not in line
            and '"GET ' not in line]


def raw_post(app, body: bytes, headers: dict[str, str]) -> requests.Response:
    return requests.post(f"{app.base}{EVENTS}", data=body, headers=headers, timeout=10)


def still_serving(app) -> None:
    assert command(app, "status", "U0RYAN")["text"].startswith("15 active services.")


NOW = str(int(time.time()))
FORM = slash_command_body("status")


@pytest.mark.parametrize("timestamp", ["abc", "1700000000.5", "-1", "", "１７００００００００",
                                       "9" * 40, "1e9", "0x10", NOW + "0"])
def test_a_timestamp_that_is_not_whole_seconds_is_refused_with_401(app, timestamp):
    headers = {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": "v0=" + "0" * 64,
               "Content-Type": FORM_CONTENT_TYPE}
    assert raw_post(app, FORM, {k: v.encode("utf-8").decode("latin-1") for k, v in headers.items()}).status_code == 401


@pytest.mark.parametrize("headers", [
    {},
    {"X-Slack-Request-Timestamp": NOW},
    {"X-Slack-Signature": "v0=abc"},
    {"X-Slack-Request-Timestamp": NOW, "X-Slack-Signature": "not-a-signature"},
    {"X-Slack-Request-Timestamp": NOW, "X-Slack-Signature": sign("another-secret", FORM, int(NOW))},
], ids=["none", "no-signature", "no-timestamp", "malformed-signature", "wrong-secret"])
def test_unsigned_or_wrongly_signed_requests_are_refused_with_401(app, headers):
    assert raw_post(app, FORM, {"Content-Type": FORM_CONTENT_TYPE, **headers}).status_code == 401


@pytest.mark.parametrize("body,content_type", [
    (b"{not json", JSON_CONTENT_TYPE),
    (b"[1, 2, 3]", JSON_CONTENT_TYPE),
    (b'"a string"', JSON_CONTENT_TYPE),
    (b"payload=%7Bnot+json", FORM_CONTENT_TYPE),
    (b"payload=%5B1%5D", FORM_CONTENT_TYPE),
    (b"{", FORM_CONTENT_TYPE),
], ids=["json-not-json", "json-list", "json-string", "payload-not-json", "payload-list", "form-brace"])
def test_a_body_nobody_can_parse_is_refused_unsigned_with_401_and_signed_with_400(app, body, content_type):
    unsigned = {"X-Slack-Request-Timestamp": NOW, "X-Slack-Signature": "v0=" + "0" * 64, "Content-Type": content_type}
    assert raw_post(app, body, unsigned).status_code == 401
    assert raw_post(app, body, signed_headers(SIGNING_SECRET, body, content_type=content_type)).status_code == 400


@pytest.mark.parametrize("body", [b"\xff\xfe\x00junk", b"text=caf\xe9", "token=x".encode("utf-16")])
def test_a_body_that_is_not_utf8_is_refused_with_400(app, body):
    for headers in ({"X-Slack-Request-Timestamp": NOW, "X-Slack-Signature": "v0=" + "0" * 64},
                    signed_headers(SIGNING_SECRET, body, content_type=FORM_CONTENT_TYPE)):
        response = raw_post(app, body, {"Content-Type": FORM_CONTENT_TYPE, **headers})
        assert response.status_code == 400


def test_a_content_length_that_is_not_a_number_is_refused_with_400(app):
    target = urlparse(app.base)
    connection = http.client.HTTPConnection(target.hostname, target.port, timeout=10)
    connection.putrequest("POST", EVENTS)
    connection.putheader("Content-Type", FORM_CONTENT_TYPE)
    connection.putheader("Content-Length", "12abc")
    connection.endheaders()
    try:
        status = connection.getresponse().status
    except (ConnectionError, http.client.HTTPException):
        status = 400  # gunicorn itself refuses such a header before the app sees it; either way no 500
    finally:
        connection.close()
    assert status == 400


def test_a_body_over_the_limit_is_refused_with_413_before_it_is_read(app):
    """Only the headers and the first few bytes are sent: the answer comes without the rest."""
    target = urlparse(app.base)
    declared = 5 * 1024 * 1024
    with socket.create_connection((target.hostname, target.port), timeout=10) as connection:
        connection.sendall((f"POST {EVENTS} HTTP/1.1\r\nHost: {target.hostname}\r\n"
                            f"Content-Type: {FORM_CONTENT_TYPE}\r\nContent-Length: {declared}\r\n"
                            "X-Slack-Request-Timestamp: 1\r\nX-Slack-Signature: v0=0\r\n\r\n").encode("ascii"))
        connection.sendall(b"token=" + b"x" * 1000)
        status_line = connection.recv(200).split(b"\r\n", 1)[0]
    assert status_line.split()[1] == b"413"


def test_a_signed_body_just_over_the_limit_is_refused_with_413(app):
    body = slash_command_body("status " + "x" * MAX_BODY_BYTES)
    response = raw_post(app, body, signed_headers(SIGNING_SECRET, body, content_type=FORM_CONTENT_TYPE))
    assert response.status_code == 413


@pytest.mark.parametrize("size", [MAX_COMMAND_CHARS + 1, 100_000, 1_000_000])
def test_over_long_command_text_is_refused_with_a_sentence_and_changes_nothing(app, size):
    reply = command(app, "status " + "x" * (size - len("status ")), "U0RYAN")
    assert reply["response_type"] == "ephemeral"
    assert f"That is {size:,} characters after `/delivery`" in json.dumps(reply)
    assert "Share in channel" not in json.dumps(reply)


def test_the_longest_command_text_allowed_is_answered_as_usual(app):
    reply = command(app, "status " + "x" * (MAX_COMMAND_CHARS - len("status ")), "U0RYAN")
    assert "No service matches" in reply["text"]


def test_junk_leaves_no_traceback_and_at_most_one_line_each_and_the_server_keeps_serving(app):
    before = len(app_lines(app))
    junk = [
        (b"{not json", {"Content-Type": JSON_CONTENT_TYPE, "X-Slack-Request-Timestamp": "abc",
                        "X-Slack-Signature": "v0=1"}),
        (b"\xff\xfe", {"Content-Type": FORM_CONTENT_TYPE, "X-Slack-Request-Timestamp": "1700000000.5",
                       "X-Slack-Signature": "v0=1"}),
        (b"{not json", signed_headers(SIGNING_SECRET, b"{not json", content_type=JSON_CONTENT_TYPE)),
        (b"payload=%7B", signed_headers(SIGNING_SECRET, b"payload=%7B", content_type=FORM_CONTENT_TYPE)),
    ]
    for body, headers in junk:
        assert raw_post(app, body, headers).status_code in (400, 401)
    still_serving(app)
    time.sleep(0.2)  # the log is written by another process
    text = app.log_path.read_text()
    assert "Traceback" not in text
    added = app_lines(app)[before:]
    assert 0 < len(added) <= len(junk), added
    assert all("refused" in line for line in added), added


def test_signed_requests_still_pass_the_gate(app):
    body = slash_command_body("help")
    response = post(app, body)
    assert response.status_code == 200 and "/delivery status" in response.text


@pytest.mark.parametrize("text", ["status payload", "status Payload Analytics", "history payload=1"])
def test_command_text_containing_payload_is_read_as_a_command(app, text):
    """Bolt takes any form body containing "payload" for an interactivity payload and reads such a
    command as empty; the gate reads it field by field (bot/slack_gate.py: bolt_request)."""
    response = post(app, slash_command_body(text))
    assert response.status_code == 200
    assert response.json()["text"].lower().startswith("no service matches 'payload")
