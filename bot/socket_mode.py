"""Socket Mode: no public URL needed, the default way to try the bot in a workspace."""

from __future__ import annotations

from slack_bolt.adapter.socket_mode import SocketModeHandler

from bot.app import SlackCredentials, create_app
from bot.garbage_collection import settle_after_startup
from bot.settings import Settings, SettingsError


def run_socket_mode(settings: Settings) -> None:
    app_token = settings.required_value("slack_app_token", purpose="Socket Mode")
    if settings.oauth_enabled:
        raise SettingsError(
            "SLACK_APP_TOKEN is set with SLACK_CLIENT_ID: several workspaces install over HTTP "
            "(/slack/install), so unset SLACK_APP_TOKEN and use `delivery-bot serve`"
        )
    bot_token = settings.required_value("slack_bot_token", purpose="Socket Mode")
    # Socket Mode requests come over Slack's websocket, not HTTP: Bolt skips the signature
    # check for them, so the signing secret is optional here.
    secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""
    credentials = SlackCredentials(bot_token=bot_token, signing_secret=secret)
    app = create_app(settings, credentials)
    settle_after_startup()
    SocketModeHandler(app, app_token).start()
