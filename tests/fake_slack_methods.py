"""The Web API methods the fake Slack (tests/fake_slack.py) answers, as Slack answers them.

`WebApiMethods` is mixed into `FakeSlack`: each `_method_name(params)` returns the JSON body
Slack would, using the fake's state (its clock of ts values, workspaces and views).
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

Json = dict[str, Any]

# The first ts the fake hands out is 1700000000.000100 (tests/fake_slack.py).
_TS_BASE_SECONDS = 1_700_000_000

TEAM_ID = "T0ACME"
BOT_USER_ID = "U0BOT"
BOT_ID = "B0BOT"
APP_ID = "A0DELIVERY"

AUTH_TEST = {
    "ok": True,
    "url": "https://acme.slack.com/",
    "team": "Acme",
    "user": "delivery",
    "team_id": TEAM_ID,
    "user_id": BOT_USER_ID,
    "bot_id": BOT_ID,
    "is_enterprise_install": False,
}


class Headers(dict[str, str]):
    """Request headers with case-insensitive lookup (keys stored lower-case)."""

    def __init__(self, items: Iterator[tuple[str, str]] | list[tuple[str, str]] = ()) -> None:
        super().__init__((key.lower(), value) for key, value in items)

    def __getitem__(self, key: str) -> str:
        return super().__getitem__(key.lower())

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and super().__contains__(key.lower())

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        return super().get(key.lower(), default)



class WebApiMethods:
    """Answers of the Web API methods; state lives on the FakeSlack this is mixed into."""

    def _auth_test(self, headers: Headers, params: Json) -> Json:
        with self._cond:
            team = self._teams_by_token.get(_token(headers, params) or "")
        if team is None:
            return dict(AUTH_TEST)
        team_id, name = team
        return dict(AUTH_TEST, team_id=team_id, team=name, url=f"https://{team_id.lower()}.slack.com/",
                    user_id=f"U{team_id}BOT", bot_id=f"B{team_id}")

    def _oauth_v2_access(self, params: Json, headers: Headers) -> Json:
        client = _basic_credentials(headers) or (params.get("client_id"), params.get("client_secret"))
        with self._cond:
            expected = self._oauth_client
            token = self._tokens_by_code.pop(str(params.get("code")), None)  # a code works once
            team = self._teams_by_token.get(token or "")
        if expected is not None and client[0] != expected[0]:
            return _error("invalid_client_id")
        if expected is not None and client[1] != expected[1]:
            return _error("bad_client_secret")
        if token is None or team is None:
            return _error("invalid_code")
        team_id, name = team
        return {
            "ok": True,
            "app_id": APP_ID,
            "authed_user": {"id": f"U{team_id}ADMIN"},
            "scope": "commands,chat:write,im:write,users:read,users:read.email,files:write",
            "token_type": "bot",
            "access_token": token,
            "bot_user_id": f"U{team_id}BOT",
            "team": {"id": team_id, "name": name},
            "enterprise": None,
            "is_enterprise_install": False,
        }

    def _chat_post_message(self, params: Json) -> Json:
        channel = _channel_id(params.get("channel"))
        if not channel:
            return _error("channel_not_found")
        if not any(params.get(k) for k in ("text", "blocks", "attachments")):
            return _error("no_text")
        ts = self._next_ts()
        return {"ok": True, "channel": channel, "ts": ts, "message": _message(params, ts)}

    def _chat_update(self, params: Json) -> Json:
        channel = _channel_id(params.get("channel"))
        if not channel:
            return _error("channel_not_found")
        ts = params.get("ts")
        if not ts:
            return _error("message_not_found")
        return {
            "ok": True,
            "channel": channel,
            "ts": ts,
            "text": params.get("text", ""),
            "message": _message(params, ts),
        }

    def _chat_post_ephemeral(self, params: Json) -> Json:
        if not params.get("channel"):
            return _error("channel_not_found")
        if not params.get("user"):
            return _error("user_not_found")
        return {"ok": True, "message_ts": self._next_ts()}

    def _views_publish(self, params: Json) -> Json:
        if not params.get("user_id"):
            return _error("invalid_arguments")
        return self._view_answer(params, view_type="home")

    def _views_open(self, params: Json) -> Json:
        if not params.get("trigger_id"):
            return _error("invalid_arguments")
        return self._view_answer(params, view_type="modal")

    def _views_update(self, params: Json) -> Json:
        view_id = params.get("view_id")
        if not view_id and not params.get("external_id"):
            return _error("not_found")
        return self._view_answer(params, view_type="modal", view_id=view_id)

    def _view_answer(self, params: Json, *, view_type: str, view_id: str | None = None) -> Json:
        view = params.get("view")
        if not isinstance(view, dict):
            return _error("invalid_arguments")
        view_id = view_id or f"V{self._next():08d}"
        answered = {
            "id": view_id,
            "team_id": TEAM_ID,
            "type": view.get("type", view_type),
            "blocks": view.get("blocks", []),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "external_id": params.get("external_id", view.get("external_id", "")),
            "state": {"values": {}},
            "hash": f"{_TS_BASE_SECONDS}.{view_id.lower()}",
            "root_view_id": view_id,
            "previous_view_id": None,
            "app_id": APP_ID,
            "bot_id": BOT_ID,
        }
        for key in ("title", "submit", "close"):
            if key in view:
                answered[key] = view[key]
        return {"ok": True, "view": answered}

    def _conversations_open(self, params: Json) -> Json:
        users = params.get("users") or ""
        user_ids = users if isinstance(users, list) else [u for u in str(users).split(",") if u]
        if not user_ids:
            return _error("users_list_not_supplied")
        return {"ok": True, "no_op": False, "already_open": False, "channel": {"id": _dm_channel(user_ids[0])}}

    def _users_info(self, params: Json) -> Json:
        user_id = params.get("user")
        if not user_id:
            return _error("user_not_found")
        return {"ok": True, "user": _user(str(user_id))}

    def _users_list(self, params: Json) -> Json:
        return {"ok": True, "members": [], "cache_ts": _TS_BASE_SECONDS, "response_metadata": {"next_cursor": ""}}


def _token(headers: Headers, params: Json) -> str | None:
    auth = headers.get("authorization", "")
    token = auth[len("bearer ") :].strip() if auth.lower().startswith("bearer ") else params.get("token")
    return str(token) if token else None


def _basic_credentials(headers: Headers) -> tuple[str, str] | None:
    """(client id, client secret) from an HTTP Basic Authorization header."""
    auth = headers.get("authorization", "")
    if not auth.lower().startswith("basic "):
        return None
    client_id, _, secret = base64.b64decode(auth[len("basic ") :].strip()).decode("utf-8").partition(":")
    return client_id, secret


def _error(error: str) -> Json:
    return {"ok": False, "error": error}


def _dm_channel(user_id: str) -> str:
    """A stable DM id per user: U0RYAN -> D0RYANBOT, as in the shared app_home_opened payload."""
    return f"D{user_id[1:]}BOT"


def _channel_id(channel: Any) -> str | None:
    """Posting to a user id lands in the bot's DM with them, as on Slack."""
    if not channel:
        return None
    channel = str(channel)
    return _dm_channel(channel) if channel[0] in "UW" else channel


def _message(params: Json, ts: str) -> Json:
    message: Json = {
        "type": "message",
        "user": BOT_USER_ID,
        "bot_id": BOT_ID,
        "app_id": APP_ID,
        "team": TEAM_ID,
        "text": params.get("text", ""),
        "ts": ts,
    }
    for key in ("blocks", "attachments", "metadata", "thread_ts"):
        if key in params:
            message[key] = params[key]
    return message


def _user(user_id: str) -> Json:
    handle = user_id[2:].lower() if user_id.startswith("U0") else user_id.lower()
    real_name = handle.capitalize()
    return {
        "id": user_id,
        "team_id": TEAM_ID,
        "name": handle,
        "real_name": real_name,
        "deleted": False,
        "is_bot": False,
        "tz": "UTC",
        "profile": {
            "real_name": real_name,
            "display_name": handle,
            "email": f"{handle}@acme.example",
        },
    }
