"""A local fake of Slack's Web API for tests: records calls, answers like Slack.

`FakeSlack` runs a small threaded HTTP server on 127.0.0.1. Point the app at it
with `SLACK_API_URL=fake.api_url` (slack_sdk's `WebClient(base_url=...)`), then
assert on `fake.calls` / `fake.wait_for(...)`. It is a test double: stdlib
`ThreadingHTTPServer` in a daemon thread, no product code depends on it.

    with FakeSlack() as fake:
        client = WebClient(token="xoxb-test", base_url=fake.api_url)
        client.chat_postMessage(channel="C0OPS", text="hi")
        assert fake.calls_to("chat.postMessage")[0].params["text"] == "hi"

Failures are programmable (`fail_next`, `rate_limit_next`, `drop_after_accepting`: a post
taken and then its answer lost), and so are a network's latency (`set_latency`) and a
workspace-wide rate limit (`limit_rate`: 429 with Retry-After beyond N posts a second).
`response_url(name)` gives an URL that records what the app posts to a slash command's or a
click's `response_url`.

Several workspaces: `add_workspace(team_id, token, code=...)` makes `auth.test`
answer `token` with that team, and `oauth.v2.access` exchange `code` for that
bot token, as Slack does at the end of the OAuth install flow (checking the app's
client id and secret given by `set_oauth_client`). Other tokens are the default
team's (T0ACME).
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from fake_slack_files import PNG_MAGIC, UPLOAD_METHOD, FileUploadMethods, UploadedFile, png_size  # noqa: F401
from fake_slack_methods import (  # noqa: F401 (re-exported: tests import them from here)
    _TS_BASE_SECONDS,
    APP_ID,
    AUTH_TEST,
    BOT_ID,
    BOT_USER_ID,
    TEAM_ID,
    Headers,
    Json,
    WebApiMethods,
    _error,
    _token,
)

RESPONSE_URL_METHOD = "response_url"
# A held call is answered after this long even if never released, so a failing test cannot hang.
HELD_AT_MOST_SECONDS = 60

# Slack accepts these as JSON strings in form bodies and as objects in JSON
# bodies; decoding them here lets tests assert on one shape either way.
_JSON_VALUED_PARAMS = frozenset({"blocks", "attachments", "view", "metadata"})

# The first ts handed out is 1700000000.000100, then .000200, ...
_TS_STEP_MICROS = 100



@dataclass(frozen=True)
class SlackCall:
    """One request the fake received and what it answered."""

    method: str  # "chat.postMessage", or RESPONSE_URL_METHOD for response_url posts
    params: Json  # query string, form or JSON body, merged
    headers: Headers
    body: bytes
    status: int
    response: Json
    name: str | None = None  # the response_url name; None for Web API calls
    at: float = 0.0  # time.monotonic() when it was answered

    @property
    def token(self) -> str | None:
        """The bearer token, or the `token` param Slack also accepts."""
        auth = self.headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            return auth[len("bearer ") :].strip()
        token = self.params.get("token")
        return token if isinstance(token, str) else None


@dataclass
class _Rule:
    """A programmed answer for the next `times` matching calls."""

    method: str
    status: int
    response: Json
    times: int
    channel: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False  # answer as usual, then close the connection instead of sending the answer

    def matches(self, method: str, params: Json) -> bool:
        if self.times <= 0 or self.method != method:
            return False
        return self.channel is None or params.get("channel") == self.channel


@dataclass
class _Reply:
    status: int
    body: Json
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False


class FakeSlack(WebApiMethods, FileUploadMethods):
    """Fake Slack Web API server; a context manager (`with FakeSlack() as fake:`)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._calls: list[SlackCall] = []
        self._rules: list[_Rule] = []
        self._overrides: dict[str, Json] = {}
        self._counter = 0
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._teams_by_token: dict[str, tuple[str, str]] = {}  # token -> (team id, team name)
        self._tokens_by_code: dict[str, str] = {}
        self._oauth_client: tuple[str, str] | None = None
        self._held: dict[str, threading.Event] = {}  # method -> opened when calls may be answered
        self._latency = 0.0
        self._rate: tuple[float, int] | None = None  # (posts a second, Retry-After) of limit_rate
        self._recent_posts: deque[float] = deque()  # when the posts of the last second were taken
        self._handlers: dict[str, Callable[[Json], Json]] = {
            "chat.postMessage": self._chat_post_message,
            "chat.update": self._chat_update,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "views.publish": self._views_publish,
            "views.open": self._views_open,
            "views.update": self._views_update,
            "conversations.open": self._conversations_open,
            "users.info": self._users_info,
            "users.list": self._users_list,
            # Answered with the request's headers in _answer_api (per token / client credentials).
            "auth.test": lambda params: dict(AUTH_TEST),
            "oauth.v2.access": lambda params: _error("invalid_code"),
            **self._file_handlers(),
        }
        self._init_files()

    # -- lifecycle -----------------------------------------------------------

    def start(self) -> FakeSlack:
        """Bind 127.0.0.1 on a free port and serve in a daemon thread."""
        if self._server is not None:
            return self
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        server.daemon_threads = True  # a hung client must not block stop()
        server.fake = self  # type: ignore[attr-defined]
        self._server = server
        # A short poll interval keeps stop() fast in every test's teardown.
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-slack", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and free the port; safe to call twice."""
        server, thread = self._server, self._thread
        self._server, self._thread = None, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeSlack is not started")
        return self._server.server_address[1]

    @property
    def api_url(self) -> str:
        """Base URL for slack_sdk (`SLACK_API_URL`), with the trailing slash it expects."""
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, name: str = "cmd1") -> str:
        """A response_url whose posts are recorded as `response_url` calls named `name`."""
        return f"http://127.0.0.1:{self.port}/response/{name}"

    # -- recorded calls ------------------------------------------------------

    @property
    def calls(self) -> list[SlackCall]:
        """A snapshot of every call so far, in arrival order."""
        with self._cond:
            return list(self._calls)

    def calls_to(self, method: str, *, name: str | None = None) -> list[SlackCall]:
        """Calls to `method`; for response_url calls, optionally only those named `name`."""
        return [c for c in self.calls if c.method == method and (name is None or c.name == name)]

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[SlackCall]:
        """Block until `count` calls to `method` arrived; return them.

        Raises AssertionError (listing what did arrive) after `timeout` seconds.
        """
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                matching = [c for c in self._calls if c.method == method]
                if len(matching) >= count:
                    return matching
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = [c.method for c in self._calls]
                    raise AssertionError(
                        f"expected {count} call(s) to {method} within {timeout}s, got {len(matching)}; calls: {seen}"
                    )
                self._cond.wait(remaining)

    def reset(self) -> None:
        """Forget calls, programmed failures, overrides and workspaces; restart ts/ids."""
        with self._cond:
            self._calls.clear()
            self._rules.clear()
            self._overrides.clear()
            self._counter = 0
            self._teams_by_token.clear()
            self._tokens_by_code.clear()
            self._oauth_client = None
            held, self._held = self._held, {}
        self._forget_files()
        for gate in held.values():
            gate.set()

    # -- several workspaces --------------------------------------------------

    def set_oauth_client(self, client_id: str, client_secret: str) -> None:
        """The app credentials `oauth.v2.access` accepts (HTTP Basic, as slack_sdk sends them)."""
        with self._cond:
            self._oauth_client = (client_id, client_secret)

    def add_workspace(self, team_id: str, token: str, *, code: str | None = None, team_name: str | None = None) -> None:
        """`auth.test` answers `token` as `team_id`'s bot; `oauth.v2.access` trades `code` for it."""
        with self._cond:
            self._teams_by_token[token] = (team_id, team_name or team_id)
            if code is not None:
                self._tokens_by_code[code] = token

    # -- programming answers -------------------------------------------------

    def fail_next(self, method: str, error: str, *, channel: str | None = None, times: int = 1) -> None:
        """Answer the next `times` calls to `method` (for `channel`, if given) with `error`.

        Web API errors are HTTP 200 with `{"ok": false}` as Slack does; for
        `response_url` it is HTTP 404 with the error, like an expired URL.
        """
        status = {RESPONSE_URL_METHOD: HTTPStatus.NOT_FOUND, UPLOAD_METHOD: HTTPStatus.INTERNAL_SERVER_ERROR}.get(
            method, HTTPStatus.OK)
        self._add_rule(_Rule(method, int(status), {"ok": False, "error": error}, times, channel))

    def rate_limit_next(self, method: str, retry_after: int = 1, times: int = 1) -> None:
        """Answer the next `times` calls to `method` with HTTP 429 and `Retry-After`."""
        rule = _Rule(
            method,
            int(HTTPStatus.TOO_MANY_REQUESTS),
            {"ok": False, "error": "ratelimited"},
            times,
            headers={"Retry-After": str(retry_after)},
        )
        self._add_rule(rule)

    def drop_after_accepting(self, method: str, *, channel: str | None = None, times: int = 1) -> None:
        """Take the next `times` calls to `method` (a post is made and recorded, status 200) and then
        close the connection without answering: the app cannot know that Slack took them."""
        self._add_rule(_Rule(method, int(HTTPStatus.OK), {}, times, channel, drop=True))

    def set_latency(self, seconds: float) -> None:
        """Answer every call `seconds` late, as a distant Slack does (calls are answered concurrently)."""
        with self._cond:
            self._latency = seconds

    def limit_rate(self, per_second: float, retry_after: int = 1) -> None:
        """Answer `chat.postMessage` with 429 and `Retry-After` while `per_second` posts were already
        taken in the last second, as Slack's workspace-wide limit does."""
        with self._cond:
            self._rate = (per_second, retry_after)
            self._recent_posts.clear()

    def hold(self, method: str) -> Callable[[], None]:
        """Keep calls to `method` waiting, unanswered and unrecorded, until the returned function is
        called (or `reset()`): a slow Slack, for what the app does while its calls are outstanding."""
        gate = threading.Event()
        with self._cond:
            self._held[method] = gate
        return gate.set

    def set_response(self, method: str, response: Json) -> None:
        """Answer every call to `method` with `response` (HTTP 200) until `reset()`.

        For canned data the built-in answers lack, e.g. `users.list` members.
        """
        with self._cond:
            self._overrides[method] = response

    def _add_rule(self, rule: _Rule) -> None:
        if rule.times < 1:
            raise ValueError("times must be at least 1")
        with self._cond:
            self._rules.append(rule)

    # -- request handling (called from server threads) -----------------------

    def _handle(self, path: str, headers: Headers, body: bytes) -> _Reply:
        parts = urlsplit(path)
        method, name = _route(parts.path)
        if method == UPLOAD_METHOD:  # a file's bytes, not a form: kept as they came
            reply = self._programmed(method, {}) or _Reply(*self._receive_upload(name or "", body))
            self._record(SlackCall(method, {"file_id": name, "length": len(body)}, headers, body, reply.status,
                                   reply.body, name, at=time.monotonic()))
            return reply
        try:
            params = _parse_params(parts.query, headers.get("content-type", ""), body)
        except ValueError:
            # Slack answers a body it cannot parse with invalid_json; so does the fake.
            params, reply = {}, _Reply(200, _error("invalid_json"))
        else:
            with self._cond:
                gate = self._held.get(method or "")
            if gate is not None:
                gate.wait(HELD_AT_MOST_SECONDS)
            # Counted as it arrives, as Slack counts; answered after the network's latency.
            limited = self._rate_limited(method)
            if self._latency:
                time.sleep(self._latency)
            reply = limited or self._answer(method, params, headers)
        # Unknown paths are recorded under the path itself, so a wrong base URL shows up in `calls`.
        self._record(SlackCall(method or parts.path, params, headers, body, reply.status, reply.body, name,
                               at=time.monotonic()))
        return reply

    def _rate_limited(self, method: str | None) -> _Reply | None:
        with self._cond:
            if self._rate is None or method != "chat.postMessage":
                return None
            per_second, retry_after = self._rate
            now = time.monotonic()
            while self._recent_posts and self._recent_posts[0] <= now - 1.0:
                self._recent_posts.popleft()
            if len(self._recent_posts) >= per_second:
                return _Reply(int(HTTPStatus.TOO_MANY_REQUESTS), {"ok": False, "error": "ratelimited"},
                              {"Retry-After": str(retry_after)})
            self._recent_posts.append(now)
            return None

    def _answer(self, method: str | None, params: Json, headers: Headers) -> _Reply:
        if method is None:
            return _Reply(int(HTTPStatus.NOT_FOUND), _error("not_found"))
        if method == RESPONSE_URL_METHOD:
            # response_url needs no token: the URL itself is the credential.
            return self._programmed(method, params) or _Reply(200, {"ok": True})
        return self._answer_api(method, params, headers)

    def _answer_api(self, method: str, params: Json, headers: Headers) -> _Reply:
        if method not in self._handlers and method not in self._overrides:
            return _Reply(200, {"ok": False, "error": "unknown_method"})
        # oauth.v2.access authenticates the app (client id and secret), not a token.
        auth_error = None if method == "oauth.v2.access" else _auth_error(headers, params)
        if auth_error:
            return _Reply(200, {"ok": False, "error": auth_error})
        programmed = self._programmed(method, params)
        if programmed and programmed.drop:
            taken = self._handlers[method](params)
            return _Reply(200, taken, drop=True)
        if programmed:
            return programmed
        with self._cond:
            override = self._overrides.get(method)
        if override is not None:
            return _Reply(200, json.loads(json.dumps(override)))  # a copy per call
        if method == "oauth.v2.access":
            return _Reply(200, self._oauth_v2_access(params, headers))
        if method == "auth.test":
            return _Reply(200, self._auth_test(headers, params))
        return _Reply(200, self._handlers[method](params))

    def _programmed(self, method: str, params: Json) -> _Reply | None:
        """Consume the first programmed rule matching this call, if any."""
        with self._cond:
            for rule in self._rules:
                if rule.matches(method, params):
                    rule.times -= 1
                    if rule.times == 0:
                        self._rules.remove(rule)
                    return _Reply(rule.status, dict(rule.response), dict(rule.headers), drop=rule.drop)
        return None

    def _record(self, call: SlackCall) -> None:
        with self._cond:
            self._calls.append(call)
            self._cond.notify_all()

    def _next(self) -> int:
        with self._cond:
            self._counter += 1
            return self._counter

    def _next_ts(self) -> str:
        micros = self._next() * _TS_STEP_MICROS
        return f"{_TS_BASE_SECONDS + micros // 1_000_000}.{micros % 1_000_000:06d}"

class _Handler(BaseHTTPRequestHandler):
    """Turns HTTP requests into `FakeSlack._handle` calls."""

    protocol_version = "HTTP/1.1"  # keep-alive, as Slack's edge speaks it

    def do_POST(self) -> None:
        self._serve()

    def do_GET(self) -> None:
        self._serve()

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        fake: FakeSlack = self.server.fake  # type: ignore[attr-defined]
        reply = fake._handle(self.path, Headers(list(self.headers.items())), body)
        if reply.drop:
            self.close_connection = True  # taken, and the answer lost on the way back
            return
        payload = json.dumps(reply.body).encode("utf-8")
        self.send_response(reply.status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        for key, value in reply.headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        """Silence per-request logging; the recorded calls are the log."""


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    """A started FakeSlack, stopped after the test. Import it into a test module or conftest."""
    with FakeSlack() as fake:
        yield fake


# -- helpers -----------------------------------------------------------------


def _route(path: str) -> tuple[str | None, str | None]:
    """(method, response_url name) for a request path; method None for unknown paths."""
    segments = path.strip("/").split("/")
    if len(segments) == 2 and segments[0] == "api" and segments[1]:
        return segments[1], None
    if len(segments) == 2 and segments[0] == "response" and segments[1]:
        return RESPONSE_URL_METHOD, segments[1]
    if len(segments) == 2 and segments[0] == "upload" and segments[1]:
        return UPLOAD_METHOD, segments[1]
    return None, None


def _parse_params(query: str, content_type: str, body: bytes) -> Json:
    """Merge query-string and body params the way Slack reads them."""
    params: Json = dict(parse_qsl(query, keep_blank_values=True))
    media_type = content_type.split(";")[0].strip().lower()
    if body and media_type == "application/json":
        decoded = json.loads(body.decode("utf-8"))
        if isinstance(decoded, dict):
            params.update(decoded)
    elif body and media_type == "application/x-www-form-urlencoded":
        params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    for key in _JSON_VALUED_PARAMS & params.keys():
        if isinstance(params[key], str):
            params[key] = _maybe_json(params[key])
    return params


def _maybe_json(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        return value


def _auth_error(headers: Headers, params: Json) -> str | None:
    """Slack's answer to a missing (`not_authed`) or wrong (`invalid_auth`) token."""
    token = _token(headers, params)
    if not token:
        return "not_authed"
    if not str(token).startswith("xoxb-"):
        return "invalid_auth"
    return None
