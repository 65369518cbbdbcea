"""The app factory: one Bolt app, configured for Slack (HTTP or Socket Mode) or a local terminal."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from slack_bolt import App
from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler
from sqlalchemy import Engine

from bot.settings import Settings
from handlers import register_all
from handlers.middleware import workspace_middleware
from store.clock import Clock, SystemClock
from store.db import make_engine, make_sessionmaker
from store.workspace import Workspace

log = logging.getLogger("delivery.app")


@dataclass(frozen=True)
class SlackCredentials:
    bot_token: str
    signing_secret: str
    # Local runs (`delivery-bot ask`) authorize without calling Slack's auth.test.
    local: bool = False


def web_client(settings: Settings, token: str | None) -> WebClient:
    """Every Web API client the app makes: `SLACK_API_URL`, and slack_sdk's own retries."""
    return WebClient(
        token=token,
        base_url=settings.slack_api_url,
        retry_handlers=[ConnectionErrorRetryHandler(max_retry_count=2), RateLimitErrorRetryHandler(max_retry_count=2)],
    )


def slack_credentials(settings: Settings, purpose: str) -> SlackCredentials:
    settings.require("slack_bot_token", "slack_signing_secret", purpose=purpose)
    return SlackCredentials(
        bot_token=settings.slack_bot_token.get_secret_value(),
        signing_secret=settings.slack_signing_secret.get_secret_value(),
    )


def _local_authorize(token: str):
    def authorize(enterprise_id: str | None, team_id: str | None, user_id: str | None) -> AuthorizeResult:
        return AuthorizeResult(
            enterprise_id=enterprise_id, team_id=team_id, bot_token=token, bot_user_id="U0BOT", bot_id="B0LOCAL",
            user_id=user_id,
        )

    return authorize


def single_workspace(settings: Settings, engine: Engine, clock: Clock) -> Workspace:
    return Workspace(
        sessions=make_sessionmaker(engine), team_id=settings.delivery_team_id, clock=clock, tz=settings.timezone,
        limits=settings.health_thresholds,
    )


def create_app(
    settings: Settings,
    credentials: SlackCredentials,
    *,
    engine: Engine | None = None,
    clock: Clock | None = None,
) -> App:
    engine = engine or make_engine(settings.database_url)
    # A single-workspace deployment serves exactly one workspace's data, whatever team id
    # the request carries; several workspaces come with the OAuth install flow.
    workspace = single_workspace(settings, engine, clock or SystemClock())
    if credentials.local:
        app = App(
            client=web_client(settings, None),
            signing_secret=credentials.signing_secret,
            authorize=_local_authorize(credentials.bot_token),
            name="delivery-bot",
        )
    else:
        app = App(
            client=web_client(settings, credentials.bot_token),
            signing_secret=credentials.signing_secret,
            name="delivery-bot",
        )
    app.use(workspace_middleware(lambda _team_id: workspace, settings))
    register_all(app)
    return app
