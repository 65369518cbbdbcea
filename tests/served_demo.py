"""The demo portfolio served over HTTP for end-to-end tests, and signed requests to it."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone

import requests
from conftest import temporary_database
from served_app import SIGNING_SECRET, served
from slack_signing import FORM_CONTENT_TYPE, interactive_body, load_payload, signed_headers, slash_command_body
from sqlalchemy import Engine
from support import load_demo_at

from store.db import make_engine
from store.schema import upgrade


@dataclass
class DemoApp:
    base: str
    engine: Engine  # the same database, for checking what a request changed


@contextmanager
def served_demo(kind: str, slack, folder, **environment: str) -> Iterator[DemoApp]:
    """`delivery-bot serve` over the demo (loaded now) on a database of `kind`."""
    with temporary_database(kind, folder) as url:
        engine = make_engine(url)
        upgrade(engine)
        load_demo_at(engine, datetime.now(timezone.utc))
        try:
            with served(url, slack.api_url, **environment) as base:
                yield DemoApp(base, engine)
        finally:
            engine.dispose()


def post(app: DemoApp, body: bytes) -> requests.Response:
    headers = signed_headers(SIGNING_SECRET, body, content_type=FORM_CONTENT_TYPE)
    return requests.post(f"{app.base}/slack/events", data=body, headers=headers, timeout=10)


def command(app: DemoApp, text: str, user: str) -> dict:
    return post(app, slash_command_body(text, user_id=user, user_name=user.lower())).json()


def share_in_channel(app: DemoApp, slack, reply: dict, user: str):
    """Click an ephemeral answer's "Share in channel" as Slack sends it; the recorded chat.postMessage."""
    (share,) = [e for b in reply["blocks"] if b["type"] == "actions" for e in b["elements"]
                if e["text"]["text"] == "Share in channel"]
    payload = copy.deepcopy(load_payload("block_actions_button.json"))
    payload.pop("message")
    payload["container"]["is_ephemeral"] = True
    payload["user"] = {"id": user, "username": user.lower(), "name": user.lower(), "team_id": "T0ACME"}
    payload["response_url"] = slack.response_url("share")
    payload["actions"] = [{"type": "button", "action_id": share["action_id"], "block_id": "reply_actions",
                           "text": share["text"], "value": share["value"], "action_ts": "1.2"}]
    post(app, interactive_body(payload))
    (shared,) = slack.wait_for("chat.postMessage")
    return shared


def row_menu(reply: dict, name: str) -> tuple[dict, str]:
    """The overflow menu (and its block id) of the deliverable row named `name` in a reply."""
    for block in reply["blocks"]:
        accessory = block.get("accessory") or {}
        if accessory.get("type") == "overflow" and f" {name} ·" in block["text"]["text"]:
            return accessory, block.get("block_id", "")
    raise AssertionError(f"no row menu for {name}")


def overflow_click(menu: dict, block_id: str, chosen: dict, *, user: str, response_url: str) -> bytes:
    """block_actions for an overflow in an ephemeral answer (no `message`, only the response_url)."""
    payload = copy.deepcopy(load_payload("block_actions_overflow.json"))
    payload["user"] = {"id": user, "username": user.lower(), "name": user.lower(), "team_id": "T0ACME"}
    payload["response_url"] = response_url
    payload["actions"] = [{"type": "overflow", "action_id": menu["action_id"], "block_id": block_id,
                           "selected_option": chosen, "action_ts": "1732262470.654321"}]
    return interactive_body(payload)


def modal_submission(opened_view: dict, *, user: str, values: dict) -> bytes:
    """view_submission of a modal the bot opened (`views.open`'s view), with `values` as Slack's
    state.values: {block_id: {action_id: {type, value or selected_…}}}."""
    payload = copy.deepcopy(load_payload("view_submission.json"))
    payload["user"] = {"id": user, "username": user.lower(), "name": user.lower(), "team_id": "T0ACME"}
    view = payload["view"]
    view["callback_id"] = opened_view["callback_id"]
    view["private_metadata"] = opened_view["private_metadata"]
    view["blocks"] = opened_view["blocks"]
    view["state"] = {"values": values}
    return interactive_body(payload)
