"""The load benchmark's figures and its section of bench/results.md (bench/load_bench.py runs the load).

Everything here reads what a run recorded (its results, clicks, the fake Slack's response_url
posts, the server's log) and turns it into percentiles, checks and markdown.
"""

from __future__ import annotations

import math
import re
import subprocess
from collections import Counter, defaultdict
from pathlib import Path

from benchlib import machine_line

ROOT = Path(__file__).resolve().parent.parent
BEGIN, END = "<!-- load-bench:begin -->", "<!-- load-bench:end -->"
ACK_LIMIT_MS = 3000.0
COMMANDS = ("status", "status <service>", "capacity", "at-risk", "tickets", "mine")
CLICK = "click (deliverable move)"


def already_once(load) -> int:
    """Double clicks, both acknowledged, whose two requests got exactly one "Already ..." reply between them."""
    count = 0
    with load.fake.lock:
        for click in load.clicks:
            if len(click.names) == 2 and click.statuses == [200, 200]:
                texts = [t for name in click.names for _, t in load.fake.posts.get(name, [])]
                count += sum(t.startswith("Already") for t in texts) == 1
    return count


def percentile(sorted_values: list[float], p: float) -> float:
    return sorted_values[max(0, math.ceil(p * len(sorted_values)) - 1)]


def latency_rows(results: list) -> list[dict]:
    by_kind: dict[str, list] = defaultdict(list)
    for r in results:
        by_kind[r.kind].append(r)
    order = [f"/delivery {k}" for k in COMMANDS] + [CLICK]
    rows = []
    for kind in [k for k in order if k in by_kind] + ["all requests"]:
        group = results if kind == "all requests" else by_kind[kind]
        ms = sorted(r.ms for r in group)
        rows.append({"kind": kind, "count": len(group), "ok": sum(r.status == 200 for r in group),
                     "p50": percentile(ms, 0.5), "p99": percentile(ms, 0.99), "max": ms[-1],
                     "late": sum(m > ACK_LIMIT_MS for m in ms)})
    return rows


def response_delays(load) -> list[float]:
    """ms from sending an acknowledged click to the first response_url post for it (the re-drawn card)."""
    delays = []
    with load.fake.lock:
        for click in load.clicks:
            for name, status, sent in zip(click.names, click.statuses, click.sent, strict=True):
                posts = load.fake.posts.get(name)
                if status == 200 and posts:
                    delays.append((posts[0][0] - sent) * 1000)
    return sorted(delays)


def answer_delays(load) -> list[float]:
    """ms from sending a command acknowledged with "Working on it" to its answer's response_url post."""
    delays = []
    with load.fake.lock:
        for result in load.results:
            posts = load.fake.posts.get(result.name) if result.deferred else None
            if posts:
                delays.append((posts[0][0] - result.sent) * 1000)
    return sorted(delays)


def server_errors(log: Path) -> tuple[Counter, list[str]]:
    """HTTP statuses from gunicorn's access log, and the log's error lines."""
    statuses, errors = Counter(), []
    for line in log.read_text(errors="replace").splitlines():
        found = re.search(r'" (\d{3}) \S+ \d+ms$', line)
        if found:
            statuses[int(found.group(1))] += 1
        # Bolt logs "<listener> didn't call ack()" and "Unhandled request" when it gave up waiting for the
        # ack (3 s) and answered 404: the request may still be processed afterwards.
        elif re.search(r"Traceback|\bERROR\b|\[CRITICAL\]|WORKER TIMEOUT|Exception|didn't call ack|Unhandled request",
                       line):
            errors.append(line.strip())
    return statuses, errors


# -- the report -------------------------------------------------------------------------------------


def code_version() -> str:
    """The commit the code came from: git, or EXPORTED_FROM in an export (`git archive HEAD`)."""
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    if head.returncode != 0:
        marker = ROOT / "EXPORTED_FROM"
        return (f"an export of commit {marker.read_text().strip()}" if marker.exists()
                else f"{ROOT} (not a git checkout)")
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    return f"the working tree at {head.stdout.strip()}" + (" with uncommitted changes" if dirty else "")


def serve_defaults() -> tuple[int, int]:
    from bot.cli import _parser  # only for serve's defaults

    serve = _parser().parse_args(["serve"])
    return serve.workers, serve.threads


INTRO = """## Load on the HTTP endpoint

`delivery-bot serve` (gunicorn gthread) on loopback against a generated portfolio (`store.demo.synthetic`), the
fake Slack Web API (tests/fake_slack.py) in the load process. Each client thread (a requests.Session each) loops
until the time is up; each request is a signed `/delivery` command (status, status <service>, capacity, at-risk,
tickets, mine, uniformly) or, with the click share, a signed overflow click (block_actions from an ephemeral
service card) moving a different deliverable each (Start or Complete, from the version shown), some sent twice at
once (a double click). Latency is the time to the HTTP answer, i.e. the ack: commands answer in the ack (or, past
the answer budget, acknowledge with "Working on it" and answer through the response_url), clicks ack first and
change after. Checks: every answer 200 within 3 s, no 5xx, no error in the server log, and in the
database every acknowledged click applied exactly once (status, version, one audit row with the right from/to and
actor) or, when the server was too busy to take it, refused with nothing changed and the person told so (a
response_url post saying so), and no other change. Refusals are counted: shedding work is how the server keeps
acknowledging and keeps its queue short enough to finish on a graceful stop. One run per database, size and server
shape below; a new run replaces its own."""


def run_block(args, fx, elapsed, rows, statuses, delays, stats, missing, problems, log_errors, drain_s,
              workers, threads, command, loadavg, answers=(), commands=0, busy_commands=0) -> tuple[str, str]:
    """This run's key and its markdown, between its own markers inside the section."""
    think = f"-think{args.think:g}" if args.think else ""
    key = f"{args.database}-{fx.services}-w{workers}t{threads}-c{args.clients}{think}"
    total = rows[-1]
    five = sum(n for s, n in statuses.items() if isinstance(s, int) and s >= 500)
    database = {"sqlite": "SQLite", "postgres": "PostgreSQL"}[args.database]
    lines = [f"<!-- load-run:{key}:begin -->",
             f"### {database}, {fx.services:,} services, {workers} worker(s) × {threads} threads, "
             f"{args.clients} clients, {args.seconds:g} s", "",
             f"Clicks {args.click_share:.0%} of requests, {args.double_share:.0%} of them doubled; "
             + (f"{args.think:g} s between a client's requests." if args.think else "no pause between requests.")
             + (" Server shape: serve's defaults." if (args.workers, args.threads) == (None, None) else ""),
             "", "| request | count | 200 | p50 ms | p99 ms | max ms | over 3 s |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        name = f"**{r['kind']}**" if r["kind"] == "all requests" else r["kind"]
        lines.append(f"| {name} | {r['count']:,} | {r['ok']:,} | {r['p50']:.0f} | {r['p99']:.0f} | "
                     f"{r['max']:.0f} | {r['late']:,} |")
    lines += [""]
    if delays:
        lines += [f"Click to re-drawn card (the response_url post reaching the fake Slack): p50 "
                  f"{percentile(delays, 0.5):.0f} ms, p99 {percentile(delays, 0.99):.0f} ms, max {delays[-1]:.0f} ms "
                  f"over {len(delays):,} acknowledged click requests.", ""]
    if commands:
        lines += [f"Commands acknowledged with \"Working on it\" (answer not ready within the answer budget) and "
                  f"answered through the response_url: {len(answers):,} of {commands:,}"
                  + (f"; send to answer p50 {percentile(answers, 0.5):.0f} ms, p99 {percentile(answers, 0.99):.0f} ms, "
                     f"max {answers[-1]:.0f} ms." if answers else "."), ""]
        lines += [f"Commands refused at once as busy (a new answer would have taken longer than "
                  f"DELIVERY_BUSY_AFTER_SECONDS): {busy_commands:,} of {commands:,}.", ""]
    status_text = ", ".join(f"{s}: {n:,}" for s, n in sorted(statuses.items(), key=lambda i: str(i[0])))
    lines += [f"Throughput: {total['count']:,} requests in {elapsed:.1f} s = {total['count'] / elapsed:.1f} req/s. "
              f"Answers by status: {status_text}. 5xx: {five}. Server log error lines: {len(log_errors)}.", "",
              "Changes checked in the database after the run: "
              + ", ".join(f"{k}: {v:,}" for k, v in stats.items())
              + f"; acknowledged clicks with no response_url post after waiting {drain_s:.0f} s: {len(missing)}.", "",
              ("**Result: all checks passed.**" if not problems else
               f"**Result: {len(problems)} check(s) failed**, first ones:")]
    lines += [f"- {p}" for p in problems[:12]]
    lines += ["", f"Code (load script and server): {code_version()}. " + machine_line()
              + f" 1-minute load average {loadavg[0]:.1f} before the run, {loadavg[1]:.1f} after it "
              f"(other work shares this machine).", "", f"Command: `{command}`",
              f"<!-- load-run:{key}:end -->"]
    return key, "\n".join(lines)


def section(results: Path, key: str, block: str) -> str:
    """The whole section: the intro, then every run kept so far (this one replacing its own), by key."""
    runs = {}
    old = results.read_text(encoding="utf-8") if results.exists() else ""
    if BEGIN in old and END in old:
        inside = old.split(BEGIN, 1)[1].split(END, 1)[0]
        for found in re.finditer(r"<!-- load-run:(\S+):begin -->.*?<!-- load-run:\1:end -->", inside, re.S):
            runs[found.group(1)] = found.group(0)
    runs[key] = block
    return "\n\n".join([BEGIN + "\n" + INTRO] + [runs[k] for k in sorted(runs)]) + "\n" + END + "\n"
