"""Several workspaces: Slack's OAuth stores on the app's own database, a Workspace per
installed team, and each team's bot token for what the bot posts on its own (digests).

The installation and state tables are created by the migrations (store/migrations,
revision 0005), never by slack_sdk's `create_tables()`.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from slack_bolt import BoltContext
from sqlalchemy import Engine

from bot.settings import Settings
from store.clock import Clock
from store.db import make_sessionmaker
from store.digests import teams_with_digests
from store.workspace import Workspace

if TYPE_CHECKING:
    from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
    from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

log = logging.getLogger("delivery.workspaces")

# How long an installer has between opening /slack/install and coming back from Slack.
STATE_EXPIRATION_SECONDS = 600


def installation_store(settings: Settings, engine: Engine) -> SQLAlchemyInstallationStore:
    """Installations and bot tokens, per team, in the `slack_installations` and `slack_bots` tables."""
    # Imported here: only OAuth mode needs slack_sdk's SQLAlchemy stores (and their greenlet import).
    from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore

    client_id = settings.required_value("slack_client_id", purpose="the OAuth install flow")
    return SQLAlchemyInstallationStore(client_id=client_id, engine=engine, logger=log)


def state_store(engine: Engine) -> SQLAlchemyOAuthStateStore:
    """One-time `state` values of the install flow, in `slack_oauth_states`."""
    from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

    return SQLAlchemyOAuthStateStore(expiration_seconds=STATE_EXPIRATION_SECONDS, engine=engine, logger=log)


def store_gate(settings: Settings) -> threading.BoundedSemaphore:
    """How many store reads and changes a process runs at once (DELIVERY_STORE_CONCURRENCY)."""
    return threading.BoundedSemaphore(settings.delivery_store_concurrency)


class Workspaces:
    """A Workspace per team id, made on first use and kept: all share one engine and the settings."""

    def __init__(self, settings: Settings, engine: Engine, clock: Clock):
        self.sessions = make_sessionmaker(engine)
        self._settings = settings
        self._clock = clock
        self._made: dict[str, Workspace] = {}
        self._lock = threading.Lock()
        # One gate for all the process's workspaces: it bounds the process's work, whoever asks.
        self._gate = store_gate(settings)

    def settings_for(self, team_id: str) -> Settings:
        """The settings as one workspace sees them: the channel ids of DELIVERY_CUSTOMER_ORG_CHANNEL and
        DELIVERY_ADMIN_CHANNEL belong to the DELIVERY_TEAM_ID workspace, so other workspaces have none."""
        if team_id == self._settings.delivery_team_id:
            return self._settings
        return self._settings.model_copy(update={"delivery_customer_org_channel": None,
                                                 "delivery_admin_channel": None})

    def get(self, team_id: str) -> Workspace:
        with self._lock:
            workspace = self._made.get(team_id)
            if workspace is None:
                workspace = Workspace(
                    sessions=self.sessions, team_id=team_id, clock=self._clock, tz=self._settings.timezone,
                    limits=self._settings.health_thresholds, sla=self._settings.sla_policy,
                    escalation=self._settings.escalation_policy, gate=self._gate,
                )
                self._made[team_id] = workspace
            return workspace

    def for_request(self, context: BoltContext) -> Workspace | None:
        """The requesting team's Workspace, or None when the request names no team Bolt authorized.

        Bolt's authorization has already refused teams without an installation; this also refuses
        requests with no team id (org-wide installs are not supported) and any whose authorization
        belongs to another team, so no request is ever served another team's data.
        """
        team_id = context.team_id
        if not team_id:
            return None
        authorized = context.authorize_result
        if authorized is None or (authorized.team_id is not None and authorized.team_id != team_id):
            log.warning("refused a request for team %s authorized as %s", team_id,
                        authorized.team_id if authorized else None)
            return None
        return self.get(team_id)


def bot_token(store: SQLAlchemyInstallationStore, team_id: str) -> str | None:
    """The team's current bot token, or None when the app is not (or no longer) installed there."""
    bot = store.find_bot(enterprise_id=None, team_id=team_id)
    return bot.bot_token if bot is not None else None


@dataclass(frozen=True)
class PostingTeam:
    workspace: Workspace
    token: str


def posting_teams(workspaces: Workspaces, store: SQLAlchemyInstallationStore) -> list[PostingTeam]:
    """Each team with digests to send and an installation to send them with, in team id order."""
    with workspaces.sessions() as session:
        team_ids = teams_with_digests(session)
    teams = []
    for team_id in team_ids:
        token = bot_token(store, team_id)
        if token is None:
            log.info("team %s has digests but no installation: skipped", team_id)
            continue
        teams.append(PostingTeam(workspaces.get(team_id), token))
    return teams
