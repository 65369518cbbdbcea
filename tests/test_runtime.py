"""Runtime wiring: database pragmas, the health check, and how `run` picks its mode."""

from __future__ import annotations

import argparse
import socket
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session
from support import TEAM, UTC, WEDNESDAY, load_demo_at

from bot import cli
from bot.settings import load_settings
from bot.web import health
from store.clock import FixedClock
from store.db import make_engine, make_sessionmaker
from store.health import KEPT_EVERY
from store.models import EngagementCheckpoint, HealthCheckpoint
from store.schema import upgrade
from store.workspace import Workspace


def test_sqlite_runs_with_foreign_keys_and_wal(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_postgres_urls_use_psycopg3(database_url):
    engine = make_engine(database_url)
    assert engine.dialect.name in ("sqlite", "postgresql")
    if engine.dialect.name == "postgresql":
        assert engine.dialect.driver == "psycopg"


def test_postgres_sessions_run_in_utc_whatever_the_server_default(postgres_database_url):
    """slack_sdk's stores write naive UTC datetimes into timestamptz columns: PostgreSQL reads them in
    the session's zone, so the session must be in UTC even when the server's default is not."""
    from datetime import UTC, datetime

    from sqlalchemy.engine import make_url

    url = make_url(postgres_database_url)
    in_tokyo = url.update_query_dict({"options": f"{url.query['options']} -cTimeZone=Asia/Tokyo"})
    engine = make_engine(in_tokyo.render_as_string(hide_password=False))
    try:
        upgrade(engine)
        with engine.begin() as connection:
            assert connection.execute(text("SHOW TIME ZONE")).scalar() == "UTC"
            connection.execute(text("INSERT INTO slack_oauth_states (state, expire_at) VALUES ('s', :at)"),
                               {"at": datetime(2026, 12, 2, 9, 0)})  # naive, as slack_sdk writes it
            stored = connection.execute(text("SELECT expire_at FROM slack_oauth_states")).scalar()
        assert stored == datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    finally:
        engine.dispose()


def test_health_reports_ok_on_a_migrated_database(engine):
    status, document = health(engine)
    assert status == 200
    assert document["database"] == "reachable" and document["schema_up_to_date"] is True


def test_health_reports_503_when_the_database_is_unreachable():
    engine = make_engine("postgresql://nobody@127.0.0.1:1/nothing", connect_args={"connect_timeout": 1})
    status, document = health(engine)
    assert status == 503
    assert document["database"] == "unreachable"


def server_args() -> argparse.Namespace:
    return argparse.Namespace(port=None, host="127.0.0.1", workers=1, threads=2, no_scheduler=True)


def test_the_scheduler_ticks_every_minute_in_utc_with_the_grace_period_as_misfire_grace(tmp_path):
    from bot.scheduler import build_scheduler

    settings = load_settings(database_url=f"sqlite:///{tmp_path / 'd.db'}", slack_bot_token="xoxb-test",
                             delivery_digest_grace_minutes=90)
    scheduler = build_scheduler(settings, blocking=False)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {"digests", "kept"}
    job = jobs["digests"]
    assert str(job.trigger.timezone) == "UTC" and str(job.trigger).startswith("cron[")
    assert job.misfire_grace_time == 90 * 60 and job.coalesce and job.max_instances == 1
    kept = jobs["kept"]
    assert kept.trigger.interval == KEPT_EVERY and kept.coalesce and kept.max_instances == 1


def test_the_kept_job_refreshes_kept_health_each_tick_and_the_tallies_when_due(engine):
    from bot.scheduler import KeptRefresher
    from store.leader import KEPT_LOCK, LeaderLock

    load_demo_at(engine, WEDNESDAY)
    lock = LeaderLock(engine, KEPT_LOCK)
    for minutes, tallies_at in ((2, WEDNESDAY), (12, WEDNESDAY + timedelta(minutes=12))):
        at = WEDNESDAY + timedelta(minutes=minutes)
        workspace = Workspace(sessions=make_sessionmaker(engine), team_id=TEAM, clock=FixedClock(at), tz=UTC)
        try:
            KeptRefresher(lambda at_hand=workspace: [at_hand], lock).tick()
        finally:
            lock.release()
        with Session(engine) as session:
            assert session.get(HealthCheckpoint, TEAM).as_of == at
            assert session.get(EngagementCheckpoint, TEAM).as_of == tallies_at


def test_only_one_of_two_schedulers_leads_on_postgres_and_the_other_takes_over(database_url):
    from store.leader import LeaderLock

    engine = make_engine(database_url)
    first, second = LeaderLock(engine, key=91_000_001), LeaderLock(engine, key=91_000_001)
    try:
        assert first.acquire() is True
        if engine.dialect.name == "sqlite":
            assert second.acquire() is True, "SQLite is a single node: its scheduler always leads"
            return
        assert second.acquire() is False
        assert first.acquire() is True, "the leader keeps leading"
        first.release()
        assert second.acquire() is True
    finally:
        first.release()
        second.release()
        engine.dispose()


def test_run_uses_socket_mode_when_an_app_token_is_set(monkeypatch, fake_slack, tmp_path):
    started = {}

    class RecordingHandler:
        def __init__(self, app, app_token):
            started.update(app=app, token=app_token)

        def start(self):
            started["started"] = True

    monkeypatch.setattr("bot.socket_mode.SocketModeHandler", RecordingHandler)
    settings = load_settings(
        database_url=f"sqlite:///{tmp_path / 'd.db'}", slack_app_token="xapp-1-test", slack_bot_token="xoxb-test",
        slack_api_url=fake_slack.api_url,
    )
    assert cli.cmd_run(settings, server_args()) == 0
    assert started["token"] == "xapp-1-test" and started["started"]
    assert started["app"].client.base_url == fake_slack.api_url
    assert fake_slack.calls_to("auth.test"), "the app checked its token against SLACK_API_URL"


def test_run_serves_http_without_an_app_token(monkeypatch, tmp_path):
    served = {}
    monkeypatch.setattr("bot.server.serve", lambda settings, **options: served.update(options))
    settings = load_settings(database_url=f"sqlite:///{tmp_path / 'd.db'}", slack_bot_token="xoxb-test",
                             slack_signing_secret="s")
    assert cli.cmd_run(settings, server_args()) == 0
    assert served == {"host": "127.0.0.1", "port": 3000, "workers": 1, "threads": 2}


def test_socket_mode_needs_a_bot_token(tmp_path):
    settings = load_settings(database_url=f"sqlite:///{tmp_path / 'd.db'}", slack_app_token="xapp-1-test")
    with pytest.raises(cli.SettingsError, match="SLACK_BOT_TOKEN is not set"):
        cli.cmd_run(settings, server_args())


def test_the_app_starts_when_slack_cannot_be_reached_and_checks_its_token_on_the_first_request(
        fake_slack, tmp_path, caplog):
    """A replica started during a network blip must come up (its health check is the database's);
    Bolt then calls auth.test on the first request instead of at start-up."""
    from slack_bolt.request import BoltRequest

    from bot.app import SlackCredentials, create_app
    from bot.local import signed_headers, slash_command_form

    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    unreachable = f"http://127.0.0.1:{closed.getsockname()[1]}/api/"  # bound, never listening: refused
    try:
        settings = load_settings(database_url=f"sqlite:///{tmp_path / 'd.db'}", slack_api_url=unreachable)
        app = create_app(settings, SlackCredentials(bot_token="xoxb-test", signing_secret="s"),
                         engine=make_engine(settings.database_url))
    finally:
        closed.close()
    assert "could not reach Slack" in caplog.text and "checked on the first request" in caplog.text

    app.client.base_url = fake_slack.api_url  # Slack is back
    body = slash_command_form(text="help", user_id="U0RYAN", team_id="T0ACME")
    response = app.dispatch(BoltRequest(body=body.decode(), headers=signed_headers("s", body)))
    assert response.status == 200
    assert len(fake_slack.calls_to("auth.test")) == 1


@pytest.mark.parametrize("busy_after, graceful", [(10, 20), (5, 20), (45, 90)])
def test_a_stopping_worker_has_twice_the_busy_limit_to_finish_queued_work(fake_slack, tmp_path, busy_after, graceful):
    from bot.server import DeliveryServer

    settings = load_settings(database_url=f"sqlite:///{tmp_path / 'd.db'}", slack_bot_token="xoxb-test",
                             slack_signing_secret="s", slack_api_url=fake_slack.api_url,
                             delivery_busy_after_seconds=busy_after)
    server = DeliveryServer(settings, host="127.0.0.1", port=0, workers=1, threads=2)
    assert server.cfg.graceful_timeout == graceful and server.cfg.keepalive == 75
