"""Several replicas on one PostgreSQL: a click applies once, a digest posts once.

Production runs several `delivery-bot serve` replicas behind a load balancer and one or two
`delivery-bot scheduler` processes, all on one PostgreSQL database (docs/deploy.md). These tests
run exactly that, as real subprocesses against the fake Slack Web API:

- identical clicks on one deliverable, spread over two replicas and released together, change it
  once, write one audit row, and tell every other clicker who changed it;
- two schedulers post a due digest once (the advisory leader lock), and two processes running
  the same due digests at the same instant post once (the ledger's unique key).

PostgreSQL only: SQLite is one file on one machine, so it has no replicas.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests
from conftest import temporary_database
from served_app import SIGNING_SECRET, app_environment, served, stop_process
from served_demo import overflow_click, row_menu
from slack_signing import FORM_CONTENT_TYPE, signed_headers, slash_command_body
from sqlalchemy import create_engine, delete, func, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from support import POSTGRES_ENV, load_demo_at, postgres_url, run_together

from bot.app import single_workspace, web_client
from bot.settings import load_settings
from digests import runner
from store.clock import FixedClock
from store.db import make_engine, normalise_url
from store.digests import subscribe
from store.enums import DeliverableStatus
from store.models import Deliverable, DigestDelivery, DigestSubscription, Person, StatusChange
from store.schema import upgrade

pytestmark = [pytest.mark.postgres, pytest.mark.skipif(
    postgres_url() is None,
    reason=f"{POSTGRES_ENV} is not set: replicas share one PostgreSQL database (SQLite has no replicas)",
)]

CLICKS = 12  # identical clicks, half through each replica
ACK_WITHIN = 3.0  # seconds: Slack's deadline for acknowledging an interaction
DELIVERABLE = "Fleet Tracking Build deliverable 5"
CLICKER = "U0RYAN"  # Orion Logistics' lead: may complete its deliverables
DIGEST_CHANNEL = "C0REPLICAS"
NEW_YORK = ZoneInfo("America/New_York")


# -- databases -----------------------------------------------------------------


@contextmanager
def own_postgres_database(folder: Path) -> Iterator[str]:
    """A fresh PostgreSQL database of its own, dropped afterwards.

    The scheduler's advisory lock is database-wide, not per schema: in the shared test database
    another test run's scheduler could hold it. Falls back to a schema in the shared database
    when the server refuses CREATE DATABASE.
    """
    server = normalise_url(postgres_url())
    name = f"t_replicas_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception:
        admin.dispose()
        with temporary_database("postgresql", folder) as url:
            yield url
        return
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def demo_database(url: str, now: datetime):
    engine = make_engine(url)
    upgrade(engine)
    load_demo_at(engine, now)
    return engine


# -- test 1: concurrent clicks through two replicas -------------------------------------------


def post(base: str, body: bytes) -> requests.Response:
    headers = signed_headers(SIGNING_SECRET, body, content_type=FORM_CONTENT_TYPE)
    return requests.post(f"{base}/slack/events", data=body, headers=headers, timeout=10)


def click_option(menu: dict, block_id: str, label: str, *, user: str, response_url: str) -> bytes:
    """block_actions choosing `label` in a row menu of an ephemeral answer, as Slack sends it."""
    (chosen,) = [o for o in menu["options"] if o["text"]["text"] == label]
    return overflow_click(menu, block_id, chosen, user=user, response_url=response_url)


@pytest.fixture(scope="module")
def replicas(slack, tmp_path_factory):
    """Two `delivery-bot serve` processes over one PostgreSQL database holding the demo."""
    with temporary_database("postgresql", tmp_path_factory.mktemp("replicas")) as url:
        engine = demo_database(url, datetime.now(timezone.utc))
        try:
            with ExitStack() as stack:
                bases = [stack.enter_context(served(url, slack.api_url)) for _ in range(2)]
                yield bases, engine
        finally:
            engine.dispose()


def test_identical_clicks_through_two_replicas_apply_once_and_the_others_are_told_who(replicas, slack, clean_slack):
    (first, second), engine = replicas
    card = post(first, slash_command_body("status Orion Logistics", user_id=CLICKER, user_name="ryan")).json()
    menu, block_id = row_menu(card, DELIVERABLE)
    with Session(engine) as session:
        target = session.scalars(select(Deliverable).where(Deliverable.name == DELIVERABLE)).one()
    assert target.status != DeliverableStatus.COMPLETE

    bodies = [click_option(menu, block_id, "Complete", user=CLICKER, response_url=slack.response_url(f"click{n}"))
              for n in range(CLICKS)]
    start = threading.Barrier(CLICKS)
    answers: list[tuple[int, float] | BaseException] = [None] * CLICKS  # type: ignore[list-item]

    def click(n: int) -> None:
        try:
            start.wait(timeout=10)
            began = time.monotonic()
            status = post((first, second)[n % 2], bodies[n]).status_code
            answers[n] = (status, time.monotonic() - began)
        except BaseException as failure:  # reported below, not lost in the thread
            answers[n] = failure

    threads = [threading.Thread(target=click, args=(n,)) for n in range(CLICKS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert all(isinstance(a, tuple) for a in answers), answers
    assert [status for status, _ in answers] == [200] * CLICKS
    slowest = max(seconds for _, seconds in answers)
    assert slowest < ACK_WITHIN, f"the slowest click was acknowledged after {slowest:.2f} s"

    # The winner's message is redrawn; every other clicker is told, and their message redrawn too.
    calls = slack.wait_for("response_url", count=2 * CLICKS - 1, timeout=20)
    by_click = {f"click{n}": [c for c in calls if c.name == f"click{n}"] for n in range(CLICKS)}
    told = {name: [c.params["text"] for c in got if c.params.get("replace_original") is False]
            for name, got in by_click.items()}
    winners = [name for name, texts in told.items() if not texts]
    assert len(winners) == 1, f"exactly one click should apply, not {winners}"
    (winner,) = winners
    assert len(by_click[winner]) == 1 and by_click[winner][0].params["replace_original"] is True
    for name, texts in told.items():
        if name == winner:
            continue
        assert len(texts) == 1 and texts[0].startswith(f"Already marked Complete by <@{CLICKER}>"), (name, texts)
        assert "Nothing was changed" in texts[0]
        assert [c.params["replace_original"] for c in by_click[name]].count(True) == 1
    redrawn = json.dumps(by_click[winner][0].params["blocks"], ensure_ascii=False)
    assert f"Completed by <@{CLICKER}>" in redrawn and f"{DELIVERABLE} · " in redrawn

    with Session(engine) as session:
        after = session.get(Deliverable, target.id)
        assert after.status == DeliverableStatus.COMPLETE
        assert after.version == target.version + 1, "changed exactly once"
        audit = session.scalars(select(StatusChange).where(
            StatusChange.object_type == "deliverable", StatusChange.object_id == target.id,
            StatusChange.to_value == DeliverableStatus.COMPLETE.value)).all()
    assert len(audit) == 1 and audit[0].changed_by_slack_user_id == CLICKER
    time.sleep(0.3)
    assert len(slack.calls_to("response_url")) == 2 * CLICKS - 1, "no late duplicate replies"


# -- test 2: digests post once ------------------------------------------------------------------


def only_subscription(engine, *, at: datetime) -> str:
    """Leave one subscription, due at the minute of `at` (UTC, daily), and no personal digests."""
    with Session(engine) as session, session.begin():
        session.execute(delete(DigestSubscription))
        session.execute(update(Person).values(personal_digest=False))
    workspace = single_workspace(load_settings(), engine, FixedClock(at))
    made = workspace.change(subscribe, digest="at-risk", channel_id=DIGEST_CHANNEL, at_time=at.strftime("%H:%M"),
                            days="daily", timezone="UTC", all_clear=True)
    return made.key


def ledger(engine) -> list[tuple[str, str, str]]:
    with Session(engine) as session:
        return list(session.execute(select(DigestDelivery.subscription_key, DigestDelivery.period,
                                           DigestDelivery.status).order_by(DigestDelivery.id)))


@contextmanager
def scheduler_process(url: str, api_url: str, log: Path) -> Iterator[subprocess.Popen]:
    with log.open("w") as out:
        process = subprocess.Popen([sys.executable, "-m", "bot.cli", "scheduler"],
                                   env={**app_environment(url, api_url), "LOG_LEVEL": "INFO"},
                                   stdout=out, stderr=subprocess.STDOUT, text=True)
        try:
            yield process
        finally:
            stop_process(process, timeout=10)


def wait_until(condition, timeout: float, what: str, processes: list[subprocess.Popen], logs: list[Path]) -> None:
    """Poll `condition`; fail with the schedulers' logs on timeout or when one of them exits."""
    deadline = time.monotonic() + timeout
    while not condition():
        exited = [p.returncode for p in processes if p.poll() is not None]
        if exited or time.monotonic() > deadline:
            shown = "\n".join(f"--- {log.name}\n{log.read_text()}" for log in logs)
            why = f"a scheduler exited with {exited[0]}" if exited else f"not within {timeout} s"
            raise AssertionError(f"{what}: {why}; scheduler logs:\n{shown}")
        time.sleep(0.1)


def ticked(log: Path) -> bool:
    """APScheduler logs 'Job "send due digests (...)" executed successfully' after each tick."""
    return any('"send due digests' in line and "executed successfully" in line for line in log.read_text().splitlines())


def test_two_scheduler_processes_post_a_due_digest_once(fake_slack, tmp_path):
    with own_postgres_database(tmp_path) as url:
        now = datetime.now(timezone.utc)
        engine = demo_database(url, now)
        try:
            key = only_subscription(engine, at=now)
            logs = [tmp_path / "scheduler-1.log", tmp_path / "scheduler-2.log"]
            with scheduler_process(url, fake_slack.api_url, logs[0]) as one, \
                    scheduler_process(url, fake_slack.api_url, logs[1]) as two:
                wait_until(lambda: fake_slack.calls_to("chat.postMessage"), 60, "the digest was not posted",
                           [one, two], logs)
                # Both have finished a tick (the first runs at start): the second had its chance to post.
                wait_until(lambda: all(ticked(log) for log in logs), 30, "both schedulers did not tick",
                           [one, two], logs)
                texts = [log.read_text() for log in logs]
            posts = fake_slack.calls_to("chat.postMessage")
            digests = [p for p in posts if p.params["channel"] == DIGEST_CHANNEL]
            assert len(digests) == 1 and digests[0].params["text"], "posted once, by one scheduler"
            # The same ticks warn of the demo's tickets past their SLA thresholds (by DM): each once too.
            warnings = [(p.params["channel"], p.params["text"]) for p in posts if p.params["channel"] != DIGEST_CHANNEL]
            assert len(warnings) == len(set(warnings)), warnings
            # Both send (sharing the claims); the refresh that must run once has one leader.
            assert sum("now the one refreshing kept health and tallies" in t for t in texts) == 1, texts
            (row,) = ledger(engine)
            assert row[0] == key and row[2] == "sent"
        finally:
            engine.dispose()


def test_two_processes_running_due_digests_at_the_same_instant_post_each_once(
        postgres_database_url, fake_slack, monkeypatch):
    """The ledger alone, without the leader lock: both runners see the same digests due, then race to claim."""
    at = datetime(2026, 11, 23, 8, 31, tzinfo=NEW_YORK).astimezone(timezone.utc)  # at-risk (08:30) is due
    setup = make_engine(postgres_database_url)
    upgrade(setup)
    load_demo_at(setup, at - timedelta(minutes=1), NEW_YORK)
    setup.dispose()

    found_due = threading.Barrier(2)
    real_due_digests = runner.due_digests

    def due_digests_then_wait(workspace, moment):
        due = real_due_digests(workspace, moment)
        found_due.wait(timeout=20)  # neither claims before both have decided what is due
        return due

    monkeypatch.setattr(runner, "due_digests", due_digests_then_wait)
    engines = [make_engine(postgres_database_url) for _ in range(2)]
    settings = load_settings(slack_api_url=fake_slack.api_url, delivery_timezone="America/New_York")
    try:
        reports = run_together(lambda n: runner.run_due(web_client(settings, "xoxb-test"), single_workspace(
            settings, engines[n], FixedClock(at)), at=at), 2)
    finally:
        for engine in engines:
            engine.dispose()
    assert all(isinstance(r, runner.RunReport) for r in reports), reports
    sent = reports[0].sent + reports[1].sent
    assert any(label.startswith("at-risk -> C0OPS") for label in sent)
    assert len(sent) == len(set(sent)), f"a digest was sent twice: {sent}"
    assert sorted(sent + reports[0].empty + reports[1].empty) == sorted(reports[0].taken + reports[1].taken), \
        "each digest one runner handled, the other found already taken"
    posts = [c.params["channel"] for c in fake_slack.calls_to("chat.postMessage")]
    assert len(posts) == len(sent) and len(set(posts)) == len(posts), posts
    check = make_engine(postgres_database_url)
    try:
        with Session(check) as session:
            rows = session.execute(select(DigestDelivery.subscription_key, DigestDelivery.period,
                                          func.count()).group_by(DigestDelivery.subscription_key,
                                                                 DigestDelivery.period)).all()
    finally:
        check.dispose()
    assert rows and all(count == 1 for _, _, count in rows)
