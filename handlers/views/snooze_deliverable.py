"""The deliverable Snooze modal: hold a blocked deliverable's follow-up for a day, three days, until next
Monday or until a date (09:00 in the organisation's zone), with a reason."""

from __future__ import annotations

from datetime import date

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from slack_sdk.models.blocks import (
    DatePickerElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    RadioButtonsElement,
    SectionBlock,
)
from slack_sdk.models.blocks.basic_components import MarkdownTextObject
from slack_sdk.models.views import View

from handlers.after_ack import after_ack
from handlers.change_flow import accept_submission
from handlers.deliverable_follow import apply_snooze
from handlers.rerender import Origin
from messages.blocks.common import clip, escape
from messages.ids import CallbackId, DeliverableFollowValue, FollowModalMeta, InputId
from store.clock import local_today
from store.rules.escalation import SnoozeChoice, snooze_day, snooze_problem, snooze_until

VALUE = "value"
REASON_MISSING = "Say why it can wait: it is shown on its cards and kept in its history."
CHOICE_MISSING = "Choose how long it waits."
MAX_REASON_CHARS = 500


def _label(choice: SnoozeChoice, today: date) -> str:
    """`3 days (Thu 10 Dec)`; a date's own label."""
    if choice == SnoozeChoice.DATE:
        return choice.label
    return f"{choice.label} ({snooze_day(choice, today):%a %d %b})"


def snooze_modal(value: DeliverableFollowValue, origin: Origin, name: str, today: date) -> dict:
    meta = FollowModalMeta(action=value, origin=origin.carried())
    intro = (f"Snooze *{escape(name)}* until 09:00 on the day you choose. Meanwhile it leaves the at-risk digest "
             "and its escalation waits; it still counts as blocked everywhere else (health included), and its owner "
             "hears when it comes back.")
    choices = [Option(text=_label(choice, today), value=choice.value) for choice in SnoozeChoice]
    return View(
        type="modal",
        callback_id=CallbackId.SNOOZE_DELIVERABLE.value,
        title="Snooze deliverable",
        submit="Snooze",
        close="Cancel",
        private_metadata=meta.model_dump_json(),
        blocks=[
            SectionBlock(text=MarkdownTextObject(text=clip(intro, 3000))),
            InputBlock(block_id=InputId.DELIVERABLE_SNOOZE_FOR.value, label="How long",
                       element=RadioButtonsElement(action_id=VALUE, options=choices, initial_option=choices[0])),
            InputBlock(block_id=InputId.DELIVERABLE_SNOOZE_DATE.value, label="Date (for “Until a date”)",
                       optional=True, element=DatePickerElement(action_id=VALUE)),
            InputBlock(block_id=InputId.DELIVERABLE_SNOOZE_REASON.value, label="Why can it wait?",
                       element=PlainTextInputElement(action_id=VALUE, multiline=True, max_length=MAX_REASON_CHARS)),
        ],
    ).to_dict()


def read_snooze_form(state: dict) -> tuple[SnoozeChoice | None, date | None, str]:
    def field(block: InputId) -> dict:
        return (state.get(block.value) or {}).get(VALUE) or {}

    chosen = (field(InputId.DELIVERABLE_SNOOZE_FOR).get("selected_option") or {}).get("value")
    picked = field(InputId.DELIVERABLE_SNOOZE_DATE).get("selected_date")
    reason = (field(InputId.DELIVERABLE_SNOOZE_REASON).get("value") or "").strip()
    known = {choice.value: choice for choice in SnoozeChoice}
    try:
        day = date.fromisoformat(picked) if isinstance(picked, str) and picked else None
    except ValueError:
        day = None
    return known.get(chosen) if isinstance(chosen, str) else None, day, reason


def snooze_form_errors(choice: SnoozeChoice | None, picked: date | None, reason: str, today: date) -> dict[str, str]:
    errors = {}
    if choice is None:
        errors[InputId.DELIVERABLE_SNOOZE_FOR.value] = CHOICE_MISSING
    else:
        problem = snooze_problem(choice, today, picked)
        if problem is not None:
            errors[InputId.DELIVERABLE_SNOOZE_DATE.value] = problem
    if not reason:
        errors[InputId.DELIVERABLE_SNOOZE_REASON.value] = REASON_MISSING
    return errors


def submit_deliverable_snooze(ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext) -> None:
    workspace = context["workspace"]
    now, tz = workspace.clock.now(), workspace.tz
    choice, picked, reason = read_snooze_form(view["state"]["values"])
    errors = snooze_form_errors(choice, picked, reason, local_today(now, tz))
    meta = accept_submission(ack, context, view, FollowModalMeta, errors=errors,
                             busy_input=InputId.DELIVERABLE_SNOOZE_REASON)
    if meta is None or choice is None:
        return
    until = snooze_until(choice, now, tz, picked)
    origin = Origin.returned(meta.origin, body["user"]["id"])
    after_ack(context, body, apply_snooze, client, workspace, origin, meta.action, until=until, reason=reason,
              client=client)
