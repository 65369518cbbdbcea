"""HTTP mode: a WSGI app with Slack's endpoint and a health check.

Gunicorn serves it (`delivery-bot serve`); nothing here starts a server.
"""

from __future__ import annotations

import json
from typing import Callable, Iterable

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import Engine

from store.db import database_reachable
from store.schema import schema_state

SLACK_PATH = "/slack/events"
HEALTH_PATH = "/healthz"


def health(engine: Engine) -> tuple[int, dict]:
    if not database_reachable(engine):
        return 503, {"status": "unavailable", "database": "unreachable"}
    state = schema_state(engine)
    return 200, {
        "status": "ok",
        "database": "reachable",
        "dialect": engine.dialect.name,
        "schema": state.current,
        "schema_up_to_date": state.up_to_date,
    }


def create_wsgi_app(app: App, engine: Engine) -> Callable:
    slack = SlackRequestHandler(app, path=SLACK_PATH)

    def wsgi(environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            status, document = health(engine)
            body = json.dumps(document).encode()
            reason = "OK" if status == 200 else "Service Unavailable"
            start_response(
                f"{status} {reason}",
                [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
            )
            return [body]
        return slack(environ, start_response)

    return wsgi
