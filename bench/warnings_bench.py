"""Benchmark: the SLA warnings' scan of a scheduler tick at 10,000 services and 500,000 tickets.

Why: issue 20 asks that a tick find what crossed a threshold since the last one from indexed due
times, never by reading every ticket, in under 200 ms on SQLite and PostgreSQL. This loads the
synthetic portfolio (`store.demo.synthetic`) into a fresh database of each kind, then times, as the
scheduler runs them (`Workspace.change`, one transaction each):

- the first tick, which computes every open ticket's next threshold (`sla_marks`) and claims what
  has crossed one (breaches only within the catch-up);
- a tick a minute for an hour after it (`store.sla.claim_crossings`): each reads only the marks due by
  then through `ix_sla_marks_team_at`, claims them in the ledger and moves them on.

It also counts each steady tick's statements. Run with `.venv/bin/python bench/warnings_bench.py
[--services N] [--ticks N] [--write]`; PostgreSQL runs when DELIVERY_TEST_POSTGRES_URL is set.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from benchlib import machine_line, scratch_postgres, write_section
from rawsql import capture
from sqlalchemy import func, select

from store.clock import FixedClock
from store.db import make_engine, make_sessionmaker
from store.demo.synthetic import load_synthetic
from store.models import SlaMark, Ticket
from store.schema import upgrade
from store.sla import claim_crossings
from store.workspace import Workspace

TEAM = "T0BENCH"
BEGIN, END = "<!-- warnings-bench:begin -->", "<!-- warnings-bench:end -->"


@contextmanager
def fresh_database(kind: str, folder: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'warnings.db'}"
        return
    with scratch_postgres(os.environ["DELIVERY_TEST_POSTGRES_URL"]) as url:
        yield url


def timed_tick(workspace: Workspace, at: datetime) -> tuple[float, int]:
    ticking = replace(workspace, clock=FixedClock(at))
    started = time.perf_counter()
    claimed = ticking.change(claim_crossings, claimed_by="bench")
    return (time.perf_counter() - started) * 1000, len(claimed)


def bench(kind: str, services: int, ticks: int) -> dict:
    with tempfile.TemporaryDirectory() as folder, fresh_database(kind, Path(folder)) as url:
        engine = make_engine(url)
        try:
            upgrade(engine)
            now = datetime.now(UTC).replace(second=0, microsecond=0)
            load_synthetic(engine, team_id=TEAM, now=now, tz=UTC, services=services)
            workspace = Workspace(sessions=make_sessionmaker(engine), team_id=TEAM, clock=FixedClock(now), tz=UTC)
            with workspace.sessions() as session:
                tickets = session.scalar(select(func.count()).select_from(Ticket).where(Ticket.team_id == TEAM))
                open_ = session.scalar(select(func.count()).select_from(Ticket).where(
                    Ticket.team_id == TEAM, Ticket.resolved_at.is_(None)))
            first_ms, first_claimed = timed_tick(workspace, now)
            with workspace.sessions() as session:
                marks = session.scalar(select(func.count()).select_from(SlaMark).where(SlaMark.team_id == TEAM))
            times, claims = [], []
            with capture(engine) as captured:
                timed_tick(workspace, now + timedelta(minutes=1))
            for minute in range(2, ticks + 2):
                ms, claimed = timed_tick(workspace, now + timedelta(minutes=minute))
                times.append(ms)
                claims.append(claimed)
            times.sort()
            return {"tickets": tickets, "open": open_, "marks": marks, "first_ms": first_ms,
                    "first_claimed": first_claimed, "median": statistics.median(times),
                    "p95": times[min(len(times) - 1, round(0.95 * len(times)) - 1)], "max": times[-1],
                    "claims": sum(claims), "most_claims": max(claims), "statements": len(captured.statements)}
        finally:
            engine.dispose()


def section(results: dict[str, dict], services: int, ticks: int) -> str:
    lines = [BEGIN, "## SLA warnings: a scheduler tick's scan", "",
             f"Synthetic portfolio of {services:,} services; the first tick computes every open ticket's next "
             f"threshold and claims what has crossed one (a breach only if within the 2-hour catch-up; a "
             f"warning before the breach however late: this is what switching warnings on costs once), then "
             f"{ticks} ticks a minute apart "
             "each claim the thresholds crossed since (`store.sla.claim_crossings` in one transaction, as the "
             "scheduler runs it; posting to Slack is not timed). Target: a tick's scan under 200 ms.", "",
             "| database | tickets (open) | marks | first tick ms (claimed) | steady tick median / p95 / max ms "
             "| claimed in the hour (most in one tick) | statements per tick |",
             "|---|---|---|---|---|---|---|"]
    for name, r in results.items():
        lines.append(f"| {name} | {r['tickets']:,} ({r['open']:,}) | {r['marks']:,} | {r['first_ms']:.0f} "
                     f"({r['first_claimed']:,}) | {r['median']:.1f} / {r['p95']:.1f} / {r['max']:.1f} | "
                     f"{r['claims']:,} ({r['most_claims']}) | {r['statements']} |")
    lines += ["", machine_line(), "",
              f"Command: `.venv/bin/python bench/warnings_bench.py --services {services} --ticks {ticks} --write`"
              + (" with `DELIVERY_TEST_POSTGRES_URL` set" if "PostgreSQL" in results else ""), END]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=10_000)
    parser.add_argument("--ticks", type=int, default=60)
    parser.add_argument("--write", action="store_true", help="rewrite this benchmark's section of bench/results.md")
    args = parser.parse_args()
    kinds = [("SQLite", "sqlite")] + ([("PostgreSQL", "postgres")] if os.environ.get("DELIVERY_TEST_POSTGRES_URL")
                                       else [])
    results = {}
    for name, kind in kinds:
        results[name] = bench(kind, args.services, args.ticks)
        print(name, results[name], flush=True)
    if args.write:
        write_section(BEGIN, END, section(results, args.services, args.ticks))


if __name__ == "__main__":
    main()
