"""Benchmark: the morning fan-out, every due digest posted by `delivery-bot digest run-due` at N services.

Why: the issue's targets are that at 10,000 services (about 3,300 people) a scheduled run posts the
channel digests within 10 s of its start and every personal digest within 60 s with one scheduler
(in about half that with two sharing the ledger); that with a workspace-wide limit it posts within
5% of the limit and waits out every 429 (nothing failed); and that a scheduler stays under 200 MB.

How: per database, `delivery-bot demo --services N --quiet` generates the portfolio. Every person
then gets the personal digest (a Slack user id, `personal_digest` on, `slack_tz` the org's time zone,
so all are due at the same instant) and three channels subscribe to the at-risk and overdue-tickets
digests at 08:30 on weekdays, all clear (so they always post). Each case empties the ledger
(`digest_deliveries`, `posted_messages`, `posted_message_objects`), starts the test suite's fake
Slack in a process of its own (bench/fake_slack_server.py: every call answered 100 ms late, and in
the limited case 429 + Retry-After beyond R posts a second) and runs `delivery-bot digest run-due
--at <the last weekday 08:30 before now>` in one or two subprocesses started together. The fake
records when it answered each post (CLOCK_MONOTONIC, comparable across processes on Linux); the
ledger's ts tells which digest each post was; `os.wait4` gives each scheduler's peak resident memory.

Cases: SQLite with one scheduler; PostgreSQL with one, then two; then, on each database, one
scheduler with the limit on (the fake's limit R, and `DELIVERY_POSTS_PER_SECOND` a little under it,
`--pace` × R, as docs/deploy.md advises).

Run with `.venv/bin/python bench/fanout_bench.py [--sizes 10000] [--databases sqlite,postgresql]
[--rate 50] [--latency 0.1] [--write]`. PostgreSQL runs in its own database (`--postgres-url`, whose
name must start with bench_fanout), created and dropped here through the server's `postgres`
database. `--write` rewrites this benchmark's section of bench/results.md.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as time_of_day
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from benchlib import RESULTS, machine_line, write_section
from fake_slack_server import FakeSlackProcess, on_cpus
from served_app import app_environment
from sqlalchemy import Engine, String, cast, create_engine, delete, func, literal, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from store.db import make_engine, normalise_url
from store.enums import DeliveryStatus
from store.models import (
    DeliverableSnooze,
    DigestDelivery,
    DigestSubscription,
    EscalationStep,
    Person,
    PostedMessage,
    PostedMessageObject,
    SlipWarning,
    TicketWarning,
)

TEAM = "T0ACME"
ORG_TZ = "UTC"
BOT_TOKEN = "xoxb-test"
CHANNELS = ("C0FANOUT1", "C0FANOUT2", "C0FANOUT3")
CHANNEL_DIGESTS = ("at-risk", "overdue-tickets")
PERSONAL = "personal"
DUE_AT = time_of_day(8, 30)
BEGIN, END = "<!-- fanout:begin -->", "<!-- fanout:end -->"
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_fanout"
NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
# The targets.
CHANNELS_WITHIN = 10.0
DMS_WITHIN = 60.0
TWO_SCHEDULERS_SHARE = 0.6  # "about half": the two schedulers' last DM by at most 0.6 of one's
RATE_WITHIN = 0.05
MEMORY_UNDER_MB = 200.0
# An untimed tick this long before the digests are due (the scheduler's tick before theirs) posts what a
# tick posts besides them.
WARM_UP_BEFORE = timedelta(minutes=1)
WARM_UP_TICKS = 12


@dataclass(frozen=True)
class Case:
    label: str
    schedulers: int
    limited: bool


ONE = Case("one scheduler, no limit", 1, False)
TWO = Case("two schedulers, no limit", 2, False)
LIMITED = Case("one scheduler, limit on", 1, True)
CASES = {"sqlite": (ONE, LIMITED), "postgresql": (ONE, TWO, LIMITED)}


@dataclass(frozen=True)
class Finished:
    """One scheduler process: its exit, when it exited (seconds after the run began), its peak memory."""

    exit_code: int
    seconds: float
    peak_mb: float
    stdout: str
    stderr: str

    @property
    def summary(self) -> str:
        return next((line for line in self.stdout.splitlines() if " sent, " in line), "(no summary line)")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000", help="comma-separated service counts")
    parser.add_argument("--databases", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
    parser.add_argument("--rate", type=float, default=50, help="the workspace limit R of the limited case "
                        "(posts a second, the fake's and DELIVERY_POSTS_PER_SECOND)")
    parser.add_argument("--pace", type=float, default=0.96,
                        help="DELIVERY_POSTS_PER_SECOND as a share of R in the limited case: a little under the "
                             "limit, as docs/deploy.md advises (posts leave exactly 1/rate apart; jitter bunches some)")
    parser.add_argument("--latency", type=float, default=0.1, help="seconds the fake Slack takes to answer a call")
    parser.add_argument("--senders", type=int, default=None, help="DELIVERY_DIGEST_SENDERS (default: the product's)")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES,
                        help="the PostgreSQL database to create, use and drop (its name must start with bench_fanout)")
    parser.add_argument("--timeout", type=float, default=900, help="stop a scheduler still running after this long")
    parser.add_argument("--separate-cpus", action="store_true",
                        help="keep the fake Slack on CPU 0 and the schedulers on the others, as if Slack ran "
                             "on machines of its own")
    parser.add_argument("--only-limited", action="store_true", help="run the limited case only")
    parser.add_argument("--write", action="store_true", help="rewrite this benchmark's section of bench/results.md")
    args = parser.parse_args()
    args.sizes = [int(size) for size in args.sizes.split(",")]
    args.databases = [name.strip() for name in args.databases.split(",") if name.strip()]
    unknown = set(args.databases) - set(CASES)
    if unknown:
        parser.error(f"unknown database(s) {', '.join(sorted(unknown))}; use sqlite and/or postgresql")
    return args


def due_instant(now: datetime) -> datetime:
    """The most recent weekday 08:30 in the org's time zone at or before `now`."""
    zone = ZoneInfo(ORG_TZ)
    day = now.astimezone(zone).date()
    while True:
        at = datetime.combine(day, DUE_AT, tzinfo=zone)
        if at.weekday() < 5 and at <= now:
            return at
        day -= timedelta(days=1)


# -- the database -------------------------------------------------------------


@contextmanager
def postgres_database(url: str) -> Iterator[str]:
    """A fresh database named by `url`, created (dropped first if a last run left it) and dropped
    afterwards through the server's `postgres` database; no other database is touched."""
    target = make_url(normalise_url(url))
    name = target.database or ""
    if not name.startswith("bench_fanout"):
        raise SystemExit(f"refusing to create and drop the database {name!r}: its name must start with bench_fanout")
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")

    def run(statement: str) -> None:
        with admin.connect() as connection:
            connection.execute(text(statement))

    run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    run(f'CREATE DATABASE "{name}"')
    try:
        yield target.render_as_string(hide_password=False)
    finally:
        run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@contextmanager
def fresh_database(kind: str, size: int, folder: Path, args: argparse.Namespace) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{folder / f'fanout-{size}.db'}"
        return
    with postgres_database(args.postgres_url) as url:
        yield url


def scheduler_env(url: str, api_url: str, posts_per_second: float, args: argparse.Namespace) -> dict[str, str]:
    """What a `delivery-bot` subprocess needs (tests/served_app.py), with no DELIVERY_* setting of this shell's."""
    env = {k: v for k, v in app_environment(url, api_url).items() if not k.startswith("DELIVERY_")}
    env.update(SLACK_BOT_TOKEN=BOT_TOKEN, DELIVERY_TEAM_ID=TEAM, DELIVERY_TIMEZONE=ORG_TZ,
               DELIVERY_POSTS_PER_SECOND=f"{posts_per_second:g}")
    if args.senders:
        env["DELIVERY_DIGEST_SENDERS"] = str(args.senders)
    return env


def generate(url: str, size: int, args: argparse.Namespace) -> float:
    """`delivery-bot demo --services N --quiet` (it also upgrades the schema); seconds it took."""
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "bot.cli", "demo", "--services", str(size), "--quiet"], cwd=ROOT,
                   env=scheduler_env(url, "http://127.0.0.1:9/api/", 0, args), check=True)
    return time.monotonic() - started


def prepare(engine: Engine) -> list[str]:
    """Everyone gets the personal digest at the org's 08:30; the channels subscribe to theirs, all clear.
    The Slack user ids of the people, each due one DM."""
    now = datetime.now(UTC)
    with Session(engine) as session, session.begin():
        session.execute(update(Person).where(Person.team_id == TEAM, Person.slack_user_id.is_(None))
                        .values(slack_user_id=literal("U0FAN") + cast(Person.id, String)))
        session.execute(update(Person).where(Person.team_id == TEAM).values(personal_digest=True, slack_tz=ORG_TZ))
        session.execute(delete(DigestSubscription).where(DigestSubscription.team_id == TEAM))
        session.add_all(DigestSubscription(team_id=TEAM, digest=digest, channel_id=channel, at_time="08:30",
                                           days="weekdays", timezone=ORG_TZ, all_clear=True, created_at=now)
                        for channel in CHANNELS for digest in CHANNEL_DIGESTS)
        users = session.scalars(select(Person.slack_user_id).where(Person.team_id == TEAM)).all()
    return sorted(u for u in users if u is not None)


def empty_ledger(engine: Engine) -> None:
    """Forget every delivery and remembered message, so the same digests are due again."""
    with engine.begin() as connection:
        for model in (PostedMessageObject, PostedMessage, DigestDelivery):
            connection.execute(delete(model))
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE digest_deliveries, posted_messages, posted_message_objects"))


def ledger_rows(engine: Engine) -> list[tuple[str, str, str, str | None]]:
    """(digest, channel, status, ts) of every delivery in the ledger."""
    with engine.connect() as connection:
        query = select(DigestDelivery.digest, DigestDelivery.channel_id, DigestDelivery.status, DigestDelivery.ts)
        return [tuple(row) for row in connection.execute(query)]


# -- the run --------------------------------------------------------------------


def run_schedulers(count: int, env: dict[str, str], at: datetime, folder: Path,
                   timeout: float, cpus: set[int] | None) -> tuple[float, list[Finished]]:
    """Start `count` `digest run-due` processes together; wait for each (os.wait4, for its peak
    memory). The monotonic time the run began, and how each ended."""
    command = [sys.executable, "-m", "bot.cli", "digest", "run-due", "--at", at.isoformat()]
    logs = [(folder / f"scheduler-{i}.out", folder / f"scheduler-{i}.err") for i in range(count)]
    ended: list[tuple[int, float, float] | None] = [None] * count
    started = time.monotonic()
    processes = []
    for out, err in logs:
        with open(out, "w") as stdout, open(err, "w") as stderr:
            processes.append(subprocess.Popen(command, cwd=ROOT, env=env, stdout=stdout, stderr=stderr,
                                              preexec_fn=on_cpus(cpus)))

    def reap(index: int, process: subprocess.Popen) -> None:
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        ended[index] = (process.returncode, time.monotonic() - started, usage.ru_maxrss / 1024)  # KB on Linux

    waiters = [threading.Thread(target=reap, args=(i, p), daemon=True) for i, p in enumerate(processes)]
    for waiter in waiters:
        waiter.start()
    for waiter, process in zip(waiters, processes, strict=True):
        waiter.join(max(0.0, started + timeout - time.monotonic()))
        if waiter.is_alive():
            print(f"  a scheduler ran past {timeout:g} s: stopping it", flush=True)
            process.kill()
            waiter.join()
    finished = []
    for (out, err), end in zip(logs, ended, strict=True):
        assert end is not None
        finished.append(Finished(end[0], end[1], end[2], out.read_text(), err.read_text()))
    return started, finished


def warnings_sent(engine: Engine) -> int:
    """What a tick posts besides the digests, as its ledgers record it sent: SLA and slip warnings,
    escalation steps, snoozes' ends."""
    sent = DeliveryStatus.SENT.value
    with engine.connect() as connection:
        return sum(connection.execute(select(func.count()).where(condition)).scalar_one() for condition in (
            TicketWarning.status == sent, SlipWarning.status == sent, EscalationStep.status == sent,
            DeliverableSnooze.return_status == sent))


def digest_posts(posts: list[dict], ledger: list[tuple]) -> list[dict]:
    """The posts of the digests: every post but those answered with success whose ts no digest ledger row
    has (the tick's warnings)."""
    recorded = {ts for *_, ts in ledger if ts}
    return [p for p in posts if not p["ok"] or p["ops_notice"] or p["ts"] in recorded]


def check_once(posts: list[dict], ledger: list[tuple], users: list[str], warnings: int) -> dict:
    """Each subscription's digest and each person's DM posted exactly once: the successful posts by
    (channel, digest), the digest read from the ledger row with the post's ts. A DM the ledger
    recorded as having nothing to post is not expected. The other successful posts are the tick's
    warnings: as many as their ledgers recorded sent during the run (`warnings`), or some post is
    recorded in no ledger."""
    digest_of = {ts: digest for digest, _, _, ts in ledger if ts}
    successful = [p for p in posts if p["ok"] and not p["ops_notice"]]
    counts = Counter((p["channel"], digest_of[p["ts"]]) for p in successful if p["ts"] in digest_of)
    others = len(successful) - sum(counts.values())
    empty = {(channel, digest) for digest, channel, status, _ in ledger if status == "empty"}
    expected = {(c, d) for c in CHANNELS for d in CHANNEL_DIGESTS}
    expected |= {(user, PERSONAL) for user in users} - empty
    label = "{1} -> {0}".format
    duplicates = {label(*key): n for key, n in counts.items() if n > 1 and key in expected}
    missing = sorted(label(*key) for key in expected - counts.keys())
    unexpected = {label(*key): n for key, n in counts.items() if key not in expected}
    if others != warnings:
        unexpected["posts in no ledger"] = others - warnings
    return {"yes": not (duplicates or missing or unexpected), "duplicates": duplicates, "missing": missing,
            "unexpected": unexpected, "expected": len(expected), "empty_dms": len(empty), "warnings": warnings}


def timings(posts: list[dict], started: float) -> dict:
    """Seconds from the run's start to the first post, the first DM, and the last channel digest and
    DM answered with success; the steady rate of successful posts between the first and the last."""
    sent = [p for p in posts if p["ok"] and not p["ops_notice"]]
    times = sorted(p["at"] for p in sent)
    channel = [p["at"] for p in sent if p["channel"].startswith("C")]
    dms = [p["at"] for p in sent if p["channel"][:1] in ("U", "W")]
    span = times[-1] - times[0] if len(times) > 1 else 0.0
    return {"sent": len(sent), "first_post": times[0] - started if times else None,
            "first_dm": min(dms) - started if dms else None,
            "last_channel": max(channel) - started if channel else None,
            "last_dm": max(dms) - started if dms else None,
            "steady_rate": (len(times) - 1) / span if span else None,
            "rate_limited": sum(1 for p in posts if p["status"] == 429),
            "ops_notices": sum(1 for p in posts if p["ops_notice"])}


def cpu_split(separate: bool) -> tuple[set[int] | None, set[int] | None]:
    """The CPUs of the fake Slack and of the schedulers: with `separate`, the first for Slack and the
    rest for the schedulers; otherwise wherever the OS puts them."""
    cpus = sorted(os.sched_getaffinity(0))
    if not separate:
        return None, None
    if len(cpus) < 2:
        raise SystemExit("--separate-cpus needs at least 2 CPUs")
    return {cpus[0]}, set(cpus[1:])


@dataclass(frozen=True)
class WarmUp:
    database: str
    size: int
    posts: int
    seconds: float
    peak_mb: float
    exit_code: int
    ticks: int = 1


def warm_up(kind: str, size: int, url: str, at: datetime, folder: Path, args: argparse.Namespace) -> WarmUp:
    """Untimed `digest run-due` ticks at `at - WARM_UP_BEFORE`, when no digest is due yet, until one posts
    nothing: a tick also posts the SLA warnings due, each milestone's first slip warning and the blocked
    deliverables' escalation steps, in ledgers of their own that the cases do not empty. Posted here, the
    cases post only what came due in the last minute beside the digests, as the 08:30 tick of a running
    scheduler would; `check_once` counts those against their ledgers."""
    ticks: list[WarmUp] = []
    with FakeSlackProcess(latency=args.latency, rate=0) as fake:
        env = scheduler_env(url, fake.api_url, 0, args)
        posted = 0
        # Each tick claims at most a few hundred of each kind: the backlog of a portfolio that never had a
        # scheduler drains over several, as it would over the ticks of the minutes before.
        while len(ticks) < WARM_UP_TICKS:
            _started, (finished,) = run_schedulers(1, env, at - WARM_UP_BEFORE, folder, args.timeout, None)
            now_posted = sum(1 for p in fake.posts() if p["ok"])
            ticks.append(WarmUp(NAMES[kind], size, now_posted - posted, finished.seconds, finished.peak_mb,
                                finished.exit_code))
            print(f"  warm-up tick at {(at - WARM_UP_BEFORE).isoformat()}: {ticks[-1].posts:,} posts in "
                  f"{finished.seconds:.1f} s, peak {finished.peak_mb:.0f} MB, exit {finished.exit_code}", flush=True)
            if now_posted == posted:
                break
            posted = now_posted
    return WarmUp(NAMES[kind], size, posted, sum(t.seconds for t in ticks), max(t.peak_mb for t in ticks),
                  max(t.exit_code for t in ticks), len(ticks))


WARM_UPS: list[WarmUp] = []


def run_case(case: Case, kind: str, size: int, url: str, engine: Engine, users: list[str],
             at: datetime, folder: Path, args: argparse.Namespace) -> dict:
    rate = args.rate if case.limited else 0
    empty_ledger(engine)
    warned_before = warnings_sent(engine)
    slack_cpus, scheduler_cpus = cpu_split(args.separate_cpus)
    with FakeSlackProcess(latency=args.latency, rate=rate, cpus=slack_cpus) as fake:
        env = scheduler_env(url, fake.api_url, rate * args.pace, args)
        started, finished = run_schedulers(case.schedulers, env, at, folder, args.timeout, scheduler_cpus)
        posts = fake.posts()
    ledger = ledger_rows(engine)
    warnings = warnings_sent(engine) - warned_before
    wall = max(f.seconds for f in finished)
    result = {"database": NAMES[kind], "size": size, "case": case.label, "schedulers": case.schedulers,
              "limited": case.limited, "rate": rate, "wall": wall, "processes": finished,
              "ledger": dict(Counter(status for _, _, status, _ in ledger)),
              "once": check_once(posts, ledger, users, warnings), **timings(digest_posts(posts, ledger), started)}
    result["posts_per_second"] = result["sent"] / wall if wall else 0.0
    report(result)
    return result


def bench_database(kind: str, size: int, at: datetime, args: argparse.Namespace) -> list[dict]:
    with tempfile.TemporaryDirectory() as temp, fresh_database(kind, size, Path(temp), args) as url:
        print(f"{NAMES[kind]}, {size:,} services", flush=True)
        seconds = generate(url, size, args)
        engine = make_engine(url)
        try:
            users = prepare(engine)
            print(f"  generated in {seconds:.0f} s; {len(users):,} people with a Slack user id", flush=True)
            WARM_UPS.append(warm_up(kind, size, url, at, Path(temp), args))
            return [run_case(case, kind, size, url, engine, users, at, Path(temp), args) for case in CASES[kind]
                    if not args.only_limited or case.limited]
        finally:
            engine.dispose()


# -- reporting ----------------------------------------------------------------


def _s(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def once_text(once: dict) -> str:
    if once["yes"]:
        return "yes"
    parts = [f"duplicated: {once['duplicates']}" if once["duplicates"] else "",
             f"missing {len(once['missing'])}: {', '.join(once['missing'][:5])}" if once["missing"] else "",
             f"unexpected: {once['unexpected']}" if once["unexpected"] else ""]
    return "no (" + "; ".join(p for p in parts if p) + ")"


def report(r: dict) -> None:
    peaks = ", ".join(f"{f.peak_mb:.0f}" for f in r["processes"])
    steady = f", steady {r['steady_rate']:.1f}/s against {r['rate']:g}" if r["limited"] and r["steady_rate"] else ""
    print(f"  {r['case']}: wall {r['wall']:.1f} s; first post {_s(r['first_post'])} s, channel digests by "
          f"{_s(r['last_channel'])} s, DMs from {_s(r['first_dm'])} to {_s(r['last_dm'])} s; {r['sent']:,} posts, "
          f"{r['posts_per_second']:.1f}/s{steady}; {r['rate_limited']} 429s; exactly once: {once_text(r['once'])} "
          f"({r['once']['warnings']} warnings beside); "
          f"peak {peaks} MB; ledger {r['ledger']}", flush=True)
    for i, f in enumerate(r["processes"], 1):
        print(f"    scheduler {i} (exit {f.exit_code}, {f.seconds:.1f} s): {f.summary}", flush=True)
        problems = [line for line in f.stdout.splitlines() if line.startswith(("failed:", "uncertain:"))]
        for line in problems[:5] + ([f"... and {len(problems) - 5} more"] if len(problems) > 5 else []):
            print(f"      {line}", flush=True)
        if f.exit_code != 0 or f.stderr.strip():
            print("      stderr: " + "\n      ".join(f.stderr.strip().splitlines()[-15:]), flush=True)


def table(results: list[dict]) -> list[str]:
    head = ["services", "database", "case", "wall s", "first post s", "last channel digest s", "first DM s",
            "last DM s", "posts", "posts/s over the run", "steady posts/s (limit)", "429s", "exactly once",
            "peak MB", "summary"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in results:
        steady = f"{r['steady_rate']:.1f} ({r['rate']:g})" if r["limited"] and r["steady_rate"] else "–"
        cells = [f"{r['size']:,}", r["database"], r["case"], f"{r['wall']:.1f}", _s(r["first_post"]),
                 _s(r["last_channel"]), _s(r["first_dm"]), _s(r["last_dm"]), f"{r['sent']:,}",
                 f"{r['posts_per_second']:.1f}", steady, str(r["rate_limited"]), once_text(r["once"]),
                 ", ".join(f"{f.peak_mb:.0f}" for f in r["processes"]),
                 " / ".join(f.summary for f in r["processes"])]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _met(ok: bool) -> str:
    return "met" if ok else "**not met**"


def verdicts(results: list[dict]) -> list[str]:
    """Each target, the figures it is judged on, and whether they meet it."""
    lines = []

    def add(target: str, rows: list[dict], figure, ok) -> None:
        if rows:
            figures = "; ".join(f"{r['database']} {r['size']:,} {r['case']}: {figure(r)}" for r in rows)
            lines.append(f"- {target}: {_met(all(ok(r) for r in rows))} ({figures})")

    def within(limit: float, key: str):
        return lambda r: r[key] is not None and r[key] <= limit

    add(f"channel digests within {CHANNELS_WITHIN:g} s of the run start", results,
        lambda r: f"{_s(r['last_channel'])} s", within(CHANNELS_WITHIN, "last_channel"))
    one = [r for r in results if r["schedulers"] == 1 and not r["limited"]]
    add(f"every DM within {DMS_WITHIN:g} s with one scheduler", one, lambda r: f"{_s(r['last_dm'])} s",
        within(DMS_WITHIN, "last_dm"))
    for two in (r for r in results if r["schedulers"] == 2):
        alone = next((r for r in one if (r["database"], r["size"]) == (two["database"], two["size"])), None)
        if alone and alone["last_dm"] and two["last_dm"]:
            share = two["last_dm"] / alone["last_dm"]
            # Without the processes' start-up, which two schedulers do not halve: first post to last DM.
            posting = (two["last_dm"] - two["first_post"]) / (alone["last_dm"] - alone["first_post"])
            lines.append(f"- two schedulers post every DM in about half the time of one (at most "
                         f"{TWO_SCHEDULERS_SHARE:g}×): {_met(share <= TWO_SCHEDULERS_SHARE)} ({two['database']} "
                         f"{two['size']:,}: {two['last_dm']:.1f} s against {alone['last_dm']:.1f} s, {share:.2f}×; "
                         f"from the first post, {posting:.2f}×)")
    limited = [r for r in results if r["limited"]]
    add(f"with the limit on, successful posts a second within {RATE_WITHIN:.0%} of the limit", limited,
        lambda r: f"{_s(r['steady_rate'])}/s against {r['rate']:g}",
        lambda r: r["steady_rate"] is not None and abs(r["steady_rate"] / r["rate"] - 1) <= RATE_WITHIN)
    add("every 429 waited out (nothing failed or uncertain, each digest exactly once)", limited,
        lambda r: f"{r['rate_limited']} 429s, exactly once {once_text(r['once'])}",
        lambda r: r["once"]["yes"] and not r["ledger"].get("failed") and not r["ledger"].get("uncertain"))
    add(f"scheduler memory under {MEMORY_UNDER_MB:g} MB", results,
        lambda r: ", ".join(f"{f.peak_mb:.0f} MB" for f in r["processes"]),
        lambda r: all(f.peak_mb < MEMORY_UNDER_MB for f in r["processes"]))
    add("every scheduler exited 0", results, lambda r: ", ".join(str(f.exit_code) for f in r["processes"]),
        lambda r: all(f.exit_code == 0 for f in r["processes"]))
    return lines


def commit() -> str:
    """HEAD's short hash, and whether the working tree differs from it (read-only git commands)."""
    def git(*words: str) -> str:
        return subprocess.run(["git", "--no-optional-locks", *words], cwd=ROOT, capture_output=True,
                              text=True).stdout.strip()
    dirty = " with uncommitted changes" if git("status", "--porcelain", "--untracked-files=no") else ""
    return (git("rev-parse", "--short", "HEAD") or "unknown") + dirty


def section(results: list[dict], at: datetime, args: argparse.Namespace) -> str:
    command = (f".venv/bin/python bench/fanout_bench.py --sizes {','.join(str(s) for s in args.sizes)} "
               f"--databases {','.join(args.databases)} --rate {args.rate:g} --latency {args.latency:g}"
               + (f" --senders {args.senders}" if args.senders else "") + " --write")
    lines = [BEGIN, "## Digest fan-out (`delivery-bot digest run-due`)", "",
             f"Commit {commit()}, {datetime.now(UTC):%Y-%m-%d}. Each case empties the ledger, then runs "
             f"`digest run-due --at {at.isoformat()}` (one or two processes started together) against the test "
             f"suite's fake Slack in a process of its own, answering every call {args.latency * 1000:g} ms late. "
             f"Due: every person's personal digest (a DM each) and {len(CHANNELS)} channels × "
             f"{len(CHANNEL_DIGESTS)} digests (at-risk and overdue-tickets, all clear). Posts and times count "
             f"the digests' posts, not the warnings the same tick posts. Times are from the start of the run "
             f"(the processes' start) to the fake's answer; \"steady\" is the successful posts "
             f"a second between the first and the last post. Limit on: the fake answers 429 + Retry-After 1 "
             f"beyond {args.rate:g} posts in the last second, and "
             f"`DELIVERY_POSTS_PER_SECOND={args.rate * args.pace:g}` ({args.pace:g} of it); "
             f"otherwise `DELIVERY_POSTS_PER_SECOND=0` and no fake limit. Peak MB: each scheduler's maximum "
             f"resident set (`ru_maxrss`). Before the cases, untimed runs a minute earlier (no digest "
             f"due yet) post what a tick posts besides the digests, the SLA warnings due, each milestone's "
             f"first slip warning and the blocked deliverables' escalation steps, which have ledgers of their own "
             f"(untimed runs until one posts nothing, as the ticks of the minutes before would have): "
             + "; ".join(f"{w.database} {w.size:,}: {w.posts:,} posts in {w.ticks} runs, {w.seconds:.1f} s, "
                         f"peak {w.peak_mb:.0f} MB" for w in WARM_UPS) + ".", "", *table(results), "",
             "Against the targets:", "",
             *verdicts(results), "", machine_line(), "", f"Command: `{command}`", END]
    return "\n".join(lines) + "\n"


def main() -> None:
    args = parse_args()
    at = due_instant(datetime.now(UTC))
    print(f"digests due at {at.isoformat()}", flush=True)
    results = []
    for size in args.sizes:
        for kind in args.databases:
            results += bench_database(kind, size, at, args)
    print("\n" + "\n".join(table(results)) + "\n\n" + "\n".join(verdicts(results)))
    if args.write:
        write_section(BEGIN, END, section(results, at, args))
        print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
