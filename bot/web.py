"""HTTP mode: a WSGI app with Slack's endpoint, the OAuth install flow and a health check.

Gunicorn serves it (`delivery-bot serve`); nothing here starts a server.

Routes: `POST /slack/events` (signed requests from Slack), `GET /healthz`, and, when the app
has an OAuth flow (SLACK_CLIENT_ID and SLACK_CLIENT_SECRET set), `GET /slack/install` and
`GET /slack/oauth_redirect` (the paths bot.app gives the OAuthSettings; Bolt's WSGI adapter
answers them from the app's `oauth_flow`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from http import HTTPStatus

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.adapter.wsgi.http_response import WsgiHttpResponse
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import Engine

from bot.slack_gate import Refusal, dispatch, signed_request
from bot.slack_gate import log as gate_log
from handlers.received import RECEIVED_AT_HEADER
from store.db import database_reachable
from store.schema import schema_state

SLACK_PATH = "/slack/events"
# Bolt's request carries HTTP headers only: the arrival time travels as one (see handlers/received.py).
RECEIVED_AT_ENVIRON = "HTTP_" + RECEIVED_AT_HEADER.upper().replace("-", "_")
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


def oauth_paths(app: App) -> frozenset[str]:
    """The install and redirect paths of the app's OAuth flow; none without one."""
    flow = app.oauth_flow
    return frozenset() if flow is None else frozenset({flow.install_path, flow.redirect_uri_path})


def slack_events(app: App, verifier: SignatureVerifier) -> Callable:
    """`POST /slack/events`: a request passes bot/slack_gate.py (size, signature, a readable body)
    before Bolt dispatches it; what does not is answered there with one log line."""

    def events(environ: dict, start_response: Callable) -> Iterable[bytes]:
        headers = WsgiHttpRequest(environ).get_headers()
        try:
            request = signed_request(verifier, environ, headers)
        except Refusal as refusal:
            gate_log.info("refused %s %s: %s", refusal.status, SLACK_PATH, refusal.reason)
            response = WsgiHttpResponse(status=refusal.status, headers={"content-type": ["text/plain;charset=utf-8"]},
                                        body=HTTPStatus(refusal.status).phrase)
        else:
            answer = dispatch(app, request)
            response = WsgiHttpResponse(status=answer.status, headers=answer.headers, body=answer.body)
        start_response(response.status, response.get_headers())
        return response.get_body()

    return events


def create_wsgi_app(app: App, engine: Engine, signing_secret: str) -> Callable:
    slack = SlackRequestHandler(app, path=SLACK_PATH)
    events = slack_events(app, SignatureVerifier(signing_secret))
    install_paths = oauth_paths(app)

    def wsgi(environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO")
        if path in install_paths and environ.get("REQUEST_METHOD") == "GET":
            # The adapter runs Bolt's OAuthFlow: the install page, then Slack's redirect back.
            return slack(environ, start_response)
        if path == HEALTH_PATH and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            status, document = health(engine)
            body = json.dumps(document).encode()
            reason = "OK" if status == 200 else "Service Unavailable"
            start_response(
                f"{status} {reason}",
                [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
            )
            return [body]
        # When the request reached us, for listeners that must answer within Slack's 3 s
        # (handlers/commands/delivery.py); always ours, whatever a client sent in its place.
        environ[RECEIVED_AT_ENVIRON] = repr(time.monotonic())
        if path == SLACK_PATH and environ.get("REQUEST_METHOD") == "POST":
            return events(environ, start_response)
        return slack(environ, start_response)

    return wsgi
