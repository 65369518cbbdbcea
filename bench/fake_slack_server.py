"""The test suite's fake Slack Web API (tests/fake_slack.py) in a process of its own, for
bench/fanout_bench.py: its server threads then never compete with a scheduler for the GIL.

Run with `.venv/bin/python bench/fake_slack_server.py [--latency 0.1] [--rate 50]`. Once it listens
it prints `api_url <url>`; then it reads commands on stdin, one a line:

    posts <path>   write every chat.postMessage answered so far to <path> (JSON), then print `done`

and stops at the end of its input. `FakeSlackProcess` starts it and speaks this for a caller.
Each post's `at` is `time.monotonic()` when it was answered: CLOCK_MONOTONIC, the same clock in
every process on Linux, so the caller can compare it with its own.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from fake_slack import FakeSlack, SlackCall

API_URL_LINE = "api_url "
DONE = "done"
OPS_NOTICE = ":warning: Digests this run"  # digests/ops_report.py's message to ops


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.1, help="seconds before each call is answered")
    parser.add_argument("--rate", type=float, default=0,
                        help="answer chat.postMessage with 429 beyond this many posts a second (0: no limit)")
    parser.add_argument("--retry-after", type=int, default=1, help="the Retry-After of each 429, in seconds")
    return parser.parse_args()


def post_record(call: SlackCall) -> dict:
    """What the benchmark needs of one chat.postMessage: where, how it was answered, and when."""
    text = call.params.get("text")
    return {"channel": call.params.get("channel"), "status": call.status, "ok": bool(call.response.get("ok")),
            "ts": call.response.get("ts"), "at": call.at,
            "ops_notice": isinstance(text, str) and text.startswith(OPS_NOTICE)}


def serve(args: argparse.Namespace) -> None:
    with FakeSlack() as fake:
        fake.set_latency(args.latency)
        if args.rate:
            fake.limit_rate(args.rate, retry_after=args.retry_after)
        print(API_URL_LINE + fake.api_url, flush=True)
        for line in sys.stdin:
            command, _, argument = line.strip().partition(" ")
            if command == "posts":
                posts = [post_record(call) for call in fake.calls_to("chat.postMessage")]
                Path(argument).write_text(json.dumps(posts), encoding="utf-8")
                print(DONE, flush=True)
            elif command:
                print(f"unknown command {command!r}", file=sys.stderr, flush=True)


def on_cpus(cpus: set[int] | None) -> Callable[[], None] | None:
    """A `preexec_fn` that keeps a child process on `cpus` (None: wherever the OS puts it)."""
    if cpus is None:
        return None
    return lambda: os.sched_setaffinity(0, cpus)


class FakeSlackProcess:
    """`with FakeSlackProcess(latency=0.1, rate=50) as fake:` starts the server in a child process;
    `fake.api_url` is its Web API, `fake.posts()` the chat.postMessage calls it has answered."""

    def __init__(self, *, latency: float, rate: float = 0, retry_after: int = 1,
                 cpus: set[int] | None = None) -> None:
        self.cpus = cpus
        self.command = [sys.executable, __file__, "--latency", str(latency), "--rate", str(rate),
                        "--retry-after", str(retry_after)]
        self.process: subprocess.Popen | None = None
        self.api_url = ""

    def __enter__(self) -> FakeSlackProcess:
        self.process = subprocess.Popen(self.command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                        preexec_fn=on_cpus(self.cpus))
        first = self._line()
        if not first.startswith(API_URL_LINE):
            self.__exit__()
            raise RuntimeError(f"the fake Slack server did not start: {first!r}")
        self.api_url = first[len(API_URL_LINE):]
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.process is None:
            return
        process, self.process = self.process, None
        if process.stdin:
            process.stdin.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout:
            process.stdout.close()

    def posts(self) -> list[dict]:
        assert self.process is not None and self.process.stdin is not None
        with tempfile.NamedTemporaryFile(suffix=".json") as out:
            self.process.stdin.write(f"posts {out.name}\n")
            self.process.stdin.flush()
            answer = self._line()
            if answer != DONE:
                raise RuntimeError(f"the fake Slack server answered {answer!r}")
            return json.loads(Path(out.name).read_text(encoding="utf-8"))

    def _line(self) -> str:
        assert self.process is not None and self.process.stdout is not None
        return self.process.stdout.readline().strip()


if __name__ == "__main__":
    serve(parse_args())
