"""Resident memory of `delivery-bot serve` after it has answered every command on a portfolio.

Why: the issue's target is that the server stays under 200 MB resident with the 10,000-service
portfolio. This starts the real server (gunicorn, as production runs it) on loopback against the
database, sends each `/delivery` command as a signed request a few times, and reads the
resident set (VmRSS) and its peak (VmHWM) of the master and worker processes from /proc.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import requests
from fake_slack import FakeSlack
from served_app import SIGNING_SECRET, served

from bot.local import signed_headers, slash_command_form

ROUNDS = 3


def _memory_kb(pid: int) -> dict[str, int]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0])
    return fields


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(line) for line in out.split()]


def _server_pid(port: int) -> int:
    """The gunicorn master: the process started with `bot.cli serve ... --port <port>`."""
    out = subprocess.run(["pgrep", "-f", f"bot.cli serve .*--port {port}"], capture_output=True, text=True).stdout
    return int(out.split()[0])


def measure_serve_rss(database_url: str, team: str, texts: list[str], user: str) -> dict:
    """Serve the database, answer each text ROUNDS times, and report the processes' memory in MB."""
    with FakeSlack() as slack, served(database_url, slack.api_url, DELIVERY_TEAM_ID=team) as base:
        port = int(base.rsplit(":", 1)[1])
        answered = 0
        for _ in range(ROUNDS):
            for text_ in texts:
                form = dict(parse_qsl(slash_command_form(text=text_, user_id=user, team_id=team).decode()))
                form["response_url"] = slack.response_url("rss")
                body = urlencode(form).encode()
                response = requests.post(f"{base}/slack/events", data=body,
                                         headers=signed_headers(SIGNING_SECRET, body), timeout=30)
                if response.status_code != 200:
                    raise RuntimeError(f"serve answered {text_!r} with {response.status_code}")
                answered += 1
        master = _server_pid(port)
        workers = _children(master)
        memory = {"master": _memory_kb(master), "workers": [_memory_kb(pid) for pid in workers]}
    return {
        "requests": answered,
        "master_rss_mb": memory["master"]["VmRSS"] / 1024,
        "worker_rss_mb": max(w["VmRSS"] for w in memory["workers"]) / 1024,
        "worker_peak_mb": max(w["VmHWM"] for w in memory["workers"]) / 1024,
        "workers": len(memory["workers"]),
    }
