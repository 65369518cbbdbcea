"""The app factory: one Bolt app, configured for Slack (HTTP or Socket Mode) or a local terminal."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from slack_bolt import App
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.authorize import InstallationStoreAuthorize
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler
from sqlalchemy import Engine

from bot.settings import Settings, SettingsError
from bot.workspaces import STATE_EXPIRATION_SECONDS, Workspaces, installation_store, state_store, store_gate
from handlers import register_all
from handlers.after_ack import Pools
from handlers.middleware import terminal_middleware, workspace_middleware
from store.clock import Clock, SystemClock
from store.db import make_engine, make_sessionmaker
from store.workspace import Workspace

log = logging.getLogger("delivery.app")

# Where the OAuth install flow lives (served by bot/web.py through Bolt's WSGI adapter).
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"


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
    if settings.oauth_enabled:
        # Each workspace's bot token comes from its installation, not from the environment.
        return SlackCredentials(bot_token="",
                                signing_secret=settings.required_value("slack_signing_secret", purpose=purpose))
    # Keyword arguments are evaluated in order: a missing bot token is named before the signing secret.
    return SlackCredentials(
        bot_token=settings.required_value("slack_bot_token", purpose=purpose),
        signing_secret=settings.required_value("slack_signing_secret", purpose=purpose),
    )


class BotTokenRejected(SettingsError):
    """Slack answered auth.test for SLACK_BOT_TOKEN with an error: a setting to fix, not to retry."""


def check_bot_token(client: WebClient) -> None:
    """Refuse to start on a bot token Slack rejects, but start when Slack cannot be reached.

    Bolt's own start-up check fails either way, so a replica started during a network blip would
    exit and restart until Slack answered, its health check down all along. Started without that
    check, Bolt calls auth.test on the first request instead (and keeps the answer).
    """
    try:
        client.auth_test()
    except SlackApiError as error:
        raise BotTokenRejected(f"Slack rejected SLACK_BOT_TOKEN: {error.response.get('error')}") from error
    except OSError as error:  # URLError, timeouts, refused connections, after slack_sdk's retries
        log.warning("could not reach Slack at %s to check SLACK_BOT_TOKEN (%s): starting anyway; "
                    "the token is checked on the first request", client.base_url, error)


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
        limits=settings.health_thresholds, sla=settings.sla_policy, escalation=settings.escalation_policy,
        gate=store_gate(settings),
    )


def oauth_app(settings: Settings, signing_secret: str, engine: Engine, clock: Clock, pools: Pools,
              executor: ThreadPoolExecutor | None = None) -> App:
    """Several workspaces: each installs through the OAuth flow and is served its own data only.

    Every Web API call goes to `SLACK_API_URL`: Bolt's OAuthFlow uses the app's client for
    oauth.v2.access and auth.test, and each request's client copies its base URL.
    """
    client = web_client(settings, None)
    installations = installation_store(settings, engine)
    client_id = settings.required_value("slack_client_id", purpose="the OAuth install flow")
    client_secret = settings.required_value("slack_client_secret", purpose="the OAuth install flow")
    oauth_settings = OAuthSettings(
        client_id=client_id,
        client_secret=client_secret,
        scopes=settings.scopes,
        user_scopes=[],
        redirect_uri=settings.slack_install_redirect_uri,
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        installation_store=installations,
        state_store=state_store(engine),
        state_expiration_seconds=STATE_EXPIRATION_SECONDS,  # the state cookie's lifetime, as the store's
        logger=log,
    )
    # Bolt's own authorize, given the app's client so token refreshes also use SLACK_API_URL; its
    # cache (per bot token) saves an auth.test per request, while the installation is still
    # looked up every time, so an uninstalled team is refused at once.
    authorize = InstallationStoreAuthorize(
        logger=log, installation_store=installations, client_id=client_id,
        client_secret=client_secret, client=client, cache_enabled=True,
    )
    app = App(client=client, signing_secret=signing_secret, oauth_settings=oauth_settings,
              # Bolt takes an Authorize instance (App.__init__ checks isinstance), but annotates a
              # Callable returning AuthorizeResult where Authorize.__call__ returns it Optional.
              authorize=authorize,  # type: ignore[arg-type]  # Bolt's annotation omits Authorize
              name="delivery-bot", listener_executor=executor)
    # app_uninstalled / tokens_revoked delete the team's installation (when the app subscribes to them).
    app.enable_token_revocation_listeners()
    workspaces = Workspaces(settings, engine, clock)
    app.use(workspace_middleware(workspaces.for_request, settings, pools, workspaces.settings_for))
    return app


def listener_executor(threads: int | None) -> ThreadPoolExecutor | None:
    """Bolt runs each listener in its executor (five threads unless given one) while the server's
    thread waits for the ack. With fewer listener threads than server threads, a request waits
    behind other listeners' work after their acks (a click's redraw, a deferred answer) before it
    can even acknowledge; past 3 s Bolt answers 404 and Slack shows an error."""
    return None if threads is None else ThreadPoolExecutor(max_workers=threads, thread_name_prefix="bolt-listener")


def create_app(
    settings: Settings,
    credentials: SlackCredentials,
    *,
    engine: Engine | None = None,
    clock: Clock | None = None,
    listener_threads: int | None = None,
    pools: Pools | None = None,
) -> App:
    """The Bolt app with every listener registered. Its threads are made here, never at import:
    Bolt's listener executor (`listener_threads`, else Bolt's five) and the pools for work after an
    ack (`pools`, else new ones; docs/deploy.md, "Threads and pools")."""
    engine = engine or make_engine(settings.database_url)
    clock = clock or SystemClock()
    executor = listener_executor(listener_threads)
    pools = pools or Pools.make()
    if settings.oauth_enabled and not credentials.local:
        app = oauth_app(settings, credentials.signing_secret, engine, clock, pools, executor)
        register_all(app)
        return app
    # A single-workspace deployment serves exactly one workspace's data, whatever team id
    # the request carries; several workspaces come with the OAuth install flow (oauth_app).
    workspace = single_workspace(settings, engine, clock)
    if credentials.local:
        app = App(
            client=web_client(settings, None),
            signing_secret=credentials.signing_secret,
            authorize=_local_authorize(credentials.bot_token),
            name="delivery-bot",
            listener_executor=executor,
        )
    else:
        client = web_client(settings, credentials.bot_token)
        check_bot_token(client)
        app = App(
            client=client,
            signing_secret=credentials.signing_secret,
            name="delivery-bot",
            listener_executor=executor,
            token_verification_enabled=False,  # check_bot_token did, without failing on a network blip
        )
    app.use(workspace_middleware(lambda _context: workspace, settings, pools))
    if credentials.local:
        app.use(terminal_middleware)
    register_all(app)
    return app
