"""Time the same commands with two (or more) versions of the code, side by side, on one database.

On a shared machine the same code's timings move by 10-100% from one run to the next, so a change
is measured by alternating the versions within minutes: each round runs every version once, each
in its own process, each command `--repeat` times after a warm-up, and prints medians and p95s.

    git archive <commit> | tar -x -C /tmp/before
    .venv/bin/python bench/compare_code.py --code /tmp/before --code . \\
        --database sqlite:////tmp/portfolio.db --team T0ACME --rounds 2

The database is used as it is (generate one with `delivery-bot demo --services 10000`) and must be
at a schema every version can read. The clock is the engagement tallies' checkpoint when there is
one (the moment they are exact at; `delivery-bot demo` refreshes kept health at the same moment),
else now.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

DEFAULT_COMMANDS = "/delivery status,/delivery at-risk"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--code", action="append", required=True, help="a checkout or export of the code")
    parser.add_argument("--database", required=True)
    parser.add_argument("--team", default="T0ACME")
    parser.add_argument("--commands", default=DEFAULT_COMMANDS, help="comma-separated labels of commands_bench")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args()


def checkpoint_clock(engine, team: str) -> datetime:
    from sqlalchemy import inspect, text

    if "engagement_checkpoints" not in inspect(engine).get_table_names():
        return datetime.now(UTC)
    with engine.connect() as connection:
        as_of = connection.execute(text("SELECT as_of FROM engagement_checkpoints WHERE team_id = :t"),
                                   {"t": team}).scalar()
    if as_of is None:
        return datetime.now(UTC)
    as_of = datetime.fromisoformat(as_of) if isinstance(as_of, str) else as_of
    return as_of if as_of.tzinfo else as_of.replace(tzinfo=UTC)


def work(args: argparse.Namespace) -> None:
    """In a process of its own, with one version of the code first on the path."""
    root = Path(args.code[0]).resolve()
    sys.path[:0] = [str(root), str(root / "bench")]
    import commands_bench

    from store.db import make_engine

    commands_bench.TEAM = args.team
    engine = make_engine(args.database)
    runs = commands_bench.cases(args.database, engine, checkpoint_clock(engine, args.team))
    timings = {}
    for label in args.commands.split(","):
        run = runs[label]
        run()
        taken = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            run()
            taken.append((time.perf_counter() - started) * 1000)
        taken.sort()
        timings[label] = {"median": statistics.median(taken), "p95": taken[max(0, int(0.95 * len(taken)) - 1)]}
    print(json.dumps(timings))


def main() -> None:
    args = parse_args()
    if args.worker:
        work(args)
        return
    for round_ in range(1, args.rounds + 1):
        for code in args.code:
            command = [sys.executable, __file__, "--worker", "--code", code, "--database", args.database,
                       "--team", args.team, "--commands", args.commands, "--repeat", str(args.repeat)]
            done = subprocess.run(command, capture_output=True, text=True, check=True)
            timings = json.loads(done.stdout.strip().splitlines()[-1])
            figures = " | ".join(f"{label}: median {t['median']:.1f} p95 {t['p95']:.1f}"
                                 for label, t in timings.items())
            print(f"round {round_} {code}: {figures}", flush=True)


if __name__ == "__main__":
    main()
