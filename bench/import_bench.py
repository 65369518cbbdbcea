"""Benchmark: import 100,000 tickets (plus what they refer to) and record time and peak memory.

Run with `.venv/bin/python bench/import_bench.py`. It writes CSVs to a temporary folder,
imports them into a fresh SQLite file (and into a fresh PostgreSQL schema when
DELIVERY_TEST_POSTGRES_URL is set), and rewrites its section of bench/results.md.
Peak memory is the Python heap peak during the import (tracemalloc) and the process's
maximum resident set size (ru_maxrss), so a regression that loads whole files shows up.
"""

from __future__ import annotations

import csv
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchlib import RESULTS, machine_line, scratch_postgres, write_section
from sqlalchemy import text
from sqlalchemy.orm import Session

from store.context import QueryContext
from store.db import make_engine
from store.io import import_path
from store.schema import upgrade

TICKETS = 100_000
CUSTOMERS, PEOPLE, SERVICES = 200, 50, 400
BEGIN, END = "<!-- import-bench:begin -->", "<!-- import-bench:end -->"
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def write_csv(path: Path, header: list[str], rows) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def generate(folder: Path) -> None:
    """The portfolio as CSV, streamed to disk row by row."""
    write_csv(folder / "customers.csv", ["key", "name"], ((f"c{i}", f"Customer {i}") for i in range(CUSTOMERS)))
    write_csv(folder / "people.csv", ["key", "name", "email"],
              ((f"p{i}", f"Person {i}", f"p{i}@example.com") for i in range(PEOPLE)))
    write_csv(folder / "services.csv", ["key", "customer", "name", "owner"],
              ((f"s{i}", f"c{i % CUSTOMERS}", f"Service {i}", f"p{i % PEOPLE}@example.com") for i in range(SERVICES)))
    write_csv(folder / "tickets.csv", ["key", "customer", "service", "title", "type", "priority", "owner",
                                       "opened_at", "due_at", "resolved_at"], (ticket(i) for i in range(TICKETS)))


def ticket(i: int) -> list[str]:
    opened = START + timedelta(minutes=7 * i)
    resolved = (opened + timedelta(hours=i % 90)).isoformat() if i % 3 else ""
    service = i % SERVICES
    return [f"t{i:06d}", f"c{service % CUSTOMERS}", f"s{service}", f"Ticket {i}", ("issue", "request")[i % 2],
            ("low", "normal", "high")[i % 3], f"p{i % PEOPLE}", opened.isoformat(),
            (opened + timedelta(hours=48)).isoformat(), resolved]


def measure(url: str, folder: Path) -> dict:
    """Time an untraced import, then the heap peak of a traced one, each into a fresh database."""
    seconds = import_once(url, folder, traced=False)
    heap = import_once(url, folder, traced=True)
    return {"seconds": seconds, "heap_mb": heap / 2**20, "rows_per_s": TICKETS / seconds}


def import_once(url: str, folder: Path, *, traced: bool) -> float:
    """Seconds for the import (untraced) or peak traced bytes (traced); the tables are dropped after."""
    engine = make_engine(url)
    upgrade(engine)
    ctx = QueryContext(team_id="TBENCH", now=datetime.now(UTC), tz=ZoneInfo("UTC"))
    if traced:
        tracemalloc.start()
    started = time.perf_counter()
    with Session(engine) as session, session.begin():
        report = import_path(session, ctx, folder)
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] if traced else 0
    tracemalloc.stop()
    assert report.counts["tickets"].new == TICKETS
    with engine.begin() as connection:
        for table in ("tickets", "services", "people", "customers"):
            connection.execute(text(f"DELETE FROM {table}"))
    engine.dispose()
    return peak if traced else seconds


def postgres_run(server: str, folder: Path) -> dict:
    """Import into a throwaway schema on the test server, dropped afterwards."""
    with scratch_postgres(server) as url:
        return measure(url, folder)


def max_rss_mb() -> float:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 2**20 if sys.platform == "darwin" else rss / 1024


def section(results: dict[str, dict], csv_mb: float) -> str:
    intro = (f"Generated {TICKETS:,} tickets with {CUSTOMERS} customers, {PEOPLE} people and {SERVICES} services "
             f"({csv_mb:.1f} MB of CSV), imported in one transaction by `store.io.import_path`.")
    machine = machine_line()
    method = ("Wall time comes from an untraced run; peak Python heap from a second run under tracemalloc "
              "(which slows the import, so its time is not reported). Rows are streamed and written 1,000 at a "
              "time; what grows with the file is only the set of keys seen (for duplicate-key errors).")
    lines = [BEGIN, "## CSV import: 100,000 tickets", "", intro, "",
             "| database | wall time | tickets/s | peak Python heap (tracemalloc) |", "|---|---|---|---|"]
    for name, r in results.items():
        lines.append(f"| {name} | {r['seconds']:.1f} s | {r['rows_per_s']:,.0f} | {r['heap_mb']:.1f} MB |")
    lines += ["", f"Process peak RSS (ru_maxrss, whole run): {max_rss_mb():.0f} MB.", "", machine, "", method,
              "", "Command: `.venv/bin/python bench/import_bench.py`", END]
    return "\n".join(lines) + "\n"


def main() -> None:
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp) / "csv"
        folder.mkdir()
        generate(folder)
        csv_mb = sum(p.stat().st_size for p in folder.iterdir()) / 2**20
        results = {"SQLite": measure(f"sqlite:///{Path(temp) / 'bench.db'}", folder)}
        print(f"SQLite: {results['SQLite']}", flush=True)
        server = os.environ.get("DELIVERY_TEST_POSTGRES_URL")
        if server:
            results["PostgreSQL"] = postgres_run(server, folder)
            print(f"PostgreSQL: {results['PostgreSQL']}", flush=True)
        write_section(BEGIN, END, section(results, csv_mb))
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
