"""`delivery-bot ask`: run `/delivery <text>` through the real Bolt app, locally.

The request is built and signed the way Slack builds and signs it, and dispatched
through the same middleware and listeners that serve Slack. Only the credentials
differ: a throwaway signing secret and a token that is never sent anywhere.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from urllib.parse import urlencode

from slack_bolt.request import BoltRequest
from sqlalchemy import Engine

from bot.app import SlackCredentials, create_app
from bot.settings import Settings
from store.clock import Clock

LOCAL_USER = "U0LOCAL"
LOCAL_CHANNEL = "C0LOCAL"
LOCAL_TOKEN = "xoxb-local-not-sent"


@dataclass(frozen=True)
class LocalReply:
    status: int
    text: str
    blocks: list[dict]


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
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:".encode() + body, hashlib.sha256).hexdigest()
    return {
        "content-type": "application/x-www-form-urlencoded",
        "x-slack-request-timestamp": timestamp,
        "x-slack-signature": f"v0={digest}",
    }


def ask(settings: Settings, text: str, *, user_id: str = LOCAL_USER, engine: Engine | None = None,
        clock: Clock | None = None) -> LocalReply:
    secret = secrets.token_hex(16)
    app = create_app(
        settings, SlackCredentials(bot_token=LOCAL_TOKEN, signing_secret=secret, local=True),
        engine=engine, clock=clock,
    )
    body = slash_command_form(text=text, user_id=user_id, team_id=settings.delivery_team_id)
    response = app.dispatch(BoltRequest(body=body.decode(), headers=signed_headers(secret, body)))
    payload = json.loads(response.body) if response.body else {}
    return LocalReply(status=response.status, text=payload.get("text", ""), blocks=payload.get("blocks", []))
