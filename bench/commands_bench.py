"""Benchmark: each `/delivery` command and each digest against a generated portfolio of N services.

Why: the issue's target is that every command answers at 10,000 services with p95 under 150 ms
on both databases, and that work grows no faster than the portfolio. This measures full handling
as Slack sees it (a signed slash-command request in, Block Kit out, through `app.dispatch` and all
the app's middleware), next to "the floor": a no-op listener `/delivery-noop` in the same Bolt app,
dispatched with the same signed request, so what is Bolt's and what is ours can be told apart.
It also counts the SQL statements each runs, which shows N+1 queries at any size without timing
anything.

Run with `.venv/bin/python bench/commands_bench.py [--sizes 1000,10000] [--repeat 30]`. Each
size goes into a fresh SQLite file (and a scratch PostgreSQL schema when
DELIVERY_TEST_POSTGRES_URL is set); the script rewrites its own section of bench/results.md.
Besides full handling it replays each command's captured SQL alone (bench/rawsql.py), prints
the plan of each command's slowest statement, and at the largest size measures the memory of
`delivery-bot serve` after it has answered every command (bench/serve_rss.py).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from benchlib import RESULTS, machine_line, scratch_postgres, write_section
from rawsql import Statement, capture, explain, one_line, time_alone
from serve_rss import measure_serve_rss
from slack_bolt.request import BoltRequest
from sqlalchemy import Engine, func, select, text, update

from bot.app import SlackCredentials, create_app, single_workspace
from bot.garbage_collection import settle_after_startup
from bot.local import LOCAL_TOKEN, _listener_errors, signed_headers, slash_command_form
from bot.settings import load_settings
from handlers.commands.delivery import WORKING_ON_IT
from messages.views import build_digest
from store.clock import FixedClock
from store.db import make_engine
from store.demo.synthetic import load_synthetic
from store.enums import DigestKind, ServiceStatus
from store.models import Customer, Service
from store.schema import upgrade

TEAM = "T0BENCH"
SECRET = "bench-signing-secret-not-used-anywhere"
BEGIN, END = "<!-- commands-bench:begin -->", "<!-- commands-bench:end -->"
FLOOR = "floor (/delivery-noop)"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated service counts")
    parser.add_argument("--repeat", type=int, default=30, help="timed runs per command")
    parser.add_argument("--budget", type=float, default=15, help="stop timing a command after this many seconds "
                        "(at least 3 runs), so a slow one cannot stall the run")
    parser.add_argument("--no-serve", action="store_true", help="skip measuring `delivery-bot serve`'s memory")
    # One database and size, in a process of its own (see `main`): KIND:SIZE, and whether it is the largest.
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--largest", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.sizes = [int(size) for size in args.sizes.split(",")]
    return args


def databases() -> list[tuple[str, str]]:
    """(name, kind) of each database to run on: SQLite always, PostgreSQL when a server is given."""
    postgres = [("PostgreSQL", "postgres")] if os.environ.get("DELIVERY_TEST_POSTGRES_URL") else []
    return [("SQLite", "sqlite"), *postgres]


@contextmanager
def fresh_database(kind: str, folder: Path, size: int) -> Iterator[str]:
    """A fresh SQLite file, or a scratch PostgreSQL schema dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / f'bench-{size}.db'}"
        return
    with scratch_postgres(os.environ["DELIVERY_TEST_POSTGRES_URL"]) as url:
        yield url


def real_subjects(engine: Engine) -> tuple[str, str]:
    """The first service's full name ("<customer> <service>", one card, as service names repeat across
    customers), and the Slack id of someone who owns services."""
    with engine.connect() as connection:
        name = connection.execute(text(
            "SELECT c.name || ' ' || s.name FROM services s JOIN customers c ON c.id = s.customer_id "
            "WHERE s.team_id = :t ORDER BY s.id LIMIT 1"
        ), {"t": TEAM}).scalar_one()
        user = connection.execute(text(
            "SELECT p.slack_user_id FROM people p JOIN services s ON s.owner_id = p.id "
            "WHERE p.team_id = :t AND p.slack_user_id IS NOT NULL ORDER BY p.id LIMIT 1"
        ), {"t": TEAM}).scalar_one()
    return name, user


# The generator gives each service a customer of its own; this many of its active services are put under
# one customer, so `/delivery status <customer>` answers with a customer's card.
CUSTOMER_SERVICES = 5


def group_a_customer(engine: Engine) -> None:
    """The first CUSTOMER_SERVICES active services under the first one's customer."""
    active = (Service.team_id == TEAM, Service.status == ServiceStatus.ACTIVE)
    with engine.begin() as connection:
        ids = connection.execute(select(Service.id, Service.customer_id).where(*active).order_by(Service.id)
                                 .limit(CUSTOMER_SERVICES)).all()
        connection.execute(update(Service).where(Service.id.in_([row[0] for row in ids]))
                           .values(customer_id=ids[0][1]))


def customer_with_services(engine: Engine) -> str:
    """The name of a customer with several active services (`group_a_customer`'s)."""
    with engine.connect() as connection:
        return connection.execute(
            select(Customer.name).join(Service, Service.customer_id == Customer.id)
            .where(Customer.team_id == TEAM, Service.status == ServiceStatus.ACTIVE)
            .group_by(Customer.id, Customer.name).having(func.count() > 1).order_by(Customer.id).limit(1)
        ).scalar_one()


def dispatcher(app, command: str, text_: str, user: str) -> Callable[[], None]:
    """One signed slash-command request through the whole app; fails loudly on an error reply."""
    body = slash_command_form(text=text_, user_id=user, team_id=TEAM)
    if command != "/delivery":
        body = body.replace(b"command=%2Fdelivery&", f"command={command.replace('/', '%2F')}&".encode())

    def run() -> None:
        with _listener_errors() as errors:
            response = app.dispatch(BoltRequest(body=body.decode(), headers=signed_headers(SECRET, body)))
        reply = json.loads(response.body) if response.body else {}
        # An answer past the budget would be acknowledged with a note and sent later: the timing
        # would be the note's, not the answer's.
        if (response.status != 200 or errors.failed or "went wrong" in reply.get("text", "")
                or reply.get("text") == WORKING_ON_IT):
            raise RuntimeError(f"{command} {text_!r} failed: {response.status} {response.body[:200]}")

    return run


def COMMAND_TEXTS(service: str) -> list[tuple[str, str]]:
    """(label, text) of each `/delivery` command timed."""
    return [("status", "status"), ("status <service>", f"status {service}"), ("capacity", "capacity"),
            ("budget", "budget"), ("forecast", "forecast"), ("at-risk", "at-risk"), ("tickets", "tickets"),
            ("milestones", "milestones"), ("mine", "mine"), ("patterns", "patterns"), ("customers", "customers"),
            # The text part: its charts are drawn only when sent, and timed on their own (bench/charts_bench.py).
            ("trends", "trends")]


def cases(url: str, engine: Engine, now: datetime) -> dict[str, Callable[[], None]]:
    """Everything to time, by label: the floor, each command, each digest's build."""
    # An answer budget past any answer (beyond what settings accept, so set on a copy): a slow
    # answer, a cold first one included, is timed whole rather than deferred.
    settings = load_settings(database_url=url, delivery_team_id=TEAM).model_copy(
        update={"delivery_answer_budget_seconds": 120.0})
    clock = FixedClock(now)
    app = create_app(settings, SlackCredentials(bot_token=LOCAL_TOKEN, signing_secret=SECRET, local=True),
                     engine=engine, clock=clock)
    app.command("/delivery-noop")(lambda ack: ack())
    service, user = real_subjects(engine)
    runs = {FLOOR: dispatcher(app, "/delivery-noop", "", user)}
    for label, text_ in COMMAND_TEXTS(service):
        runs[f"/delivery {label}"] = dispatcher(app, "/delivery", text_, user)
    runs["/delivery status <customer>"] = dispatcher(app, "/delivery", f"status {customer_with_services(engine)}",
                                                     user)
    workspace = single_workspace(settings, engine, clock)
    for kind in DigestKind:
        runs[f"digest {kind.value}"] = (lambda k=kind: build_digest(k, workspace, slack_user_id=user))
    settle_after_startup()  # as `serve` and Socket Mode do once their app is built
    return runs


def measure(run: Callable[[], None], engine: Engine, repeat: int, budget: float) -> dict:
    """Warm up once (capturing its SQL), then time `repeat` runs, or fewer past `budget` seconds;
    then time the captured SQL alone on a bare connection, as many times."""
    with capture(engine) as captured:
        run()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
        if len(times) >= 3 and sum(times) > budget * 1000:
            break
    times.sort()
    p95 = times[min(len(times) - 1, max(0, round(0.95 * len(times)) - 1))]
    sql = time_alone(engine, captured.statements, len(times))
    return {"median": statistics.median(times), "p95": p95, "statements": len(captured.statements),
            "runs": len(times), "sql_median": sql["median"], "sql_p95": sql["p95"],
            "slowest": _slowest(captured.statements, sql["each"])}


def _slowest(statements: list[Statement], each: list[float]) -> tuple[Statement, float] | None:
    if not statements:
        return None
    index = max(range(len(statements)), key=lambda i: each[i])
    return statements[index], each[index]


def bench_database(kind: str, folder: Path, size: int, args: argparse.Namespace, *, largest: bool) -> dict:
    with fresh_database(kind, folder, size) as url:
        engine = make_engine(url)
        try:
            upgrade(engine)
            now = datetime.now(UTC)
            started = time.perf_counter()
            load_synthetic(engine, team_id=TEAM, now=now, tz=UTC, services=size)
            group_a_customer(engine)
            loaded = time.perf_counter() - started
            print(f"  loaded {size:,} services in {loaded:.1f} s", flush=True)
            settle(engine)
            results: dict = {"load_seconds": loaded, "rows": row_counts(engine), "commands": {}}
            for label, run in cases(url, engine, now).items():
                results["commands"][label] = measure(run, engine, args.repeat, args.budget)
                r = results["commands"][label]
                print(f"  {label}: median {r['median']:.1f} p95 {r['p95']:.1f} sql {r['sql_median']:.1f} "
                      f"({r['statements']} statements)", flush=True)
            if largest:
                results["plans"] = {label: (one_line(slow[0].sql), slow[1], explain(engine, slow[0]))
                                    for label, r in results["commands"].items() if (slow := r["slowest"])}
                if not args.no_serve:
                    service, user = real_subjects(engine)
                    results["serve"] = measure_serve_rss(url, TEAM, [t for _, t in COMMAND_TEXTS(service)], user)
                    print(f"  serve: {results['serve']}", flush=True)
            return results
        finally:
            engine.dispose()


def settle(engine: Engine) -> None:
    """On PostgreSQL, VACUUM ANALYZE after the bulk load, as autovacuum would soon after: until the
    visibility map is set, an index-only scan still visits every row it counts."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))


def row_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {table: connection.execute(text(f"SELECT count(*) FROM {table} WHERE team_id = :t"),
                                          {"t": TEAM}).scalar_one()
                for table in ("services", "deliverables", "tickets", "appointments", "people")}


def _p95(r: dict, args: argparse.Namespace) -> str:
    return f"{r['p95']:.1f}" + (f" (n={r['runs']})" if r["runs"] < args.repeat else "")


def table(name: str, by_size: dict[int, dict], args: argparse.Namespace) -> list[str]:
    sizes = sorted(by_size)
    small, large = by_size[sizes[0]]["commands"], by_size[sizes[-1]]["commands"]
    head = ["command"]
    for size in sizes:
        head += [f"median ms @ {size:,}", f"p95 ms @ {size:,}", f"× floor @ {size:,}",
                 f"raw SQL ms @ {size:,}", f"× raw SQL @ {size:,}", f"statements @ {size:,}"]
    head.append(f"growth {sizes[0]:,}→{sizes[-1]:,}")
    lines = [f"### {name}", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for label in large:
        cells = [label]
        for size in sizes:
            r, floor = by_size[size]["commands"][label], by_size[size]["commands"][FLOOR]["median"]
            ratio = f"{r['median'] / r['sql_median']:.1f}" if r["sql_median"] >= 0.05 else "–"
            cells += [f"{r['median']:.1f}", _p95(r, args), f"{r['median'] / floor:.1f}",
                      f"{r['sql_median']:.1f}", ratio, str(r["statements"])]
        cells.append(f"{large[label]['median'] / small[label]['median']:.2f}×")
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    for size in sizes:
        rows = by_size[size]["rows"]
        lines.append(f"- {size:,} services: " + ", ".join(f"{n:,} {t}" for t, n in rows.items() if t != "services")
                     + f"; generated and inserted in {by_size[size]['load_seconds']:.0f} s.")
    serve = by_size[sizes[-1]].get("serve")
    if serve:
        lines.append(f"- `delivery-bot serve` (gunicorn, {serve['workers']} worker, 32 threads) at {sizes[-1]:,} "
                     f"services after {serve['requests']} signed commands over HTTP: worker "
                     f"{serve['worker_rss_mb']:.0f} MB resident (peak {serve['worker_peak_mb']:.0f} MB), "
                     f"master {serve['master_rss_mb']:.0f} MB.")
    return lines + [""]


def plans(name: str, by_size: dict[int, dict]) -> list[str]:
    size = max(by_size)
    found = by_size[size].get("plans") or {}
    lines = [f"<details><summary>{name}: the slowest statement of each command at {size:,} services, "
             "and its plan</summary>", ""]
    for label, (sql, ms, plan) in found.items():
        lines += [f"**{label}** ({ms:.1f} ms alone): `{sql}`", "", "```", plan, "```", ""]
    return lines + ["</details>", ""]


def section(results: dict[str, dict[int, dict]], args: argparse.Namespace) -> str:
    sizes = ",".join(str(s) for s in args.sizes)
    lines = [BEGIN, "## Slash commands and digests", "",
             f"Synthetic portfolio (`store.demo.synthetic`) of {' and '.join(f'{s:,}' for s in args.sizes)} "
             f"services, each database and size in a process of its own, as a server's worker is. Each "
             f"command is a signed `/delivery` request through `app.dispatch` (local mode: "
             f"local authorize, no network), Block Kit out; digests are `build_digest` alone. The floor is a "
             f"no-op `/delivery-noop` listener in the same app, dispatched with the same signed request: "
             f"Bolt runs listeners in a thread and polls for the ack every 10 ms, so nothing answers in "
             f"less. The app is built, then the garbage collector set as `serve` sets it "
             f"(bot/garbage_collection.py). The loader refreshes kept health and the engagement tallies as of "
             f"the clock the commands run at, as the scheduler keeps them (store/health); the deliverable "
             f"counts are kept by triggers. One warm-up run (whose SQL is captured), then {args.repeat} "
             f"timed runs, or fewer "
             f"(n shown) once a command has taken {args.budget:g} s. \"Raw SQL\" replays the captured "
             f"statements with their parameters on a bare DBAPI connection (no ORM, no Bolt, no rendering), "
             f"fetching every row, as many times; \"× raw SQL\" is the command's median over that median. "
             f"\"Growth\" is the ratio of medians from the smallest size to the largest.", ""]
    for name, by_size in results.items():
        lines += table(name, by_size, args)
    for name, by_size in results.items():
        lines += plans(name, by_size)
    lines += [machine_line(), "",
              f"Command: `.venv/bin/python bench/commands_bench.py --sizes {sizes} --repeat {args.repeat}"
              + (f" --budget {args.budget:g}`" if args.budget != 15 else "`")
              + (" with `DELIVERY_TEST_POSTGRES_URL` set" if "PostgreSQL" in results else ""), END]
    return "\n".join(lines) + "\n"


RESULT_LINE = "commands-bench result: "


def work(args: argparse.Namespace) -> None:
    """One database and size, its results as JSON on the last line (without the captured statements)."""
    kind, size = args.worker.split(":")
    with tempfile.TemporaryDirectory() as temp:
        results = bench_database(kind, Path(temp), int(size), args, largest=args.largest)
    for measured in results["commands"].values():
        measured.pop("slowest", None)
    print(RESULT_LINE + json.dumps(results), flush=True)


def run_worker(kind: str, size: int, args: argparse.Namespace, *, largest: bool) -> dict:
    """Each database and size in a process of its own, as a server's worker is: in one long-lived
    process the later cases ran slower (PostgreSQL at 10,000 services, run last, by up to 1.6×)."""
    command = [sys.executable, __file__, "--worker", f"{kind}:{size}", "--repeat", str(args.repeat),
               "--budget", str(args.budget), *(["--largest"] if largest else []),
               *(["--no-serve"] if args.no_serve else [])]
    found = None
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as worker:
        for line in worker.stdout:
            if line.startswith(RESULT_LINE):
                found = json.loads(line[len(RESULT_LINE):])
            else:
                print(line, end="", flush=True)
    if worker.returncode != 0 or found is None:
        raise SystemExit(f"the {kind} {size:,}-service case failed (exit {worker.returncode})")
    return found


def main() -> None:
    args = parse_args()
    if args.worker:
        work(args)
        return
    results: dict[str, dict[int, dict]] = {}
    for name, kind in databases():
        for size in args.sizes:
            print(f"{name}, {size:,} services", flush=True)
            results.setdefault(name, {})[size] = run_worker(kind, size, args, largest=size == max(args.sizes))
    write_section(BEGIN, END, section(results, args))
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
