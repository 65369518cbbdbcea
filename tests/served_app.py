"""Run `delivery-bot serve` in a subprocess, as production runs it, for end-to-end tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

import requests

SIGNING_SECRET = "e2e-signing-secret"
BOT_TOKEN = "xoxb-e2e-token"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def app_environment(database_url: str, api_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env.update(
        DATABASE_URL=database_url,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=api_url,
        LOG_LEVEL="WARNING",
    )
    env.update(extra)  # a test may set any of the above, LOG_LEVEL included
    return env


@contextmanager
def served(database_url: str, api_url: str, *, startup_timeout: float = 30.0, log_path: str | None = None,
           **extra: str) -> Iterator[str]:
    """Start the server; yield its base URL once /healthz answers; stop it afterwards.

    Its output goes to a file (`log_path`, or a temporary one): a pipe nobody reads fills up after
    about a thousand access-log lines and then blocks the server."""
    port = free_port()
    with (open(log_path, "w+") if log_path else tempfile.TemporaryFile(mode="w+")) as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1", "--port", str(port), "--threads", "4"],
            env=app_environment(database_url, api_url, **extra),
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_until_healthy(base, process, startup_timeout, log)
            yield base
        finally:
            stop_process(process, timeout=15)


def stop_process(process: subprocess.Popen, *, timeout: float) -> None:
    """SIGTERM, then SIGKILL if it has not exited within `timeout` seconds."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _wait_until_healthy(base: str, process: subprocess.Popen, timeout: float, log) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"the server exited with {process.returncode}:\n{log.read()}")
        try:
            if requests.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the server did not answer /healthz within {timeout} s")
