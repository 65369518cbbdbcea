"""`delivery-bot ask`: run `/delivery <text>` through the real Bolt app, locally.

The request is built and signed the way Slack builds and signs it, and dispatched
through the same middleware and listeners that serve Slack. Only the credentials
differ: a throwaway signing secret and a token that is never sent anywhere.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier
from sqlalchemy import Engine

from bot.app import SlackCredentials, create_app
from bot.settings import Settings
from bot.slack_gate import bolt_request
from handlers.after_ack import Pools
from handlers.errors import ERRORS_LOGGER
from store.clock import Clock

LOCAL_USER = "U0LOCAL"
LOCAL_CHANNEL = "C0LOCAL"
LOCAL_TOKEN = "xoxb-local-not-sent"


@dataclass(frozen=True)
class LocalReply:
    status: int
    text: str
    blocks: list[dict]
    # True when a listener failed and the reply is the error handler's apology.
    failed: bool = False


class _ErrorRecorder(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.failed = False

    def emit(self, record: logging.LogRecord) -> None:
        self.failed = True


@contextmanager
def _listener_errors() -> Iterator[_ErrorRecorder]:
    """Notice the app's error handler at work, so the CLI can exit non-zero."""
    recorder = _ErrorRecorder()
    logger = logging.getLogger(ERRORS_LOGGER)
    logger.addHandler(recorder)
    try:
        yield recorder
    finally:
        logger.removeHandler(recorder)


def slash_command_form(*, text: str, user_id: str, team_id: str) -> bytes:
    return urlencode(
        {
            "token": "local",
            "team_id": team_id,
            "team_domain": "local",
            "channel_id": LOCAL_CHANNEL,
            "channel_name": "local",
            "user_id": user_id,
            "user_name": user_id.lower(),
            "command": "/delivery",
            "text": text,
            "api_app_id": "A0LOCAL",
            "is_enterprise_install": "false",
            "response_url": "http://127.0.0.1:9/local-response",
            "trigger_id": "0.0.local",
        }
    ).encode()


def signed_headers(secret: str, body: bytes) -> dict[str, str]:
    timestamp = str(int(time.time()))
    signature = SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body)
    if signature is None:  # only without a timestamp
        raise ValueError("no signature for a request without a timestamp")
    return {
        "content-type": "application/x-www-form-urlencoded",
        "x-slack-request-timestamp": timestamp,
        "x-slack-signature": signature,
    }


def ask(settings: Settings, text: str, *, user_id: str = LOCAL_USER, engine: Engine | None = None,
        clock: Clock | None = None) -> LocalReply:
    secret = secrets.token_hex(16)
    # The terminal reads the answer from the ack: give it all the time Bolt allows.
    settings = settings.model_copy(update={"delivery_answer_budget_seconds": 2.5})
    pools = Pools.make()
    app = create_app(
        settings, SlackCredentials(bot_token=LOCAL_TOKEN, signing_secret=secret, local=True),
        engine=engine, clock=clock, pools=pools,
    )
    body = slash_command_form(text=text, user_id=user_id, team_id=settings.delivery_team_id)
    try:
        with _listener_errors() as errors:
            response = app.dispatch(bolt_request(body.decode(), signed_headers(secret, body)))
    finally:
        pools.shutdown(wait=False)  # one question per app: its threads end once their work is done
    payload = json.loads(response.body) if response.body else {}
    return LocalReply(
        status=response.status, text=payload.get("text", ""), blocks=payload.get("blocks", []), failed=errors.failed
    )
