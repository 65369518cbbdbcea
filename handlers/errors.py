"""What a person hears when their request fails, and the guard every listener runs inside.

Three kinds of failure, each told in one private sentence, and never with a lost acknowledgement:
the store could not be reached ("try again in a minute"), a value Slack sent back is not one the
bot wrote (a tampered button, unreadable modal metadata), and anything else, which is a bug: the
person gets a short reference and the log gets the traceback under it.

Bolt's thread runner, when a listener raises after acknowledging, sets the acknowledgement it was
about to return back to None: the request then waits out its 3 seconds and Slack shows an error.
So no listener is registered bare: `guarded` acknowledges what was not yet acknowledged, tells the
person, and never lets the error reach Bolt.
"""

from __future__ import annotations

import inspect
import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeGuard, TypeVar

from pydantic import BaseModel, ValidationError
from slack_bolt import Ack, App, BoltResponse, Respond
from slack_bolt.kwargs_injection import Args
from slack_sdk import WebClient

from store.db import store_unreachable

ERRORS_LOGGER = "delivery.errors"
log = logging.getLogger(ERRORS_LOGGER)

UNREACHABLE_TEXT = "Could not reach the database; nothing was changed. Try again in a minute."
UNREADABLE_TEXT = ("That {what} carried something Delivery bot did not write, so nothing was changed. "
                   "Run the command again for a fresh message.")

M = TypeVar("M", bound=BaseModel)


class UnreadableInput(Exception):
    """A value Slack sent back (a button's value, a modal's private_metadata) that is not one the bot
    wrote: signed by Slack, so not forged, but tampered with or from an older release."""

    def __init__(self, what: str, detail: str = ""):
        super().__init__(f"unreadable {what}: {detail}" if detail else f"unreadable {what}")
        self.what = what

    @property
    def sentence(self) -> str:
        return UNREADABLE_TEXT.format(what=self.what)


def read_value(model: type[M], raw: object, what: str = "button") -> M:
    """A typed button value or modal metadata from the JSON the bot wrote; `UnreadableInput` otherwise."""
    if not isinstance(raw, str):
        raise UnreadableInput(what, f"expected JSON text, got {type(raw).__name__}")
    try:
        return model.model_validate_json(raw)
    except ValidationError as error:
        raise UnreadableInput(what, f"{error.error_count()} problem(s), first: {error.errors()[0]['msg']}") from None


def friendly_text(reference: str) -> str:
    return f"Sorry, something went wrong on our side. Nothing was changed. Reference: {reference}"


def failure_text(error: BaseException, kind: object = None) -> str:
    """The sentence for the person; logged in one line when the cause is known, with its traceback when not."""
    if isinstance(error, UnreadableInput):
        log.warning("refused a request (%s): %s", kind, error)
        return error.sentence
    if store_unreachable(error):
        log.warning("store unreachable (%s): %s", kind,
                    str(error).splitlines()[0] if str(error) else type(error).__name__)
        return UNREACHABLE_TEXT
    reference = uuid.uuid4().hex[:8]
    log.error("listener failed (ref %s, type %s)", reference, kind, exc_info=error)
    return friendly_text(reference)


def request_kind(body: dict) -> object:
    return body.get("type") or body.get("command")


@dataclass(frozen=True)
class Requester:
    """The person behind a request, and the private ways to reach them after the acknowledgement."""

    user_id: str | None
    respond: Respond | None = None
    client: WebClient | None = None

    @classmethod
    def of(cls, body: dict, respond: Respond | None = None, client: WebClient | None = None) -> Requester:
        user = body.get("user")
        user_id = user.get("id") if isinstance(user, dict) else body.get("user_id")
        return cls(user_id=user_id if isinstance(user_id, str) else None, respond=respond, client=client)

    def tell(self, text: str) -> None:
        """Through the response_url when the request has one (an ephemeral note where they clicked or
        typed), otherwise by DM; a failure to tell is logged, never raised."""
        try:
            if _can_respond(self.respond):
                self.respond(text=text, response_type="ephemeral", replace_original=False)
            elif self.client is not None and self.user_id:
                self.client.chat_postMessage(channel=self.user_id, text=text)
            else:
                log.warning("could not tell anyone: no response_url and no user (%s)", text)
        except Exception as error:
            log.warning("could not tell %s: %s", self.user_id, error)


def _can_respond(respond: Callable | None) -> TypeGuard[Callable[..., object]]:
    """Bolt gives every listener a `Respond`, which fails when the request had no response_url."""
    return respond is not None and (not isinstance(respond, Respond) or bool(respond.response_url))


def report_failure(error: BaseException, body: dict, requester: Requester) -> None:
    """For work that failed after its acknowledgement: log it and tell the person."""
    requester.tell(failure_text(error, request_kind(body)))


def _first_input_block(view: object) -> str | None:
    blocks = view.get("blocks") if isinstance(view, dict) else None
    for block in blocks if isinstance(blocks, list) else []:
        if isinstance(block, dict) and block.get("type") == "input" and isinstance(block.get("block_id"), str):
            return block["block_id"]
    return None


def acknowledge_failure(ack: Ack, body: dict, text: str) -> bool:
    """Acknowledge a request that failed before its listener did, carrying `text` where Slack shows it
    (the command's reply, or the modal's first field); False when the person must still be told."""
    if body.get("command"):
        ack(response_type="ephemeral", text=text)
        return True
    if body.get("type") == "view_submission":
        block_id = _first_input_block(body.get("view"))
        if block_id is not None:
            ack(response_action="errors", errors={block_id: text})
            return True
    ack()
    return False


def answer_failure(error: BaseException, args: Args) -> None:
    body = args.body if isinstance(args.body, dict) else {}
    text = failure_text(error, request_kind(body))
    if args.ack.response is None and acknowledge_failure(args.ack, body, text):
        return
    if body.get("type") in ("event_callback", None) and not body.get("command"):
        return  # an event: Slack only needed its acknowledgement, and nobody is waiting for an answer
    Requester.of(body, args.respond, args.client).tell(text)


def guarded(listener: Callable) -> Callable:
    """`listener` as Bolt should run it: its arguments injected by name as before, and whatever it
    raises answered by `answer_failure` instead of reaching Bolt's runner."""
    wanted = list(inspect.signature(listener).parameters)

    def run(args: Args) -> BoltResponse | None:
        try:
            return listener(**{name: getattr(args, name) for name in wanted})
        except Exception as error:
            answer_failure(error, args)
            return None

    run.__name__ = listener.__name__
    run.__qualname__ = listener.__qualname__
    run.__module__ = listener.__module__
    run.__doc__ = listener.__doc__
    return run


def report_error(error: Exception, body: dict, response: BoltResponse | None, context) -> BoltResponse | None:
    """Bolt's error handler, for what fails outside any listener (a middleware): acknowledged with 200
    and a sentence, never a 500 that Slack shows as an error."""
    text = failure_text(error, request_kind(body or {}))
    if response is None:
        return None
    if body and body.get("command"):
        return BoltResponse(status=200, body=json.dumps({"response_type": "ephemeral", "text": text}),
                            headers={"content-type": "application/json;charset=utf-8"})
    respond = context.get("respond") if context is not None else None
    Requester.of(body or {}, respond).tell(text)
    return BoltResponse(status=200, body="")


def register(app: App) -> None:
    app.error(report_error)
