"""The Snooze modal: hold a ticket's SLA warnings for an hour or until tomorrow 09:00, with a reason."""

from __future__ import annotations

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from slack_sdk.models.blocks import InputBlock, Option, PlainTextInputElement, RadioButtonsElement, SectionBlock
from slack_sdk.models.blocks.basic_components import MarkdownTextObject
from slack_sdk.models.views import View

from handlers.after_ack import after_ack
from handlers.change_flow import accept_submission
from handlers.rerender import Origin
from handlers.ticket_changes import apply_ticket_action
from messages.blocks.common import clip, escape
from messages.ids import CallbackId, InputId, SnoozeModalMeta, TicketActionValue
from store.rules.sla import SnoozeChoice, snooze_until

VALUE = "value"
REASON_MISSING = "Say why the warnings can wait: it is kept with the ticket's history."
MAX_REASON_CHARS = 500


def snooze_modal(value: TicketActionValue, origin: Origin, title: str | None = None) -> dict:
    meta = SnoozeModalMeta(action=value, origin=origin.carried())
    intro = (f"Hold the SLA warnings of *{escape(title)}*" if title else "Hold this ticket's SLA warnings") + \
        ". The ticket still counts as open (and overdue once due) everywhere else."
    choices = [Option(text=choice.label, value=choice.value) for choice in SnoozeChoice]
    return View(
        type="modal",
        callback_id=CallbackId.SNOOZE_TICKET.value,
        title="Snooze warnings",
        submit="Snooze",
        close="Cancel",
        private_metadata=meta.model_dump_json(),
        blocks=[
            SectionBlock(text=MarkdownTextObject(text=clip(intro, 3000))),
            InputBlock(block_id=InputId.SNOOZE_FOR.value, label="How long",
                       element=RadioButtonsElement(action_id=VALUE, options=choices, initial_option=choices[0])),
            InputBlock(block_id=InputId.SNOOZE_REASON.value, label="Reason",
                       element=PlainTextInputElement(action_id=VALUE, max_length=MAX_REASON_CHARS)),
        ],
    ).to_dict()


def read_snooze(state: dict) -> tuple[SnoozeChoice | None, str]:
    chosen = (state.get(InputId.SNOOZE_FOR.value, {}).get(VALUE, {}).get("selected_option") or {}).get("value")
    reason = (state.get(InputId.SNOOZE_REASON.value, {}).get(VALUE, {}).get("value") or "").strip()
    known = {choice.value: choice for choice in SnoozeChoice}
    return known.get(chosen) if isinstance(chosen, str) else None, reason


def submit_snooze(ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext) -> None:
    choice, reason = read_snooze(view["state"]["values"])
    errors = {}
    if choice is None:
        errors[InputId.SNOOZE_FOR.value] = "Choose how long the warnings wait."
    if not reason:
        errors[InputId.SNOOZE_REASON.value] = REASON_MISSING
    meta = accept_submission(ack, context, view, SnoozeModalMeta, errors=errors, busy_input=InputId.SNOOZE_REASON)
    if meta is None or choice is None:
        return
    workspace = context["workspace"]
    until = snooze_until(choice, workspace.clock.now(), workspace.tz)
    origin = Origin.returned(meta.origin, body["user"]["id"])
    after_ack(context, body, apply_ticket_action, client, workspace, origin, meta.action, note=reason, until=until,
              client=client)
