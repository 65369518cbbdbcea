"""Benchmark: the escalation ladder's part of a scheduler tick at 10,000 services.

Why: issue 21 asks that the tick which escalates blocked deliverables, notices those unblocked since and
brings snoozes back stay cheap at 10,000 services: it must read the blocked deliverables through an index,
never every deliverable. This loads the synthetic portfolio (`store.demo.synthetic`) into a fresh database
of each kind, then times the store's side of a tick as the scheduler runs it (`Workspace.change`, one
transaction each; posting to Slack is not timed):

- the first ticks, which claim the backlog of deliverables blocked for days before the ladder existed (at
  most 200 a tick, each step posted and finished as sent);
- a tick a minute for an hour after the backlog: `claim_due_steps` (the blocked deliverables through
  `ix_deliverables_blocked`, with their episodes' steps and snoozes), `take_ended` (the steps that may
  have left a message, through `ix_escalation_steps_unsettled`) and `claim_returns` (the snoozes not
  returned, through `ix_deliverable_snoozes_unreturned`).

It also counts a steady tick's statements. Run with `.venv/bin/python bench/escalations_bench.py
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
from store.enums import DeliverableStatus, DeliveryStatus
from store.escalations import StepOutcome, claim_due_steps, claim_returns, finish_steps, take_ended
from store.models import Deliverable, EscalationStep
from store.schema import upgrade
from store.workspace import Workspace

TEAM = "T0BENCH"
BEGIN, END = "<!-- escalations-bench:begin -->", "<!-- escalations-bench:end -->"


@contextmanager
def fresh_database(kind: str, folder: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'escalations.db'}"
        return
    with scratch_postgres(os.environ["DELIVERY_TEST_POSTGRES_URL"]) as url:
        yield url


def tick(workspace: Workspace, at: datetime) -> tuple[float, int]:
    """The store's side of one tick at `at`: (milliseconds, steps claimed); the claims end as sent."""
    ticking = replace(workspace, clock=FixedClock(at))
    started = time.perf_counter()
    work = ticking.change(claim_due_steps, claimed_by="bench")
    ticking.change(take_ended)
    ticking.change(claim_returns, claimed_by="bench")
    elapsed = (time.perf_counter() - started) * 1000
    ticking.change(finish_steps, outcomes=[StepOutcome(c.step_id, DeliveryStatus.SENT) for c in work.claimed])
    return elapsed, len(work.claimed) + work.empty


def bench(kind: str, services: int, ticks: int) -> dict:
    with tempfile.TemporaryDirectory() as folder, fresh_database(kind, Path(folder)) as url:
        engine = make_engine(url)
        try:
            upgrade(engine)
            now = datetime.now(UTC).replace(second=0, microsecond=0)
            load_synthetic(engine, team_id=TEAM, now=now, tz=UTC, services=services)
            workspace = Workspace(sessions=make_sessionmaker(engine), team_id=TEAM, clock=FixedClock(now), tz=UTC)
            with workspace.sessions() as session:
                deliverables = session.scalar(select(func.count()).select_from(Deliverable)
                                              .where(Deliverable.team_id == TEAM))
                blocked = session.scalar(select(func.count()).select_from(Deliverable).where(
                    Deliverable.team_id == TEAM, Deliverable.status == DeliverableStatus.BLOCKED))
            backlog, first_ms, minute = 0, [], 0
            while True:  # the backlog: deliverables blocked for days before the ladder was switched on
                ms, claimed = tick(workspace, now + timedelta(minutes=minute))
                minute += 1
                if not claimed:
                    break
                backlog += claimed
                first_ms.append(ms)
            with workspace.sessions() as session:
                steps = session.scalar(select(func.count()).select_from(EscalationStep))
            with capture(engine) as captured:
                tick(workspace, now + timedelta(minutes=minute))
            times = []
            for offset in range(1, ticks + 1):
                ms, _claimed = tick(workspace, now + timedelta(minutes=minute + offset))
                times.append(ms)
            times.sort()
            return {"deliverables": deliverables, "blocked": blocked, "backlog": backlog, "steps": steps,
                    "first_ticks": len(first_ms), "first_max": max(first_ms, default=0.0),
                    "median": statistics.median(times), "p95": times[min(len(times) - 1, round(0.95 * len(times)) - 1)],
                    "max": times[-1], "statements": len(captured.statements)}
        finally:
            engine.dispose()


def section(results: dict[str, dict], services: int, ticks: int) -> str:
    lines = [BEGIN, "## Escalations: a scheduler tick's ladder, unblocked and snooze scans", "",
             f"Synthetic portfolio of {services:,} services. The first ticks take the backlog of deliverables blocked "
             "for days before the ladder existed (at most 200 steps a tick), then "
             f"{ticks} ticks a minute apart each run `claim_due_steps`, `take_ended` and `claim_returns` (three "
             "transactions, as the scheduler runs them; posting to Slack is not timed). The blocked deliverables are "
             "read through `ix_deliverables_blocked`, never every deliverable.", "",
             "| database | deliverables (blocked) | backlog steps (ticks, slowest ms) "
             "| steady tick median / p95 / max ms | statements per steady tick |",
             "|---|---|---|---|---|"]
    for name, r in results.items():
        lines.append(f"| {name} | {r['deliverables']:,} ({r['blocked']:,}) | {r['backlog']:,} ({r['first_ticks']}, "
                     f"{r['first_max']:.0f}) | {r['median']:.1f} / {r['p95']:.1f} / {r['max']:.1f} | "
                     f"{r['statements']} |")
    lines += ["", machine_line(), "",
              f"Command: `.venv/bin/python bench/escalations_bench.py --services {services} --ticks {ticks} --write`"
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
