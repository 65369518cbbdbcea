"""The scheduler process: every minute it sends whatever digests are due, then the SLA warnings of the
tickets that crossed a threshold since (digests/warnings.py) and the leads' warnings of milestones newly
forecast to slip (digests/slip_warnings.py), the escalation steps of blocked deliverables and the snoozes
that ended (digests/escalations.py), then tells ops of the failures of all of them in one message
(digests/ops_report.py); every two minutes it
assesses again each team's services whose kept health changed or expired, and every ten it counts
the engagement tallies again (store/health), so that answers read those instead of assessing
every service from four weeks of customer sessions.

Subscriptions are read from the database at each tick, so new ones need no restart. The
tick's own misfire grace time equals the digest grace period: a tick delayed by a busy
machine still runs, late, once. Every scheduler sends: each claims batches of the due digests in the
ledger, so on PostgreSQL several schedulers share the 08:30 fan-out and none posts a digest another
claimed (digests/runner.py). The refresh of kept health and tallies runs in one of them only, the
holder of its leader lock. SQLite is one machine: run one scheduler.

With several workspaces (OAuth), each tick sends for every team that has digests and an
installation, with that team's own bot token and in that team's own Workspace.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Protocol

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from slack_sdk import WebClient
from sqlalchemy import Engine

from bot.app import single_workspace, web_client
from bot.settings import Settings
from bot.workspaces import Workspaces, installation_store, posting_teams
from digests.escalations import run_escalations
from digests.reallocations import expire_proposals
from digests.runner import RunReport, run_due
from digests.slip_warnings import run_slip_warnings
from digests.warnings import WarningReport, run_warnings
from messages.pacing import Pacer, Pacers
from store.clock import Clock, SystemClock
from store.db import make_engine, make_sessionmaker
from store.digests import teams_with_services
from store.health import KEPT_EVERY
from store.leader import KEPT_LOCK, LeaderLock
from store.workspace import Workspace

log = logging.getLogger("delivery.scheduler")
UTC = "UTC"


def pacers_for(settings: Settings) -> Pacers:
    """The process's pace of posts per workspace, shared by every run it makes."""
    return Pacers(settings.delivery_posts_per_second or None)


def _worth_logging(report: RunReport | WarningReport) -> bool:
    if isinstance(report, WarningReport):
        return bool(report.sent or report.failed or report.uncertain or report.expired or report.empty
                    or report.redrawn or report.told)
    return bool(report.sent or report.failed or report.uncertain or report.expired or report.missed)


class _Report(Protocol):
    @property
    def worth_logging(self) -> bool: ...

    def summary(self) -> str: ...


def _guarded(what: str, workspace: Workspace, run: Callable[[], _Report]) -> None:
    """Run one part of a tick: its failure is logged and never stops the rest."""
    try:
        report = run()
    except Exception:
        log.exception("%s of team %s failed", what, workspace.team_id)
        return
    if report.worth_logging:
        log.info("%s of %s: %s", what, workspace.team_id, report.summary())


def run_follow_ups(client: WebClient, workspace: Workspace, pacer: Pacer) -> None:
    """What a tick does after the digests and before the SLA warnings (so that ops' one summary, sent with
    those, covers their failures too), each part on its own: the slip warnings (digests/slip_warnings.py),
    the reallocation proposals nobody decided in time (digests/reallocations.py), and the escalation
    ladder's steps due, the escalations of deliverables unblocked since and the snoozes that ended
    (digests/escalations.py)."""
    _guarded("slip warnings", workspace, lambda: run_slip_warnings(client, workspace, pacer=pacer))
    _guarded("reallocation expiries", workspace, lambda: expire_proposals(client, workspace))
    _guarded("escalations", workspace, lambda: run_escalations(client, workspace, pacer=pacer))


class DigestTicker:
    """Sends one workspace's due digests with the one bot token (single-workspace mode)."""

    def __init__(self, settings: Settings, workspace: Workspace, pacers: Pacers | None = None):
        self.client = web_client(settings, settings.required_value("slack_bot_token", purpose="the scheduler"))
        self.workspace = workspace
        self.pacers = pacers or pacers_for(settings)
        self.senders = settings.delivery_digest_senders
        self.grace = timedelta(minutes=settings.delivery_digest_grace_minutes)
        self.admin_channel = settings.delivery_admin_channel

    def tick(self) -> None:
        # Ops hear of the digests' and the warnings' failures in one summary, sent by run_warnings.
        report = run_due(self.client, self.workspace, at=self.workspace.clock.now(), grace=self.grace,
                         pacer=self.pacers.for_team(self.workspace.team_id), senders=self.senders,
                         ops_summary=False)
        if _worth_logging(report):
            log.info("digests: %s", report.summary())
        run_follow_ups(self.client, self.workspace, self.pacers.for_team(self.workspace.team_id))
        try:
            warned = run_warnings(self.client, self.workspace, pacer=self.pacers.for_team(self.workspace.team_id),
                                  admin_channel=self.admin_channel)
        except Exception:
            log.exception("SLA warnings failed")
            return
        if _worth_logging(warned):
            log.info("SLA warnings: %s", warned.summary())


class TeamsDigestTicker:
    """Sends every installed team's due digests, each with its own bot token (OAuth mode).

    One team's failure is logged and never stops the others.
    """

    def __init__(self, settings: Settings, engine: Engine, clock: Clock, pacers: Pacers | None = None):
        self.settings = settings
        self.workspaces = Workspaces(settings, engine, clock)
        self.installations = installation_store(settings, engine)
        self.clock = clock
        self.pacers = pacers or pacers_for(settings)
        self.grace = timedelta(minutes=settings.delivery_digest_grace_minutes)

    def tick(self) -> None:
        at = self.clock.now()
        for team in posting_teams(self.workspaces, self.installations):
            try:
                admin_channel = self.workspaces.settings_for(team.workspace.team_id).delivery_admin_channel
                client = web_client(self.settings, team.token)
                pacer = self.pacers.for_team(team.workspace.team_id)
                report = run_due(client, team.workspace, at=at, grace=self.grace, pacer=pacer,
                                 senders=self.settings.delivery_digest_senders, ops_summary=False)
                run_follow_ups(client, team.workspace, pacer)
                warned = run_warnings(client, team.workspace, pacer=pacer, admin_channel=admin_channel)
            except Exception:
                log.exception("digests or SLA warnings for team %s failed", team.workspace.team_id)
                continue
            if _worth_logging(report):
                log.info("digests for %s: %s", team.workspace.team_id, report.summary())
            if _worth_logging(warned):
                log.info("SLA warnings for %s: %s", team.workspace.team_id, warned.summary())


class KeptRefresher:
    """Brings every team's kept health (and, when due, engagement tallies) up to date, in one
    scheduler among several (its own lock, so it never shares a connection with the digest job's).
    A team whose refresh fails is logged; its answers assess and count from the rows meanwhile."""

    def __init__(self, workspaces: Callable[[], list[Workspace]], lock: LeaderLock):
        self.workspaces = workspaces
        self.lock = lock

    def tick(self) -> None:
        if not self.lock.acquire():
            return
        for workspace in self.workspaces():
            try:
                workspace.refresh_kept(tallies=False)
            except Exception:
                log.exception("kept health and tallies of team %s failed", workspace.team_id)


def _teams_to_refresh(settings: Settings, engine: Engine) -> Callable[[], list[Workspace]]:
    if not settings.oauth_enabled:
        workspace = single_workspace(settings, engine, SystemClock())
        return lambda: [workspace]
    workspaces, sessions = Workspaces(settings, engine, SystemClock()), make_sessionmaker(engine)

    def every_team() -> list[Workspace]:
        with sessions() as session:
            return [workspaces.get(team_id) for team_id in teams_with_services(session)]
    return every_team


def build_scheduler(settings: Settings, *, blocking: bool) -> BaseScheduler:
    engine = make_engine(settings.database_url)
    ticker: DigestTicker | TeamsDigestTicker
    if settings.oauth_enabled:
        ticker = TeamsDigestTicker(settings, engine, SystemClock())
    else:
        ticker = DigestTicker(settings, single_workspace(settings, engine, SystemClock()))
    scheduler = (BlockingScheduler if blocking else BackgroundScheduler)(timezone=UTC)
    scheduler.add_job(
        ticker.tick, CronTrigger(second=0, timezone=UTC), id="digests", name="send due digests",
        misfire_grace_time=int(ticker.grace.total_seconds()), coalesce=True, max_instances=1,
        # The first tick runs at start: it sends what came due while the bot was down (within the grace period).
        next_run_time=datetime.now(timezone.utc),
    )
    refresher = KeptRefresher(_teams_to_refresh(settings, engine), LeaderLock(engine, KEPT_LOCK))
    scheduler.add_job(
        refresher.tick, IntervalTrigger(seconds=int(KEPT_EVERY.total_seconds()), timezone=UTC),
        id="kept", name="refresh kept health and engagement tallies", coalesce=True, max_instances=1,
        next_run_time=datetime.now(timezone.utc),
    )
    return scheduler
