"""Benchmark: import 100,000 tickets (plus what they refer to), then stream 1,000,000 time entries,
and record time and peak memory.

Run with `.venv/bin/python bench/import_bench.py [--time-entries N] [--write]`. It writes CSVs to a
temporary folder (streamed row by row, never held in memory), imports the tickets folder into a fresh
SQLite file (and into a fresh PostgreSQL schema when DELIVERY_TEST_POSTGRES_URL is set), then, as a
case of its own, N time entries (default 1,000,000; 0 skips them) into the same database, so their
people and services resolve. Each case is one transaction of `store.io.import_path`. It prints the
figures; with --write it also rewrites its section of bench/results.md (without, the file is left alone).
Peak memory is the Python heap peak during each import (tracemalloc) and the process's maximum resident
set size (ru_maxrss), so a regression that loads whole files shows up.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchlib import RESULTS, machine_line, scratch_postgres, write_section
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from store.context import QueryContext
from store.db import make_engine
from store.io import ImportReport, import_path
from store.schema import upgrade

TICKETS = 100_000
TIME_ENTRIES = 1_000_000
CUSTOMERS, PEOPLE, SERVICES = 200, 50, 400
BEGIN, END = "<!-- import-bench:begin -->", "<!-- import-bench:end -->"
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)  # a Monday
# 13 weeks of working days (Monday to Friday) from START.
WORKING_DAYS = [START.date() + timedelta(days=7 * week + day) for week in range(13) for day in range(5)]
HOURS = ("2.5", "3", "7.75", "1", "0.25", "4", "6.5", "8")
SOURCES = ("harvest", "toggl", "csv")
INTERNAL_SHARE = 0.1  # time entries with no service: internal time
# Deleted after each run, referring tables first.
TABLES = ("time_entries", "tickets", "services", "people", "customers")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-entries", type=int, default=TIME_ENTRIES, metavar="N",
                        help=f"time entries to generate and import after the tickets (default {TIME_ENTRIES:,}; "
                             "0 skips the case)")
    parser.add_argument("--write", action="store_true", help="rewrite this benchmark's section of bench/results.md")
    return parser.parse_args()


def write_csv(path: Path, header: list[str], rows: Iterable[list[str]]) -> None:
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


def generate_time_entries(path: Path, count: int) -> None:
    """`count` time entries of the portfolio's people and services, streamed to one CSV file."""
    write_csv(path, ["key", "person", "service", "project", "date", "hours", "billable", "note", "source"],
              time_entries(count))


def time_entries(count: int) -> Iterator[list[str]]:
    """Rows one at a time from a seeded generator, so every run writes the same file."""
    rng = random.Random(7)
    for i in range(count):
        yield time_entry(i, rng)


def time_entry(i: int, rng: random.Random) -> list[str]:
    """A person's hours on a working day: on a service, or internal time (no service, never billable).

    A person is named by key, or now and then by email; about a third of the notes hold a comma
    (quoted by the csv module) and a third are blank.
    """
    person = rng.randrange(PEOPLE)
    worked_on: date = rng.choice(WORKING_DAYS)
    internal = rng.random() < INTERNAL_SHARE
    service = "" if internal else f"s{rng.randrange(SERVICES)}"
    billable = "no" if internal or rng.random() < 0.2 else "yes"
    note = ("", f"Work on {service or 'internal'}, part {i % 4 + 1}", "Review and follow-up")[i % 3]
    return [f"te{i:07d}", f"p{person}@example.com" if i % 5 == 0 else f"p{person}", service, "",
            worked_on.isoformat(), HOURS[rng.randrange(len(HOURS))], billable, note, SOURCES[i % len(SOURCES)]]


def measure(url: str, folder: Path, entries_file: Path | None, entries: int) -> dict[str, dict]:
    """Time an untraced run, then the heap peaks of a traced one, each into a fresh database.

    A run imports the tickets folder, then the time entries (if any) into the same database.
    """
    timed = run_once(url, folder, entries_file, entries, traced=False)
    traced = run_once(url, folder, entries_file, entries, traced=True)
    results = {"tickets": case_figures(TICKETS, timed["tickets"], traced["tickets"])}
    if entries_file is not None:
        results["time_entries"] = case_figures(entries, timed["time_entries"], traced["time_entries"])
    return results


def case_figures(rows: int, timed: dict, traced: dict) -> dict:
    return {"rows": rows, "seconds": timed["seconds"], "heap_mb": traced["peak"] / 2**20,
            "rows_per_s": rows / timed["seconds"], "rss_before_mb": timed["rss_before_mb"],
            "rss_after_mb": timed["rss_after_mb"]}


def run_once(url: str, folder: Path, entries_file: Path | None, entries: int, *, traced: bool) -> dict[str, dict]:
    """Each case's seconds, heap peak (traced) and ru_maxrss around it; the tables are emptied after."""
    engine = make_engine(url)
    upgrade(engine)
    cases = {"tickets": import_case(engine, folder, "tickets", TICKETS, traced=traced)}
    if entries_file is not None:
        cases["time_entries"] = import_case(engine, entries_file, "time_entries", entries, traced=traced)
    empty_tables(engine)
    engine.dispose()
    return cases


def import_case(engine: Engine, path: Path, kind: str, expected: int, *, traced: bool) -> dict:
    """One import in a transaction of its own; heap traced from an empty trace when `traced`."""
    ctx = QueryContext(team_id="TBENCH", now=datetime.now(UTC), tz=ZoneInfo("UTC"))
    rss_before = max_rss_mb()
    if traced:
        tracemalloc.start()
    started = time.perf_counter()
    with Session(engine) as session, session.begin():
        report = import_path(session, ctx, path)
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] if traced else 0
    tracemalloc.stop()
    check_counts(report, kind, expected)
    return {"seconds": seconds, "peak": peak, "rss_before_mb": rss_before, "rss_after_mb": max_rss_mb()}


def check_counts(report: ImportReport, kind: str, expected: int) -> None:
    """All `expected` rows of `kind` new: a benchmark that skipped or merged rows would lie."""
    counts = report.counts[kind]
    assert (counts.new, counts.updated, counts.unchanged) == (expected, 0, 0), counts


def empty_tables(engine: Engine) -> None:
    with engine.begin() as connection:
        for table in TABLES:
            connection.execute(text(f"DELETE FROM {table}"))


def postgres_run(server: str, folder: Path, entries_file: Path | None, entries: int) -> dict[str, dict]:
    """Import into a throwaway schema on the test server, dropped afterwards."""
    with scratch_postgres(server) as url:
        return measure(url, folder, entries_file, entries)


def max_rss_mb() -> float:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 2**20 if sys.platform == "darwin" else rss / 1024


def section(results: dict[str, dict], csv_mb: float, entries: int, entries_mb: float) -> str:
    title = f"## CSV import: {TICKETS:,} tickets" + (f" and {entries:,} time entries" if entries else "")
    intro = (f"Generated {TICKETS:,} tickets with {CUSTOMERS} customers, {PEOPLE} people and {SERVICES} services "
             f"({csv_mb:.1f} MB of CSV), imported in one transaction by `store.io.import_path`.")
    machine = machine_line()
    method = ("Wall time comes from an untraced run; peak Python heap from a second run under tracemalloc "
              "(which slows the import, so its time is not reported). Rows are streamed and written 1,000 at a "
              "time; what grows with the file is only the set of keys seen (for duplicate-key errors).")
    lines = [BEGIN, title, "", intro, "",
             "| database | wall time | tickets/s | peak Python heap (tracemalloc) |", "|---|---|---|---|"]
    for name, r in results.items():
        t = r["tickets"]
        lines.append(f"| {name} | {t['seconds']:.1f} s | {t['rows_per_s']:,.0f} | {t['heap_mb']:.1f} MB |")
    if entries:
        lines += ["", *time_entries_table(results, entries, entries_mb)]
    lines += ["", f"Process peak RSS (ru_maxrss, whole run): {max_rss_mb():.0f} MB.", "", machine, "", method,
              "", f"Command: `{command(results, entries)}`", END]
    return "\n".join(lines) + "\n"


def time_entries_table(results: dict[str, dict], entries: int, entries_mb: float) -> list[str]:
    intro = (f"Then {entries:,} time entries ({entries_mb:.1f} MB of CSV: the {PEOPLE} people over 13 weeks of "
             f"working days, {INTERNAL_SHARE:.0%} internal time with no service, a third of the notes with a "
             "comma), streamed from one file into the same database in a transaction of their own. ru_maxrss "
             "is the process's peak so far just before and just after the untraced import: it only rises, "
             "so a later database starts where the earlier one (and its traced run) left it.")
    lines = [intro, "", "| database | time entries | wall time | time entries/s | peak Python heap (tracemalloc) "
             "| process peak RSS (ru_maxrss) before → after |", "|---|---|---|---|---|---|"]
    for name, r in results.items():
        e = r["time_entries"]
        lines.append(f"| {name} | {e['rows']:,} | {e['seconds']:.1f} s | {e['rows_per_s']:,.0f} | "
                     f"{e['heap_mb']:.1f} MB | {e['rss_before_mb']:.0f} → {e['rss_after_mb']:.0f} MB |")
    return lines


def command(results: dict[str, dict], entries: int) -> str:
    server = "DELIVERY_TEST_POSTGRES_URL=… " if "PostgreSQL" in results else ""
    return f"{server}.venv/bin/python bench/import_bench.py --time-entries {entries} --write"


def report_line(name: str, result: dict[str, dict]) -> str:
    return "; ".join(f"{name} {kind}: {r['rows']:,} rows in {r['seconds']:.1f} s = {r['rows_per_s']:,.0f}/s, "
                     f"heap peak {r['heap_mb']:.1f} MB, ru_maxrss {r['rss_before_mb']:.0f} → "
                     f"{r['rss_after_mb']:.0f} MB" for kind, r in result.items())


def main() -> None:
    args = parse_args()
    entries = max(args.time_entries, 0)
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp) / "csv"
        folder.mkdir()
        generate(folder)
        csv_mb = sum(p.stat().st_size for p in folder.iterdir()) / 2**20
        # Outside the tickets folder: importing that folder must not pick it up.
        entries_file = Path(temp) / "time_entries.csv" if entries else None
        if entries_file is not None:
            generate_time_entries(entries_file, entries)
        entries_mb = entries_file.stat().st_size / 2**20 if entries_file is not None else 0.0
        results = {"SQLite": measure(f"sqlite:///{Path(temp) / 'bench.db'}", folder, entries_file, entries)}
        print(report_line("SQLite", results["SQLite"]), flush=True)
        server = os.environ.get("DELIVERY_TEST_POSTGRES_URL")
        if server:
            results["PostgreSQL"] = postgres_run(server, folder, entries_file, entries)
            print(report_line("PostgreSQL", results["PostgreSQL"]), flush=True)
        block = section(results, csv_mb, entries, entries_mb)
    if args.write:
        write_section(BEGIN, END, block)
        print(f"wrote {RESULTS}")
    else:
        print(block, end="")
        print(f"(not written: pass --write to rewrite this section of {RESULTS})")


if __name__ == "__main__":
    main()
