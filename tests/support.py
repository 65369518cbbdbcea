"""Constants and helpers shared by the tests (fixtures live in conftest.py)."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import TypeVar
from zoneinfo import ZoneInfo

from alembic import command
from alembic.config import Config
from sqlalchemy import select
from sqlalchemy.orm import Session

from store.context import QueryContext
from store.db import make_sessionmaker
from store.demo import load_demo
from store.health import refresh_kept
from store.health.rules import HealthThresholds
from store.models import Person
from store.schema import MIGRATIONS

T = TypeVar("T")
POSTGRES_ENV = "DELIVERY_TEST_POSTGRES_URL"
TEAM = "T0ACME"
UTC = ZoneInfo("UTC")
# A Wednesday afternoon: the demo's week is half gone.
WEDNESDAY = datetime(2026, 11, 18, 15, 0, tzinfo=timezone.utc)


def postgres_url() -> str | None:
    return os.environ.get(POSTGRES_ENV) or None


def load_demo_at(engine, now: datetime, tz: ZoneInfo = UTC, team_id: str = TEAM, force: bool = False):
    """Load the demo, then refresh its engagement tallies and kept health as the CLI and the scheduler
    do: answers within an hour of `now` read the tallies, and answers later the same day and in the
    same time zone read kept health; others count and assess from the rows (both paths are tested)."""
    with Session(engine) as session, session.begin():
        loaded = load_demo(session, team_id=team_id, now=now, tz=tz, force=force)
    assert refresh_kept(make_sessionmaker(engine), QueryContext(team_id, now, tz, HealthThresholds()))
    return loaded


def downgrade_to(engine, revision: str) -> None:
    """Take the database's schema back to `revision` (Alembic's downgrade, in one transaction)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def demo_people(engine, team_id: str = TEAM) -> dict[str, int]:
    """The demo's people's ids by their short key: {"ryan": 1, "bill": 2, …}."""
    with Session(engine) as session:
        return {key.removeprefix("demo-person-"): pid for key, pid in session.execute(
            select(Person.key, Person.id).where(Person.team_id == team_id))}


def run_together(work: Callable[[int], T], count: int, timeout: float = 60) -> list[T | BaseException]:
    """`work(0)` … `work(count - 1)` in threads started together: what each returned, or raised."""
    results: list[T | BaseException | None] = [None] * count

    def run(n: int) -> None:
        try:
            results[n] = work(n)
        except BaseException as failure:
            results[n] = failure

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return [TimeoutError("still running") if r is None else r for r in results]


def assert_refresh_waits_for_writer(engine, monkeypatch, module, *, change: Callable[[Session], object],
                                    refresh: Callable[[datetime], bool], checkpoint: Callable[[], datetime | None]
                                    ) -> None:
    """PostgreSQL: a refresh of kept tallies (`module`'s, counted as of WEDNESDAY) never runs while a writer
    of what they count has not committed (`change`, left open): it gives up after its lock wait and changes
    nothing, or waits for the commit and then counts the change."""
    monkeypatch.setattr(module, "LOCK_WAIT", "300ms")
    writer = Session(engine)
    writer.begin()
    change(writer)
    try:
        # The writer has not committed: a refresh now could not see its change, so it must not happen.
        assert refresh(WEDNESDAY + timedelta(minutes=1)) is False
        assert checkpoint() == WEDNESDAY, "a refresh that could not run changes nothing"
        done = threading.Event()
        monkeypatch.setattr(module, "LOCK_WAIT", "10s")
        waiting = threading.Thread(target=lambda: (refresh(WEDNESDAY), done.set()))
        waiting.start()
        assert not done.wait(0.5), "the refresh must wait for the writer"
        writer.commit()
        waiting.join(10)
        assert done.is_set()
    finally:
        writer.close()
    assert checkpoint() == WEDNESDAY
