"""Benchmark: rendering each chart of `/delivery trends` at 10,000 services (issue 22: under 300 ms each).

Why: a chart is drawn after the answer, but a digest run draws one per subscription that wants them
and a burst of `/delivery trends` draws three each, so each must stay cheap whatever the portfolio's
size. This loads the synthetic portfolio (`store.demo.synthetic`) into a fresh database of each kind,
reads the trends once (the query is timed on its own: cold, reading the past weeks too, and warm, once
they are kept), then draws each chart `--repeat` times from that read model: median and max ms, and
the PNG's size.

Run with `.venv/bin/python bench/charts_bench.py [--services N] [--repeat N] [--write]`; PostgreSQL runs
when DELIVERY_TEST_POSTGRES_URL is set. `--write` rewrites this bench's section of bench/results.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from benchlib import machine_line, scratch_postgres, write_section
from fake_slack_files import png_size

from messages.charts.drafts import patterns_charts, trends_charts
from store.clock import FixedClock
from store.db import make_engine, make_sessionmaker
from store.demo.synthetic import load_synthetic
from store.queries.patterns import patterns_report
from store.queries.trends import trends
from store.schema import upgrade
from store.workspace import Workspace

TEAM = "T0BENCH"
BEGIN, END = "<!-- charts-bench:begin -->", "<!-- charts-bench:end -->"
TARGET_MS = 300
T = TypeVar("T")


@contextmanager
def fresh_database(kind: str, folder: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'charts.db'}"
        return
    with scratch_postgres(os.environ["DELIVERY_TEST_POSTGRES_URL"]) as url:
        yield url


def timed(work: Callable[[], T]) -> tuple[float, T]:
    started = time.perf_counter()
    result = work()
    return (time.perf_counter() - started) * 1000, result


def bench(kind: str, services: int, repeat: int) -> dict:
    with tempfile.TemporaryDirectory() as folder, fresh_database(kind, Path(folder)) as url:
        engine = make_engine(url)
        try:
            upgrade(engine)
            now = datetime.now(UTC)
            load_synthetic(engine, team_id=TEAM, now=now, tz=UTC, services=services)
            workspace = Workspace(sessions=make_sessionmaker(engine), team_id=TEAM, clock=FixedClock(now),
                                  tz=ZoneInfo("UTC"))
            cold, data = timed(lambda: workspace.read(trends))
            warm = sorted(timed(lambda: workspace.read(trends))[0] for _ in range(repeat))
            patterns = workspace.read(patterns_report)
            charts = {}
            for draft in (*trends_charts(data, workspace.tz), *patterns_charts(patterns)):
                draft.draw()  # the first draw of a process loads fonts: not what each chart costs
                drawn = [timed(draft.draw) for _ in range(repeat)]
                times, chart = [ms for ms, _ in drawn], drawn[-1][1]
                charts[draft.name] = {"median": statistics.median(times), "max": max(times),
                                      "size": png_size(chart.png), "bytes": len(chart.png), "alt": len(chart.alt_text)}
                print(f"  {kind} {draft.name}: median {charts[draft.name]['median']:.1f} ms, "
                      f"max {charts[draft.name]['max']:.1f} ms", flush=True)
            print(f"  {kind} trends query: cold {cold:.0f} ms, warm median {statistics.median(warm):.1f} ms",
                  flush=True)
            return {"cold": cold, "warm_median": statistics.median(warm), "warm_max": max(warm), "charts": charts,
                    "people": data.billable.counted, "load": os.getloadavg()[0]}
        finally:
            engine.dispose()


def results_load(results: dict[str, dict]) -> str:
    """The 1-minute load average after each database's draws: on a shared machine, what the times were up against."""
    return ", ".join(f"{kind} {result['load']:.1f}" for kind, result in results.items())


def section(results: dict[str, dict], services: int, repeat: int) -> str:
    lines = [BEGIN, "## Charts: rendering each chart of `/delivery trends` and `/delivery patterns`", "",
             f"Synthetic portfolio of {services:,} services. The trends are read once, then each chart is drawn "
             f"{repeat} times from that read model (`blockers` from the kept `/delivery patterns` report; "
             "matplotlib's Agg canvas on a figure of its own, PNG "
             f"800x400 at 100 dpi; one draw first, which loads the fonts). Target: under {TARGET_MS} ms per chart. "
             "The query is timed apart: cold reads the past weeks too (the health mix at seven Mondays, five "
             "statements each, on schedule and SLA of eight weeks, last week's billable shares); warm reads only "
             "the present, the past weeks being kept for 10 minutes (store/queries/trends.py).", "",
             "| database | chart | median ms | max ms | PNG | alt text chars |", "|---|---|---|---|---|---|"]
    for kind, result in results.items():
        for name, chart in result["charts"].items():
            width, height = chart["size"]
            lines.append(f"| {kind} | {name} | {chart['median']:.1f} | {chart['max']:.1f} | {width}x{height}, "
                         f"{chart['bytes'] / 1024:.0f} KiB | {chart['alt']} |")
    lines += ["", "| database | trends query cold ms | warm median / max ms | people in the billable chart's count |",
              "|---|---|---|---|"]
    for kind, result in results.items():
        lines.append(f"| {kind} | {result['cold']:.0f} | {result['warm_median']:.1f} / {result['warm_max']:.1f} | "
                     f"{result['people']:,} |")
    lines += ["", machine_line() + f" Load average while drawing: {results_load(results)}.", "",
              f"Command: `.venv/bin/python bench/charts_bench.py --services {services} --repeat {repeat} --write`"
              + (" with `DELIVERY_TEST_POSTGRES_URL` set" if "PostgreSQL" in results else ""), END]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--write", action="store_true", help="rewrite this bench's section of bench/results.md")
    args = parser.parse_args()
    kinds = [("SQLite", "sqlite")] + ([("PostgreSQL", "postgres")] if os.environ.get("DELIVERY_TEST_POSTGRES_URL")
                                     else [])
    results = {name: bench(kind, args.services, args.repeat) for name, kind in kinds}
    slowest = max(chart["median"] for r in results.values() for chart in r["charts"].values())
    print(f"charts-bench result: slowest chart median {slowest:.1f} ms (target {TARGET_MS} ms)")
    if args.write:
        write_section(BEGIN, END, section(results, args.services, args.repeat))
    return 0 if slowest < TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
