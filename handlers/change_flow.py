"""One flow for every change asked for from Slack, whether by a click or by a modal's submission.

A modal's submission is accepted in one place (`accept_submission`): errors in the form keep it
open, unreadable metadata is answered in the form, a busy server keeps it open with a note, and
otherwise it is acknowledged. The change itself (`apply_change`) runs as one transaction in the
store; then the clicked message is drawn again from the database and so is every posted message
showing the same service. When nothing changed the person is told why, in one sentence: a refusal
names who can, a stale click says who changed it first (and redraws what they clicked), an invalid
change says what is wrong. Buttons that open a modal check first (`checked`), with the same
sentences, so that nobody fills in a form only to be refused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from pydantic import BaseModel
from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from handlers.after_ack import refused_when_busy
from handlers.errors import read_value
from handlers.rerender import Origin, refresh_origin, refresh_posted, tell
from messages.blocks.common import escape, sentence, user_mention
from messages.ids import InputId, ViewRef
from store.changes import BaseChangeApplied, ChangeRefused, InvalidChange, StaleChange
from store.workspace import Workspace

T = TypeVar("T")
Meta = TypeVar("Meta", bound=BaseModel)
Applied = TypeVar("Applied", bound=BaseChangeApplied)

# What a change can answer instead of applying: each becomes one sentence to the person who asked.
PROBLEMS = (ChangeRefused, StaleChange, InvalidChange)


@dataclass(frozen=True)
class Asked:
    """A change as asked for in Slack: by whom and where (`origin`), in which message (`shown_in`,
    drawn again afterwards), and what it does, for the sentences ("complete this", "take this ticket")."""

    client: WebClient
    workspace: Workspace
    origin: Origin
    shown_in: ViewRef
    doing: str


def refusal_text(refused: ChangeRefused, doing: str) -> str:
    if not refused.linked:
        return (f"You are not linked to anyone in the delivery portfolio, so you can read but not change. "
                f"Only {escape(refused.who_can)} can {doing}. Nothing was changed.")
    return f"You can't {doing}: only {escape(refused.who_can)} can. Nothing was changed."


def _ago(moment: datetime | None, now: datetime) -> str:
    if moment is None:
        return ""
    minutes = int((now - moment).total_seconds() // 60)
    fallback = ("just now" if minutes < 1 else f"{minutes} minutes ago" if minutes < 120
                else f"{minutes // 60} hours ago")
    return f" <!date^{int(moment.timestamp())}^{{ago}}|{fallback}>"


def stale_text(stale: StaleChange, now: datetime) -> str:
    by = stale.changed_by
    who = f" by {user_mention(by.slack_user_id, by.name)}" if by and by.slack_user_id else ""
    # `current` can name a person ("assigned to <owner>"), so it is escaped like any name.
    return (f"Already {escape(stale.current)}{who}{_ago(stale.changed_at, now)}. "
            "Nothing was changed; this is how it is now.")


def explain(asked: Asked, problem: Exception) -> None:
    """Tell the person why nothing changed; a stale click also redraws what they clicked."""
    if isinstance(problem, ChangeRefused):
        tell(asked.client, asked.origin, refusal_text(problem, asked.doing))
    elif isinstance(problem, StaleChange):
        tell(asked.client, asked.origin, stale_text(problem, asked.workspace.clock.now()))
        refresh_origin(asked.client, asked.workspace, asked.origin, asked.shown_in)
    else:
        tell(asked.client, asked.origin, f"{sentence(escape(str(problem)))}. Nothing was changed.")


def checked(asked: Asked, check: Callable[[], T]) -> T | None:
    """`check()` (a store read that refuses as the change would), or None after saying why not."""
    try:
        return check()
    except PROBLEMS as problem:
        explain(asked, problem)
        return None


def apply_change(asked: Asked, change: Callable[[], Applied], *, done: str | None = None) -> Applied | None:
    """Run `change()` (one store transaction), then tell the person `done` when given and draw again
    the clicked message and every posted message showing the service; or say why nothing changed and
    return None. Other exceptions propagate, the transaction rolled back."""
    try:
        applied = change()
    except PROBLEMS as problem:
        explain(asked, problem)
        return None
    if done:
        tell(asked.client, asked.origin, done)
    show_change(asked, applied)
    return applied


def show_change(asked: Asked, applied: BaseChangeApplied) -> None:
    """Draw the clicked message again from the database, then every other posted message showing the
    changed object or its service (a ticket's SLA warnings show the ticket, whether or not it has one)."""
    refresh_origin(asked.client, asked.workspace, asked.origin, asked.shown_in)
    objects = [(applied.object_type, applied.object_id)]
    if applied.service_id is not None:
        objects.append(("service", applied.service_id))
    refresh_posted(asked.client, asked.workspace, objects=objects, skip=asked.origin)


def accept_submission(ack: Ack, context: BoltContext, view: dict, meta_model: type[Meta], *,
                      errors: dict[str, str], busy_input: InputId) -> Meta | None:
    """A modal's submission, answered: its form's `errors` keep it open; its metadata is read (what the
    bot did not write is answered in the form, see handlers/errors.py); while the server is busy it
    stays open with a note on `busy_input`. Otherwise it is acknowledged (the modal closes) and its
    metadata returned, for the change to follow after the ack."""
    if errors:
        ack(response_action="errors", errors=errors)
        return None
    meta = read_value(meta_model, view.get("private_metadata"), "form")
    if refused_when_busy(ack, context, busy_input):
        return None
    ack()
    return meta
