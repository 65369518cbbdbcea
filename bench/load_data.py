"""The load benchmark's database: a generated portfolio to serve, what the clients click, and the
check afterwards that every acknowledged click changed the database exactly once."""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from benchlib import scratch_postgres
from sqlalchemy import Engine, text

from handlers.after_ack import BUSY_CHANGE_TEXT
from store.db import make_engine
from store.demo.synthetic import load_synthetic
from store.schema import upgrade

TEAM = "T0ACME"  # the fake Slack's team, and the team `delivery-bot demo` loads


def _generate(url: str, services: int) -> None:
    engine = make_engine(url)
    try:
        upgrade(engine)
        started = time.perf_counter()
        load_synthetic(engine, team_id=TEAM, now=datetime.now(UTC), tz=UTC, services=services)
        print(f"  generated {services:,} services in {time.perf_counter() - started:.1f} s", flush=True)
    finally:
        engine.dispose()


@contextmanager
def prepared_database(args: argparse.Namespace, folder: Path) -> Iterator[str]:
    if args.database == "postgres":
        server = os.environ.get("DELIVERY_TEST_POSTGRES_URL")
        if not server:
            sys.exit("--database postgres needs DELIVERY_TEST_POSTGRES_URL")
        with scratch_postgres(server) as url:
            _generate(url, args.services)
            yield url
        return
    work = folder / "load.db"
    if args.sqlite_cache:
        if not args.sqlite_cache.exists():
            _generate(f"sqlite:///{args.sqlite_cache}", args.services)
        shutil.copyfile(args.sqlite_cache, work)
        print(f"  copied {args.sqlite_cache} ({args.sqlite_cache.stat().st_size / 1e6:.0f} MB)", flush=True)
    else:
        _generate(f"sqlite:///{work}", args.services)
    url = f"sqlite:///{work}"
    engine = make_engine(url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    yield url


@dataclass(frozen=True)
class Target:
    deliverable_id: int
    service_id: int
    version: int
    status: str
    actor: str  # the owner's Slack id: allowed to move it


@dataclass
class Fixtures:
    services: int
    targets: list[Target]
    labels: list[str]  # "<customer> <service>" for `status <service>`
    users: list[str]


def fixtures(engine: Engine, rng: random.Random) -> Fixtures:
    with engine.connect() as c:
        services = c.execute(text("SELECT count(*) FROM services WHERE team_id = :t"), {"t": TEAM}).scalar_one()
        if services == 0:
            sys.exit(f"the database holds no services for team {TEAM}")
        rows = c.execute(text(
            "SELECT d.id, d.service_id, d.version, d.status, p.slack_user_id FROM deliverables d "
            "JOIN people p ON p.id = d.owner_id WHERE d.team_id = :t AND p.slack_user_id IS NOT NULL "
            "AND d.status IN ('not_started', 'in_progress') ORDER BY d.id"), {"t": TEAM}).all()
        labels = c.execute(text(
            "SELECT c.name || ' ' || s.name FROM services s JOIN customers c ON c.id = s.customer_id "
            "WHERE s.team_id = :t ORDER BY s.id"), {"t": TEAM}).scalars().all()
        users = c.execute(text(
            "SELECT slack_user_id FROM people WHERE team_id = :t AND slack_user_id IS NOT NULL ORDER BY id"),
            {"t": TEAM}).scalars().all()
    targets = [Target(*row) for row in rows]
    rng.shuffle(targets)
    return Fixtures(services, targets, rng.sample(labels, min(500, len(labels))), list(users))


@dataclass(frozen=True)
class Snapshot:
    deliverables: dict[int, tuple[str, int]]
    services: dict[int, int]
    tickets: dict[int, int]
    last_change_id: int
    changes: int


def snapshot(engine: Engine) -> Snapshot:
    with engine.connect() as c:
        def versions(table: str) -> dict[int, int]:
            return dict(c.execute(text(f"SELECT id, version FROM {table} WHERE team_id = :t"), {"t": TEAM}).all())
        deliverables = {i: (s, v) for i, s, v in c.execute(text(
            "SELECT id, status, version FROM deliverables WHERE team_id = :t"), {"t": TEAM}).all()}
        last, count = c.execute(text("SELECT coalesce(max(id), 0), count(*) FROM status_changes")).one()
        return Snapshot(deliverables, versions("services"), versions("tickets"), last, count)


def check_changes(engine: Engine, before: Snapshot, load) -> tuple[list[str], dict]:
    """Every acknowledged click applied exactly once; unacknowledged ones at most once; nothing else."""
    after = snapshot(engine)
    with engine.connect() as c:
        rows = c.execute(text(
            "SELECT object_type, object_id, field, from_value, to_value, changed_by_slack_user_id "
            "FROM status_changes WHERE id > :last"), {"last": before.last_change_id}).all()
    audit: dict[int, list] = defaultdict(list)
    problems: list[str] = []
    for row in rows:
        if row.object_type != "deliverable":
            problems.append(f"unexpected audit row for {row.object_type} {row.object_id}")
        else:
            audit[row.object_id].append(row)
    by_id = {c.target.deliverable_id: c for c in load.clicks}
    with load.fake.lock:
        told_busy = {name for name, posts in load.fake.posts.items()
                     if any(BUSY_CHANGE_TEXT in text for _, text in posts)}
    stats = Counter()
    for click in load.clicks:
        t = click.target
        status, version = after.deliverables[t.deliverable_id]
        rows_for = audit.get(t.deliverable_id, [])
        acked = any(s == 200 for s in click.statuses)
        applied = (status, version) == (click.expected, t.version + 1)
        unchanged = (status, version) == (t.status, t.version)
        stats["clicks"] += 1
        stats["double clicks"] += len(click.names) > 1
        if acked:
            stats["acknowledged clicks"] += 1
            acked_names = [name for name, s in zip(click.names, click.statuses, strict=True) if s == 200]
            if unchanged and not rows_for and all(name in told_busy for name in acked_names):
                stats["refused as busy, nothing changed"] += 1
                continue
            if not applied or len(rows_for) != 1:
                kind = "lost" if unchanged and not rows_for else "doubled" if len(rows_for) > 1 else "wrong"
                stats[f"{kind} changes"] += 1
                problems.append(f"{kind} change: deliverable {t.deliverable_id} {t.status} v{t.version} "
                                f"--{click.move.value}--> now {status} v{version}, {len(rows_for)} audit rows, "
                                f"answers {click.statuses}")
                continue
            row = rows_for[0]
            if (row.field, row.from_value, row.to_value, row.changed_by_slack_user_id) != (
                    "status", t.status, click.expected, t.actor):
                stats["wrong audit rows"] += 1
                problems.append(f"wrong audit row for deliverable {t.deliverable_id}: {tuple(row)}")
            else:
                stats["applied exactly once"] += 1
        else:
            stats["unacknowledged clicks"] += 1
            if applied and len(rows_for) == 1:
                stats["unacknowledged, applied once"] += 1
            elif not (unchanged and not rows_for):
                stats["wrong changes"] += 1
                problems.append(f"unacknowledged click on deliverable {t.deliverable_id} left it {status} v{version} "
                                f"with {len(rows_for)} audit rows")
    for deliverable_id, state in after.deliverables.items():
        if state != before.deliverables.get(deliverable_id) and deliverable_id not in by_id:
            problems.append(f"deliverable {deliverable_id} changed without a click: "
                            f"{before.deliverables.get(deliverable_id)} -> {state}")
    for deliverable_id in audit:
        if deliverable_id not in by_id:
            problems.append(f"audit rows for deliverable {deliverable_id}, which nobody clicked")
    if after.services != before.services:
        problems.append("services changed")
    if after.tickets != before.tickets:
        problems.append("tickets changed")
    stats["new audit rows"] = len(rows)
    return problems, dict(stats)
