"""One error handler: the user gets a short reference id, the log gets the rest."""

from __future__ import annotations

import json
import logging
import uuid

from slack_bolt import App, BoltResponse

ERRORS_LOGGER = "delivery.errors"
log = logging.getLogger(ERRORS_LOGGER)


def friendly_text(reference: str) -> str:
    return f"Sorry, something went wrong on our side. Nothing was changed. Reference: {reference}"


def report_error(error: Exception, body: dict, response: BoltResponse | None, context) -> BoltResponse | None:
    reference = uuid.uuid4().hex[:8]
    log.exception("listener failed (ref %s, type %s)", reference, body.get("type") or body.get("command"),
                  exc_info=error)
    text = friendly_text(reference)
    if response is not None and body.get("command"):
        # Not acknowledged yet: the answer to the slash command is the message itself.
        return BoltResponse(
            status=200,
            body=json.dumps({"response_type": "ephemeral", "text": text}),
            headers={"content-type": "application/json;charset=utf-8"},
        )
    respond = context.get("respond") if context is not None else None
    if respond is not None:
        try:
            respond(text=text, response_type="ephemeral", replace_original=False)
        except Exception:
            log.warning("could not tell the user about error %s", reference)
    return None


def register(app: App) -> None:
    app.error(report_error)
