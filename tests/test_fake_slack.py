"""Tests of the test doubles: the Slack request signer and the fake Web API.

The fake and the signer are checked against slack_sdk itself (its WebClient,
retry handler and SignatureVerifier), so tests that lean on them exercise the
same wire format the product sees from real Slack.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs
from urllib.request import Request, urlopen

import pytest
from fake_slack import FakeSlack
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.webhook import WebhookClient
from slack_signing import (
    PAYLOADS_ENV,
    event_body,
    interactive_body,
    load_payload,
    sign,
    signed_headers,
    slash_command_body,
)

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


@pytest.fixture
def client(fake_slack: FakeSlack) -> WebClient:
    return WebClient(token="xoxb-test", base_url=fake_slack.api_url)


# -- signing -----------------------------------------------------------------


def test_signature_matches_slack_docs_example() -> None:
    # The worked example from Slack's "Verifying requests from Slack" page.
    body = (
        b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"
        b"&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text="
        b"&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
        b"&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
    )
    expected = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
    assert sign(SECRET, body, 1531420618) == expected


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (slash_command_body("status Delta Corp"), "application/x-www-form-urlencoded"),
        (interactive_body({"type": "block_actions", "text": "Zoë → ✓"}), "application/x-www-form-urlencoded"),
        (event_body({"type": "event_callback", "event": {"text": "café ☕"}}), "application/json"),
    ],
)
def test_signed_headers_pass_slack_sdk_verifier(body: bytes, content_type: str) -> None:
    headers = signed_headers(SECRET, body, content_type=content_type)
    assert headers["Content-Type"] == content_type
    assert abs(int(headers["X-Slack-Request-Timestamp"]) - time.time()) < 5
    assert SignatureVerifier(SECRET).is_valid_request(body, headers)
    assert not SignatureVerifier("another-secret").is_valid_request(body, headers)


def test_signed_headers_use_the_given_timestamp() -> None:
    body = b"{}"
    headers = signed_headers(SECRET, body, timestamp=1700000000, content_type="application/json")
    assert headers["X-Slack-Request-Timestamp"] == "1700000000"
    assert headers["X-Slack-Signature"] == sign(SECRET, body, 1700000000)
    # Five minutes stale: Slack's verifier (and so Bolt) refuses it.
    assert not SignatureVerifier(SECRET).is_valid_request(body, headers)


def test_default_slash_command_body_is_the_shared_example_byte_for_byte() -> None:
    assert slash_command_body("status Delta Corp").decode("ascii") == load_payload("slash_command.txt")


def test_slash_command_body_has_every_field_in_order() -> None:
    body = slash_command_body("at-risk", user_id="U0BILL", user_name="bill", response_url="http://x/response/c")
    keys = [pair.split("=", 1)[0] for pair in body.decode().split("&")]
    assert keys == [
        "token", "team_id", "team_domain", "enterprise_id", "enterprise_name", "channel_id", "channel_name",
        "user_id", "user_name", "command", "text", "api_app_id", "is_enterprise_install", "response_url",
        "trigger_id",
    ]  # fmt: skip
    fields = parse_qs(body.decode(), keep_blank_values=True)
    assert fields["user_id"] == ["U0BILL"]
    assert fields["text"] == ["at-risk"]
    assert fields["response_url"] == ["http://x/response/c"]


def test_interactive_body_round_trips_the_payload() -> None:
    payload = load_payload("block_actions_button")
    body = interactive_body(payload)
    assert body.startswith(b"payload=")
    assert json.loads(parse_qs(body.decode())["payload"][0]) == payload


def test_load_payload_finds_json_and_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_payload("event_app_home_opened")["event"]["type"] == "app_home_opened"
    assert load_payload("slash_command").startswith("token=")

    (tmp_path / "custom.json").write_text('{"type": "custom"}')
    monkeypatch.setenv(PAYLOADS_ENV, str(tmp_path))
    assert load_payload("custom") == {"type": "custom"}
    with pytest.raises(FileNotFoundError, match=PAYLOADS_ENV):
        load_payload("missing")


# -- fake Web API --------------------------------------------------------------


def test_auth_test_answers_like_slack(fake_slack: FakeSlack, client: WebClient) -> None:
    response = client.auth_test()
    assert response.data == {
        "ok": True,
        "url": "https://acme.slack.com/",
        "team": "Acme",
        "user": "delivery",
        "team_id": "T0ACME",
        "user_id": "U0BOT",
        "bot_id": "B0BOT",
        "is_enterprise_install": False,
    }
    [call] = fake_slack.calls_to("auth.test")
    assert call.headers["Authorization"] == "Bearer xoxb-test"
    assert call.token == "xoxb-test"


def test_post_message_is_recorded_and_gets_increasing_ts(fake_slack: FakeSlack, client: WebClient) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Delta Corp*"}}]
    first = client.chat_postMessage(channel="C0OPS", text="Delta Corp: on track", blocks=blocks)
    second = client.chat_postMessage(channel="C0OPS", text="again")

    assert first["ok"] and first["channel"] == "C0OPS"
    assert first["ts"] == "1700000000.000100"
    assert second["ts"] == "1700000000.000200"
    assert first["message"]["text"] == "Delta Corp: on track"
    assert first["message"]["blocks"] == blocks
    assert first["message"]["bot_id"] == "B0BOT"

    calls = fake_slack.wait_for("chat.postMessage", count=2)
    assert calls[0].params["channel"] == "C0OPS"
    assert calls[0].params["blocks"] == blocks
    assert calls[1].params["text"] == "again"


def test_form_encoded_params_are_parsed(fake_slack: FakeSlack, client: WebClient) -> None:
    # conversations.open goes as a form body, users.info as a GET query string.
    opened = client.conversations_open(users="U0RYAN")
    assert opened["channel"]["id"] == "D0RYANBOT"
    info = client.users_info(user="U0BILL")
    assert info["user"]["id"] == "U0BILL"
    assert info["user"]["profile"]["email"]

    assert fake_slack.calls_to("conversations.open")[0].params == {"users": "U0RYAN"}
    assert fake_slack.calls_to("users.info")[0].params == {"user": "U0BILL"}
    # Blocks sent as a JSON string in a form body are decoded, as Slack does.
    client.api_call("chat.postMessage", params={"channel": "C0OPS", "blocks": json.dumps([{"type": "divider"}])})
    assert fake_slack.calls_to("chat.postMessage")[0].params["blocks"] == [{"type": "divider"}]


def test_other_supported_methods(fake_slack: FakeSlack, client: WebClient) -> None:
    home = {"type": "home", "blocks": [{"type": "divider"}]}
    published = client.views_publish(user_id="U0RYAN", view=home)
    assert published["view"]["type"] == "home" and published["view"]["id"].startswith("V")

    modal = {"type": "modal", "callback_id": "deliverable.block", "title": {"type": "plain_text", "text": "Block"}}
    opened = client.views_open(trigger_id="1.2.3", view=modal)
    updated = client.views_update(view_id=opened["view"]["id"], view=modal)
    assert updated["view"]["id"] == opened["view"]["id"]
    assert updated["view"]["callback_id"] == "deliverable.block"

    assert client.chat_update(channel="C0OPS", ts="1732262400.000200", text="done")["ts"] == "1732262400.000200"
    assert client.chat_postEphemeral(channel="C0OPS", user="U0RYAN", text="only you")["message_ts"]
    members = client.users_list()
    assert members["members"] == [] and members["response_metadata"]["next_cursor"] == ""
    assert [c.method for c in fake_slack.calls] == [
        "views.publish", "views.open", "views.update", "chat.update", "chat.postEphemeral", "users.list",
    ]  # fmt: skip


def test_unknown_method(fake_slack: FakeSlack, client: WebClient) -> None:
    with pytest.raises(SlackApiError) as raised:
        client.api_call("reminders.add", params={"text": "x"})
    assert raised.value.response["error"] == "unknown_method"
    assert fake_slack.calls_to("reminders.add")


@pytest.mark.parametrize(("token", "error"), [(None, "not_authed"), ("xoxp-user-token", "invalid_auth")])
def test_bad_token(fake_slack: FakeSlack, token: str | None, error: str) -> None:
    with pytest.raises(SlackApiError) as raised:
        WebClient(token=token, base_url=fake_slack.api_url).auth_test()
    assert raised.value.response["error"] == error


def test_programmed_error_raises_slack_api_error(fake_slack: FakeSlack, client: WebClient) -> None:
    fake_slack.fail_next("chat.postMessage", "channel_not_found", channel="C0GONE")

    # Another channel is not affected, and the failure waits for its channel.
    assert client.chat_postMessage(channel="C0OPS", text="fine")["ok"]
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C0GONE", text="lost")
    assert raised.value.response.status_code == 200
    assert raised.value.response["error"] == "channel_not_found"
    # Only `times` calls fail.
    assert client.chat_postMessage(channel="C0GONE", text="back")["ok"]


def test_fail_next_times(fake_slack: FakeSlack, client: WebClient) -> None:
    fake_slack.fail_next("auth.test", "account_inactive", times=2)
    for _ in range(2):
        with pytest.raises(SlackApiError):
            client.auth_test()
    assert client.auth_test()["ok"]


def test_rate_limit_then_success_with_retry_handler(fake_slack: FakeSlack, client: WebClient) -> None:
    # Retry-After 0 keeps the test fast: the handler sleeps retry_after + up to 1 s jitter.
    fake_slack.rate_limit_next("chat.postMessage", retry_after=0)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=1))

    response = client.chat_postMessage(channel="C0OPS", text="eventually")

    assert response["ok"]
    calls = fake_slack.calls_to("chat.postMessage")
    assert [c.status for c in calls] == [429, 200]
    assert calls[0].response == {"ok": False, "error": "ratelimited"}


def test_rate_limit_without_retry_handler_raises(fake_slack: FakeSlack, client: WebClient) -> None:
    fake_slack.rate_limit_next("users.list", retry_after=7)
    with pytest.raises(SlackApiError) as raised:
        client.users_list()
    assert raised.value.response.status_code == 429
    assert raised.value.response.headers["Retry-After"] == "7"
    assert raised.value.response["error"] == "ratelimited"


def test_response_url_posts_are_recorded(fake_slack: FakeSlack) -> None:
    url = fake_slack.response_url("cmd1")
    assert url == f"http://127.0.0.1:{fake_slack.port}/response/cmd1"

    sent = WebhookClient(url).send(text="Delta Corp: on track", response_type="ephemeral", replace_original=True)

    assert sent.status_code == 200
    [call] = fake_slack.wait_for("response_url")
    assert call.name == "cmd1"
    assert call.params == {"text": "Delta Corp: on track", "response_type": "ephemeral", "replace_original": True}
    assert fake_slack.calls_to("response_url", name="other") == []


def test_response_url_failure(fake_slack: FakeSlack) -> None:
    fake_slack.fail_next("response_url", "expired_url")
    sent = WebhookClient(fake_slack.response_url()).send(text="late")
    assert sent.status_code == 404
    assert "expired_url" in sent.body


def test_set_response_overrides_until_reset(fake_slack: FakeSlack, client: WebClient) -> None:
    members = [{"id": "U0RYAN", "profile": {"email": "ryan@acme.example"}}]
    fake_slack.set_response("users.list", {"ok": True, "members": members, "response_metadata": {"next_cursor": ""}})
    assert client.users_list()["members"] == members
    fake_slack.reset()
    assert client.users_list()["members"] == []


def test_reset_clears_calls_failures_and_ts(fake_slack: FakeSlack, client: WebClient) -> None:
    client.chat_postMessage(channel="C0OPS", text="one")
    fake_slack.fail_next("chat.postMessage", "channel_not_found")
    fake_slack.reset()
    assert fake_slack.calls == []
    assert client.chat_postMessage(channel="C0OPS", text="two")["ts"] == "1700000000.000100"


def test_wait_for_sees_calls_from_other_threads(fake_slack: FakeSlack, client: WebClient) -> None:
    worker = threading.Thread(target=lambda: [client.chat_postMessage(channel="C0OPS", text=str(i)) for i in range(3)])
    worker.start()
    assert len(fake_slack.wait_for("chat.postMessage", count=3)) == 3
    worker.join()


def test_wait_for_times_out_with_what_arrived(fake_slack: FakeSlack, client: WebClient) -> None:
    client.auth_test()
    with pytest.raises(AssertionError, match=r"chat\.postMessage.*auth\.test"):
        fake_slack.wait_for("chat.postMessage", timeout=0.05)


def test_context_manager_frees_the_port() -> None:
    with FakeSlack() as fake:
        url = fake.api_url
        with urlopen(Request(url + "auth.test", data=b"", method="POST"), timeout=5) as reply:
            assert json.load(reply) == {"ok": False, "error": "not_authed"}
    with pytest.raises(OSError):
        urlopen(url + "auth.test", timeout=1)
    fake.stop()  # stopping twice is harmless
