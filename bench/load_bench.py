"""Load on the HTTP endpoint: N concurrent clients against `delivery-bot serve` for S seconds.

Why: the requirement is that with `delivery-bot serve` on loopback and 50 concurrent clients sending
signed slash commands and button clicks for 30 seconds, every request is acknowledged within 3 s
(p50, p99, max reported), there is no 5xx, and no change is lost or doubled.

What it does, all by itself:
1. prepares a database with a generated portfolio (`store.demo.synthetic`): a fresh SQLite file, or a
   copy of a cached one (`--sqlite-cache`), or a scratch PostgreSQL schema (`--database postgres`,
   server from DELIVERY_TEST_POSTGRES_URL), upgraded with `store.schema.upgrade`;
2. starts the fake Slack Web API (tests/fake_slack.py) in this process and `delivery-bot serve` as a
   subprocess on a free loopback port (its log goes to a file, not a pipe nobody reads);
3. runs `--clients` threads (a requests.Session each) for `--seconds`, each looping without pause
   (unless `--think`) over a random mix of signed `/delivery` commands (status, status <service>,
   capacity, at-risk, tickets, mine) and signed overflow clicks (block_actions, as Slack sends them
   from an ephemeral service card) that each move a different deliverable (Start: Not started -> In
   progress, or Complete: In progress -> Complete) from the version it was "rendered" at; a share of
   the clicks (`--double-share`) is sent twice at once, as a double click or a Slack retry would be;
4. waits until every acknowledged click's response_url post arrived at the fake Slack (the change
   is applied after the ack), stops the server and the fake Slack;
5. checks the database: every acknowledged click applied exactly once (the deliverable's status and
   version, exactly one new `status_changes` row with the right from/to/actor), clicks that were not
   acknowledged applied at most once, and nothing else changed (no other deliverable, service or
   ticket; no other audit row);
6. writes its section of bench/results.md and exits non-zero if any check failed (a non-200 answer,
   a timeout, an ack slower than 3 s, a lost or doubled change, a server error in its log).

The database side (the portfolio, what gets clicked, the check of the changes) is in
bench/load_data.py; the figures and the markdown in bench/load_report.py.

Run: `.venv/bin/python bench/load_bench.py [--services 10000] [--clients 50] [--seconds 30]
[--database sqlite|postgres] [--sqlite-cache PATH]`. Generating 10,000 services takes about half a
minute on SQLite (about a minute on PostgreSQL); `--sqlite-cache PATH` keeps the generated file there
(team T0ACME) and every run works on a copy of it. Each run (database, size, server shape, clients)
keeps its own block inside this script's section of bench/results.md; a new run replaces its own.

The script runs the server from the same copy of the code as itself. To measure a commit while the
working tree is mid-edit: `git archive HEAD | tar -x -C /tmp/head`, copy this script into
/tmp/head/bench/ if it is not committed, and run `.venv/bin/python /tmp/head/bench/load_bench.py
--results bench/results.md` with DELIVERY_SLACK_PAYLOADS=<the shared slack-payloads folder> (the
export has no ../shared beside it).
"""

from __future__ import annotations

import argparse
import copy
import http.server
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import requests
from benchlib import RESULTS, write_section
from fake_slack import RESPONSE_URL_METHOD, FakeSlack
from load_data import TEAM, Fixtures, Target, check_changes, fixtures, prepared_database, snapshot
from load_report import (
    BEGIN,
    CLICK,
    COMMANDS,
    END,
    already_once,
    answer_delays,
    latency_rows,
    response_delays,
    run_block,
    section,
    serve_defaults,
    server_errors,
)
from served_app import app_environment, free_port, stop_process
from slack_signing import FORM_CONTENT_TYPE, interactive_body, load_payload, signed_headers, slash_command_body

from handlers.after_ack import BUSY_TEXT
from handlers.commands.delivery import WORKING_ON_IT
from messages.ids import ActionId, DeliverableMoveValue, ViewKind, ViewRef
from store.db import make_engine
from store.rules.transitions import Move

MOVES = {"not_started": (Move.START, "in_progress"), "in_progress": (Move.COMPLETE, "complete")}

# The fake Slack is a stdlib ThreadingHTTPServer, whose listen backlog is 5: under load the app's
# response_url posts would wait for SYN retries. A deeper backlog keeps the fake out of the figures.
http.server.ThreadingHTTPServer.request_queue_size = 256


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=10000, help="portfolio size (default 10000)")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--sqlite-cache", type=Path, help="a generated SQLite file to reuse (made if missing); "
                        "the run works on a copy")
    parser.add_argument("--workers", type=int, help="passed to `delivery-bot serve` (default: serve's own)")
    parser.add_argument("--threads", type=int, help="passed to `delivery-bot serve` (default: serve's own)")
    parser.add_argument("--click-share", type=float, default=0.5, help="share of requests that are clicks")
    parser.add_argument("--double-share", type=float, default=0.1, help="share of clicks sent twice at once")
    parser.add_argument("--think", type=float, default=0.0, help="seconds each client waits between requests")
    parser.add_argument("--timeout", type=float, default=30.0, help="client-side request timeout, seconds")
    parser.add_argument("--drain", type=float, default=120.0, help="max seconds to wait for work after the acks")
    parser.add_argument("--results", type=Path, default=RESULTS, help="the results file to write its section in "
                        "(for running this script from an export of a commit while the working tree is mid-edit)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-write", action="store_true", help="do not write bench/results.md")
    return parser.parse_args()


# -- the fake Slack and the server ------------------------------------------------------------------


class TimedFakeSlack(FakeSlack):
    """The fake Slack Web API, also noting when each response_url post arrived (kept light: no bodies)."""

    def __init__(self) -> None:
        super().__init__()
        self.lock = threading.Lock()
        self.posts: dict[str, list[tuple[float, str]]] = defaultdict(list)

    def _record(self, call) -> None:
        if call.method == RESPONSE_URL_METHOD:
            with self.lock:
                self.posts[call.name or ""].append((time.perf_counter(), str(call.params.get("text", ""))))
            return
        super()._record(call)

    def post_count(self) -> int:
        with self.lock:
            return sum(len(v) for v in self.posts.values())


@contextmanager
def server(url: str, api_url: str, args: argparse.Namespace, log: Path) -> Iterator[str]:
    """`delivery-bot serve` on a free loopback port, its output in `log`; stopped afterwards."""
    port = free_port()
    command = [sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    if args.workers:
        command += ["--workers", str(args.workers)]
    if args.threads:
        command += ["--threads", str(args.threads)]
    base = f"http://127.0.0.1:{port}"
    with open(log, "w") as out:
        # cwd=ROOT: the server runs the same copy of the code as this script (`python -m` puts cwd first).
        process = subprocess.Popen(command, env=app_environment(url, api_url, DELIVERY_TEAM_ID=TEAM),
                                   stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
        try:
            deadline = time.monotonic() + 60
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"the server exited with {process.returncode}:\n{log.read_text()}")
                try:
                    health = requests.get(f"{base}/healthz", timeout=2)
                    if health.status_code == 200:
                        if not health.json().get("schema_up_to_date"):
                            raise RuntimeError(f"schema not up to date: {health.text}")
                        break
                except requests.ConnectionError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("the server did not answer /healthz within 60 s")
                time.sleep(0.2)
            yield base
        finally:
            stop_process(process, timeout=30)


# -- the clients ------------------------------------------------------------------------------------


@dataclass
class Result:
    kind: str
    status: int | str  # HTTP status, or "timeout" / "error: ..."
    ms: float
    sent: float  # perf_counter when sent
    reply_error: bool = False  # 200 but the body says something went wrong
    deferred: bool = False  # a command acknowledged with "Working on it": its answer follows via response_url
    busy: bool = False  # a command refused at once: the bot had too much to do (DELIVERY_BUSY_AFTER_SECONDS)
    name: str = ""  # the response_url name the request carried


@dataclass
class Click:
    target: Target
    move: Move
    expected: str
    names: list[str]  # response_url name per request sent (two for a double click)
    statuses: list[int | str] = field(default_factory=list)
    sent: list[float] = field(default_factory=list)


class Load:
    def __init__(self, base: str, fake: TimedFakeSlack, fx: Fixtures, args: argparse.Namespace):
        self.url = f"{base}/slack/events"
        self.fake, self.fx, self.args = fake, fx, args
        self.lock = threading.Lock()
        self.results: list[Result] = []
        self.clicks: list[Click] = []
        self.pool = iter(fx.targets)
        self.pool_empty = False
        self.secret = "e2e-signing-secret"  # tests/served_app.py SIGNING_SECRET, which app_environment sets
        self.overflow = load_payload("block_actions_overflow.json")  # set DELIVERY_SLACK_PAYLOADS if not found
        self.crashes: list[str] = []

    def next_target(self) -> Target | None:
        with self.lock:
            target = next(self.pool, None)
            self.pool_empty = self.pool_empty or target is None
            return target

    def send(self, session: requests.Session, kind: str, body: bytes, name: str = "") -> Result:
        headers = signed_headers(self.secret, body, content_type=FORM_CONTENT_TYPE)
        sent = time.perf_counter()
        try:
            response = session.post(self.url, data=body, headers=headers, timeout=self.args.timeout)
            ms = (time.perf_counter() - sent) * 1000
            bad = response.status_code == 200 and "went wrong" in response.text
            deferred = response.status_code == 200 and WORKING_ON_IT in response.text
            busy = response.status_code == 200 and BUSY_TEXT in response.text
            result = Result(kind, response.status_code, ms, sent, bad, deferred, busy, name)
        except requests.Timeout:
            result = Result(kind, "timeout", (time.perf_counter() - sent) * 1000, sent)
        except requests.RequestException as error:
            result = Result(kind, f"error: {type(error).__name__}", (time.perf_counter() - sent) * 1000, sent)
        with self.lock:
            self.results.append(result)
        return result

    def command(self, session: requests.Session, rng: random.Random, n: str) -> None:
        kind = rng.choice(COMMANDS)
        user = rng.choice(self.fx.users)
        words = f"status {rng.choice(self.fx.labels)}" if kind == "status <service>" else kind
        body = slash_command_body(words, user_id=user, user_name=user.lower(), team_id=TEAM,
                                  response_url=self.fake.response_url(f"cmd-{n}"))
        self.send(session, f"/delivery {kind}", body, f"cmd-{n}")

    def click_body(self, click: Click, name: str) -> bytes:
        t = click.target
        value = DeliverableMoveValue(m=click.move, d=t.deliverable_id, v=t.version,
                                     w=ViewRef(k=ViewKind.CARD, s=t.service_id)).model_dump_json()
        payload = copy.deepcopy(self.overflow)
        payload["user"] = {"id": t.actor, "username": t.actor.lower(), "name": t.actor.lower(), "team_id": TEAM}
        payload["team"] = {"id": TEAM, "domain": "acme"}
        payload["response_url"] = self.fake.response_url(name)
        payload["actions"] = [{
            "type": "overflow", "action_id": f"{ActionId.DELIVERABLE_MOVE.value}:{t.deliverable_id}",
            "block_id": f"d{t.deliverable_id}",
            "selected_option": {"text": {"type": "plain_text", "text": click.move.label, "emoji": True},
                                "value": value},
            "action_ts": f"{time.time():.6f}"}]
        return interactive_body(payload)

    def click(self, sessions: list[requests.Session], rng: random.Random, n: str) -> None:
        target = self.next_target()
        if target is None:
            return self.command(sessions[0], rng, n)
        move, expected = MOVES[target.status]
        double = rng.random() < self.args.double_share
        click = Click(target, move, expected, [f"click-{n}"] + ([f"click-{n}-again"] if double else []))
        with self.lock:
            self.clicks.append(click)
        bodies = [self.click_body(click, name) for name in click.names]
        if not double:
            results = [self.send(sessions[0], CLICK, bodies[0])]
        else:
            results: list[Result | None] = [None, None]

            def second() -> None:
                results[1] = self.send(sessions[1], CLICK, bodies[1])
            helper = threading.Thread(target=second)
            helper.start()
            results[0] = self.send(sessions[0], CLICK, bodies[0])
            helper.join()
        click.statuses = [r.status for r in results]
        click.sent = [r.sent for r in results]

    def client(self, index: int, deadline: float) -> None:
        try:
            self._client(index, deadline)
        except Exception as error:  # a crashed client is a failed run, not a quieter one
            with self.lock:
                self.crashes.append(f"client {index}: {type(error).__name__}: {error}")
            raise

    def _client(self, index: int, deadline: float) -> None:
        rng = random.Random(self.args.seed * 1000 + index)
        sessions = [requests.Session(), requests.Session()]
        n = 0
        while time.perf_counter() < deadline:
            n += 1
            if rng.random() < self.args.click_share:
                self.click(sessions, rng, f"{index}-{n}")
            else:
                self.command(sessions[0], rng, f"{index}-{n}")
            if self.args.think:
                time.sleep(self.args.think)
        for session in sessions:
            session.close()

    def run(self) -> float:
        started = time.perf_counter()
        deadline = started + self.args.seconds
        threads = [threading.Thread(target=self.client, args=(i, deadline), name=f"client-{i}")
                   for i in range(self.args.clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return time.perf_counter() - started


def drain(load: Load, seconds: float) -> tuple[list[str], float]:
    """Wait until every acknowledged click's and deferred command's response_url post arrived and
    posts stop coming."""
    acked = [name for c in load.clicks for name, s in zip(c.names, c.statuses, strict=True) if s == 200]
    acked += [r.name for r in load.results if r.deferred]
    started = time.perf_counter()
    deadline, last, still = started + seconds, -1, 0.0
    while time.perf_counter() < deadline:
        with load.fake.lock:
            missing = [name for name in acked if not load.fake.posts.get(name)]
        count = load.fake.post_count()
        if not missing:
            if count == last and time.perf_counter() - still > 2:
                break
            if count != last:
                last, still = count, time.perf_counter()
        time.sleep(0.2)
    with load.fake.lock:
        missing = [name for name in acked if not load.fake.posts.get(name)]
    return missing, time.perf_counter() - started


def main() -> int:
    args = parse_args()
    rng = random.Random(args.seed)
    command = ".venv/bin/python bench/load_bench.py " + " ".join(sys.argv[1:])
    if args.database == "postgres":
        command = "DELIVERY_TEST_POSTGRES_URL=… " + command
    workers, threads = serve_defaults()
    workers, threads = args.workers or workers, args.threads or threads
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="load-bench-")))
        print(f"preparing {args.database} with {args.services:,} services", flush=True)
        url = stack.enter_context(prepared_database(args, folder))
        engine = make_engine(url)
        stack.callback(engine.dispose)
        fx = fixtures(engine, rng)
        before = snapshot(engine)
        print(f"  {fx.services:,} services, {len(fx.targets):,} clickable deliverables", flush=True)
        fake = stack.enter_context(TimedFakeSlack())
        log = folder / "serve.log"
        with server(url, fake.api_url, args, log) as base:
            print(f"serving at {base} ({workers} worker(s), {threads} threads); "
                  f"{args.clients} clients for {args.seconds:g} s", flush=True)
            load = Load(base, fake, fx, args)
            load_before = os.getloadavg()[0]
            elapsed = load.run()
            load_after = os.getloadavg()[0]
            print(f"  {len(load.results):,} requests in {elapsed:.1f} s; waiting for the work after the acks",
                  flush=True)
            missing, drain_s = drain(load, args.drain)
        statuses, log_errors = server_errors(log)
        client_statuses = Counter(r.status for r in load.results)
        problems, stats = check_changes(engine, before, load)
        stats["double clicks with one 'Already' reply"] = already_once(load)
        problems += [f"load client crashed: {c}" for c in load.crashes]
        if load.pool_empty:
            problems.append("ran out of clickable deliverables: use a larger portfolio")
        for status, n in client_statuses.items():
            if status != 200:
                problems.insert(0, f"{n:,} answers {status}")
        reply_errors = sum(r.reply_error for r in load.results)
        if reply_errors:
            problems.insert(0, f"{reply_errors:,} answers said something went wrong")
        rows = latency_rows(load.results)
        if rows[-1]["late"]:
            problems.insert(0, f"{rows[-1]['late']:,} acks slower than 3 s")
        if missing:
            problems.append(f"{len(missing):,} acknowledged clicks or deferred commands got no response_url post, "
                            f"e.g. {missing[:3]}")
        if log_errors:
            problems.append(f"{len(log_errors):,} error lines in the server log, first: {log_errors[0][:300]}")
        delays = response_delays(load)
        answers = answer_delays(load)
        commands = sum(r.kind.startswith("/delivery") and r.status == 200 for r in load.results)
        busy_commands = sum(r.busy for r in load.results)
        key, block = run_block(args, fx, elapsed, rows, client_statuses, delays, stats, missing, problems,
                               log_errors, drain_s, workers, threads, command, (load_before, load_after),
                               answers, commands, busy_commands)
        print(block)
        kept = Path(tempfile.gettempdir()) / f"load-bench-serve-{key}.log"
        shutil.copyfile(log, kept)
        print(f"server log kept at {kept}", flush=True)
        print(json.dumps({"gunicorn access log statuses": dict(statuses)}))
        if not args.no_write:
            write_section(BEGIN, END, section(args.results, key, block), args.results)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
