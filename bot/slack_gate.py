"""The door of `POST /slack/events`: refuse what Slack did not send before anything parses it.

Bolt parses a request's body (form, JSON, `payload=`) before its middleware checks the signature,
so junk from anyone (a timestamp that is not a number, a JSON content type over a body that is
not JSON, bytes that are not UTF-8) used to raise inside Bolt and answer 500 with a traceback in
the log. Here every request is read with a size limit, its signature checked with slack_sdk's
verifier over the raw bytes, and its body parsed, before Bolt sees it: whatever fails is answered
400, 401 or 413 with one log line, and nobody without the signing secret can make the server log
a traceback. Bolt checks the signature again (its middleware stays on).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl

from slack_bolt import App, BoltContext, BoltResponse
from slack_bolt.request import BoltRequest
from slack_bolt.request.internals import build_context
from slack_sdk.signature import SignatureVerifier

log = logging.getLogger("delivery.web")

# Slack's largest requests are clicks on the biggest messages the bot posts (50 blocks of at most
# 3,000 characters each, sent back inside the click's payload, URL-encoded): a few hundred KB at
# worst. A body over this limit is refused unread.
MAX_BODY_BYTES = 1024 * 1024

UNREADABLE_REQUEST = "Delivery bot could not read that request, so nothing was changed. Please try again."

# Slack's timestamps are whole seconds since the epoch.
TIMESTAMP = re.compile(r"[0-9]{1,12}")


@dataclass(frozen=True)
class Refusal(Exception):
    """A request answered without reaching Bolt: the HTTP status and the one line logged."""

    status: int
    reason: str


def read_body(environ: dict) -> bytes:
    """The raw body, at most MAX_BODY_BYTES (413 beyond), without trusting Content-Length to be honest."""
    declared = environ.get("CONTENT_LENGTH") or ""
    if declared and not declared.isascii() or declared and not declared.isdigit():
        raise Refusal(400, f"Content-Length is not a number: {declared[:20]!r}")
    if declared and int(declared) > MAX_BODY_BYTES:
        raise Refusal(413, f"body of {declared} bytes is over the limit of {MAX_BODY_BYTES}")
    stream = environ.get("wsgi.input")
    if stream is None:
        return b""
    body = stream.read(int(declared)) if declared else stream.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        raise Refusal(413, f"body is over the limit of {MAX_BODY_BYTES} bytes")
    return body


def check_signature(verifier: SignatureVerifier, body: bytes, timestamp: str | None, signature: str | None) -> str:
    """The body as text when Slack signed it (v0 HMAC-SHA256 within five minutes); else a 401 or 400."""
    if not timestamp or not signature:
        raise Refusal(401, "unsigned request (no X-Slack-Request-Timestamp or X-Slack-Signature)")
    if not TIMESTAMP.fullmatch(timestamp):
        raise Refusal(401, f"X-Slack-Request-Timestamp is not whole seconds: {timestamp[:20]!r}")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Refusal(400, "body is not UTF-8") from None
    if not verifier.is_valid(text, timestamp, signature):
        raise Refusal(401, "signature does not match, or the timestamp is over five minutes old")
    return text


def signed_request(verifier: SignatureVerifier, environ: dict, headers: dict) -> BoltRequest:
    """Bolt's request for a signed, readable body; a `Refusal` for anything else."""
    body = read_body(environ)
    text = check_signature(verifier, body, headers.get("x-slack-request-timestamp"),
                           headers.get("x-slack-signature"))
    try:
        request = bolt_request(text, headers, environ.get("QUERY_STRING", ""))
    except Exception as error:  # what Bolt's parser raises for a body it cannot read: JSON, payload=
        raise Refusal(400, f"signed body could not be parsed ({type(error).__name__})") from None
    if not isinstance(request.body, dict):
        raise Refusal(400, "signed body is not an object")
    return request


def bolt_request(text: str, headers: Mapping[str, str | Sequence[str]], query: str = "") -> BoltRequest:
    """Bolt's request for a raw body, read as Slack meant it.

    Bolt takes any form body with "payload" anywhere in it for an interactivity payload, and one
    without a `payload` field then reads as empty: `/delivery status Payload Analytics` would find
    no listener, and Slack would show an error. Such a form is read field by field here instead.
    """
    request = BoltRequest(body=text, query=query, headers=dict(headers))
    if request.body == {} and text and request.content_type != "application/json":
        fields = dict(parse_qsl(text, keep_blank_values=True))
        if fields and "payload" not in fields:
            request.body = fields
            request.context = build_context(BoltContext(), fields)
    return request


def dispatch(app: App, request: BoltRequest) -> BoltResponse:
    """Bolt's answer to a signed request. Bolt reads some fields of a payload while choosing its
    listener, and its own error handler reads them again, so a signed payload missing one (a modal
    without its `type`) raises out of `dispatch`: acknowledged here with 200 and one log line, never
    a 500 that Slack would show as an error. Listeners' own failures are answered in
    handlers/errors.py."""
    try:
        return app.dispatch(request)
    except Exception as error:
        log.warning("signed request Bolt could not dispatch (%s: %s): acknowledged", type(error).__name__, error)
        if request.body.get("command"):
            return BoltResponse(status=200, body=json.dumps({"response_type": "ephemeral", "text": UNREADABLE_REQUEST}),
                                headers={"content-type": "application/json;charset=utf-8"})
        return BoltResponse(status=200, body="")
