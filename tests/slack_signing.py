"""Build HTTP requests exactly as Slack sends and signs them.

Slack signs every request with `X-Slack-Signature: v0=<hex HMAC-SHA256>` of
`v0:{timestamp}:{raw body}`, keyed by the app's signing secret, and sends the
timestamp in `X-Slack-Request-Timestamp`. The body builders here produce the
exact bytes (sign what you send: re-encoding after signing breaks the HMAC).

Example payloads live in the shared folder `shared/slack-payloads` next to the
repository; `DELIVERY_SLACK_PAYLOADS` points elsewhere when the layout differs.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

PAYLOADS_ENV = "DELIVERY_SLACK_PAYLOADS"

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
JSON_CONTENT_TYPE = "application/json"

# The ids and URLs of shared/slack-payloads/slash_command.txt, so that the
# default body is byte-for-byte the documented example.
VERIFICATION_TOKEN = "gIkuvaNzQIHg97ATvDxqgjtO"
API_APP_ID = "A0DELIVERY"
DEFAULT_RESPONSE_URL = "https://hooks.slack.com/commands/T0ACME/1234567890/abcdEFGHijkl"
DEFAULT_TRIGGER_ID = "1234567890.1111111111.0123456789abcdef0123456789abcdef"


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """Return Slack's `X-Slack-Signature` value for `body` sent at `timestamp`."""
    base = b"v0:" + str(timestamp).encode("ascii") + b":" + body
    digest = hmac.new(secret.encode("utf-8"), base, hashlib.sha256).hexdigest()
    return f"v0={digest}"


def signed_headers(
    secret: str,
    body: bytes,
    *,
    timestamp: int | None = None,
    content_type: str,
) -> dict[str, str]:
    """Headers Slack sends with `body`; `timestamp` defaults to now (Bolt rejects >5 min old)."""
    ts = int(time.time()) if timestamp is None else timestamp
    return {
        "X-Slack-Request-Timestamp": str(ts),
        "X-Slack-Signature": sign(secret, body, ts),
        "Content-Type": content_type,
    }


def slash_command_body(
    text: str,
    *,
    user_id: str = "U0RYAN",
    user_name: str = "ryan",
    team_id: str = "T0ACME",
    team_domain: str = "acme",
    channel_id: str = "C0OPS",
    channel_name: str = "ops",
    command: str = "/delivery",
    response_url: str = DEFAULT_RESPONSE_URL,
    trigger_id: str = DEFAULT_TRIGGER_ID,
) -> bytes:
    """A slash-command form body with every field Slack sends, in Slack's order.

    `text` is everything after the command, unparsed, as Slack sends it.
    """
    # A list of pairs, not a dict built from kwargs: the order is part of
    # "exactly as Slack sends it" and the signature covers these bytes.
    fields = [
        ("token", VERIFICATION_TOKEN),
        ("team_id", team_id),
        ("team_domain", team_domain),
        ("enterprise_id", ""),
        ("enterprise_name", ""),
        ("channel_id", channel_id),
        ("channel_name", channel_name),
        ("user_id", user_id),
        ("user_name", user_name),
        ("command", command),
        ("text", text),
        ("api_app_id", API_APP_ID),
        ("is_enterprise_install", "false"),
        ("response_url", response_url),
        ("trigger_id", trigger_id),
    ]
    return urlencode(fields).encode("ascii")


def interactive_body(payload: dict[str, Any] | str) -> bytes:
    """`payload=` + the URL-encoded JSON, as Slack posts block_actions and view_submission.

    A str is taken as already-serialised JSON, for tests that need exact bytes.
    """
    data = payload if isinstance(payload, str) else json.dumps(payload)
    return urlencode({"payload": data}).encode("ascii")


def event_body(envelope: dict[str, Any]) -> bytes:
    """An Events API envelope as the JSON body Slack posts."""
    return json.dumps(envelope).encode("utf-8")


def payloads_dir() -> Path:
    """The shared example-payload folder (`DELIVERY_SLACK_PAYLOADS` overrides)."""
    override = os.environ.get(PAYLOADS_ENV)
    if override:
        return Path(override)
    # tests/ -> repository -> its parent, which holds shared/ beside the checkout.
    return Path(__file__).resolve().parents[2] / "shared" / "slack-payloads"


def load_payload(name: str) -> dict[str, Any] | str:
    """Load an example payload: `.json` files parsed to a dict, others as text.

    `name` may omit the extension ("block_actions_button" finds the .json,
    "slash_command" the .txt). A fresh object each call, so tests may mutate it.
    """
    path = _find_payload(name)
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        return json.loads(text)
    # The .txt form body is one line; a trailing newline would change the bytes.
    return text.rstrip("\r\n")


def _find_payload(name: str) -> Path:
    folder = payloads_dir()
    candidates = [folder / name] if Path(name).suffix else [folder / f"{name}.json", folder / f"{name}.txt"]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    tried = ", ".join(str(c) for c in candidates)
    raise FileNotFoundError(f"no Slack example payload {name!r} (tried {tried}; set {PAYLOADS_ENV} to override)")
