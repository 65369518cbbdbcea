"""Settings: names from the issue, defaults, and one clear line per bad value."""

import pytest

from bot.settings import SettingsError, load_settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in ("DATABASE_URL", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_API_URL",
                 "PORT", "DELIVERY_TIMEZONE", "DELIVERY_TEAM_ID"):
        monkeypatch.delenv(name, raising=False)


def test_defaults():
    settings = load_settings()
    assert settings.database_url == "sqlite:///delivery.db"
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.port == 3000
    assert settings.delivery_timezone == "UTC"


def test_environment_names(monkeypatch):
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9999/api")
    monkeypatch.setenv("PORT", "8080")
    monkeypatch.setenv("DELIVERY_TIMEZONE", "America/New_York")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-123")
    settings = load_settings()
    assert settings.slack_api_url == "http://127.0.0.1:9999/api/"
    assert settings.port == 8080
    assert settings.timezone.key == "America/New_York"
    assert settings.slack_bot_token.get_secret_value() == "xoxb-123"


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("PORT", "eighty", "PORT: "),
        ("PORT", "70000", "PORT: "),
        ("DELIVERY_TIMEZONE", "Mars/Base", "DELIVERY_TIMEZONE: 'Mars/Base' is not an IANA time zone"),
        ("SLACK_BOT_TOKEN", "xapp-wrong", "SLACK_BOT_TOKEN: a bot token starts with xoxb-"),
        ("SLACK_APP_TOKEN", "xoxb-wrong", "SLACK_APP_TOKEN: an app-level token starts with xapp-"),
        ("SLACK_API_URL", "slack.com/api", "SLACK_API_URL: 'slack.com/api' is not an http(s) URL"),
    ],
)
def test_malformed_setting_names_itself_in_one_line(monkeypatch, name, value, message):
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as raised:
        load_settings()
    assert str(raised.value).startswith(message)
    assert "\n" not in str(raised.value)


def test_require_names_the_missing_setting():
    with pytest.raises(SettingsError, match="^SLACK_SIGNING_SECRET is not set: HTTP mode needs it$"):
        load_settings(slack_bot_token="xoxb-1").require("slack_bot_token", "slack_signing_secret", purpose="HTTP mode")
