"""Checks of manifest.yml against what the bot needs and what Slack accepts.

Limits are those of Slack's manifest schema v1
(github.com/slackapi/manifest-schema, schemas/manifest.schema.1.0.0.json):
pasting a manifest that breaks them fails on Slack's side, far from the code.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

yaml = pytest.importorskip("yaml")

MANIFEST_PATH = Path(__file__).resolve().parents[1] / "manifest.yml"

# Exactly these: every extra scope is one more thing an admin must approve.
BOT_SCOPES = {"commands", "chat:write", "im:write", "users:read", "users:read.email", "files:write"}


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    return yaml.safe_load(MANIFEST_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def command(manifest: dict[str, Any]) -> dict[str, Any]:
    [only] = manifest["features"]["slash_commands"]
    return only


def _request_urls(node: Any) -> list[str]:
    """Every `url` / `request_url` value anywhere in the manifest."""
    if isinstance(node, dict):
        found = [v for k, v in node.items() if k in {"url", "request_url"}]
        return found + [u for v in node.values() for u in _request_urls(v)]
    if isinstance(node, list):
        return [u for item in node for u in _request_urls(item)]
    return []


def test_schema_version(manifest: dict[str, Any]) -> None:
    assert manifest["_metadata"] == {"major_version": 1, "minor_version": 1}


def test_display_information(manifest: dict[str, Any]) -> None:
    info = manifest["display_information"]
    assert info["name"] == "Delivery Bot"
    assert 1 <= len(info["name"]) <= 35
    assert 1 <= len(info["description"]) <= 140
    assert "\n" not in info["description"]
    assert 175 <= len(info["long_description"]) <= 4000
    assert re.fullmatch(r"#[0-9a-fA-F]{6}", info["background_color"])
    assert info["background_color"] == "#1d3557"


def test_long_description_says_what_the_bot_does(manifest: dict[str, Any]) -> None:
    text = manifest["display_information"]["long_description"].lower()
    for topic in ("status", "at-risk", "overdue", "digest", "button"):
        assert topic in text


def test_slash_command(command: dict[str, Any]) -> None:
    assert command["command"] == "/delivery"
    assert 1 <= len(command["description"]) <= 2000
    # The hint offers exactly the subcommands the bot understands.
    from handlers.commands.parse import Subcommand

    offered = {option.split()[0] for option in command["usage_hint"].strip("[]").split("|")}
    assert offered == {subcommand.value for subcommand in Subcommand}
    assert 1 <= len(command["usage_hint"]) <= 1000
    assert command["should_escape"] is False


def test_bot_scopes_are_exactly_what_the_bot_uses(manifest: dict[str, Any]) -> None:
    scopes = manifest["oauth_config"]["scopes"]
    assert set(scopes["bot"]) == BOT_SCOPES
    assert len(scopes["bot"]) == len(BOT_SCOPES)  # no duplicates
    assert "user" not in scopes  # the bot never acts as a person


def test_home_tab_and_bot_user(manifest: dict[str, Any]) -> None:
    features = manifest["features"]
    assert features["app_home"] == {
        "home_tab_enabled": True,
        "messages_tab_enabled": True,
        "messages_tab_read_only_enabled": True,
    }
    assert features["bot_user"] == {"display_name": "delivery", "always_online": True}


def test_events_and_interactivity(manifest: dict[str, Any]) -> None:
    settings = manifest["settings"]
    assert settings["event_subscriptions"]["bot_events"] == ["app_home_opened"]
    assert "user_events" not in settings["event_subscriptions"]
    assert settings["interactivity"]["is_enabled"] is True


def test_socket_mode_without_request_urls(manifest: dict[str, Any]) -> None:
    settings = manifest["settings"]
    assert settings["socket_mode_enabled"] is True
    assert settings["org_deploy_enabled"] is False
    assert settings["token_rotation_enabled"] is False
    # In Socket Mode Slack delivers everything over the socket; a stray URL
    # would only mislead whoever switches modes later.
    assert _request_urls(manifest) == []


def test_header_comment_explains_http_mode() -> None:
    header = MANIFEST_PATH.read_text(encoding="utf-8").split("_metadata:")[0]
    assert "Socket Mode" in header
    assert "socket_mode_enabled" in header
    assert header.count("https://YOUR-HOST/slack/events") == 3
