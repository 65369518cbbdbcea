"""The Resolve modal: a resolution note (required), saved on the ticket and in its audit row."""

from __future__ import annotations

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from slack_sdk.models.blocks import InputBlock, PlainTextInputElement, SectionBlock
from slack_sdk.models.blocks.basic_components import MarkdownTextObject
from slack_sdk.models.views import View

from handlers.after_ack import after_ack
from handlers.change_flow import accept_submission
from handlers.rerender import Origin
from handlers.ticket_changes import apply_ticket_action
from messages.blocks.common import clip, escape
from messages.ids import CallbackId, InputId, ResolveModalMeta, TicketActionValue

VALUE = "value"
NOTE_MISSING = "Add a note saying how it was resolved: it is kept with the ticket."
MAX_NOTE_CHARS = 1000


def resolve_modal(value: TicketActionValue, origin: Origin, title: str | None = None) -> dict:
    meta = ResolveModalMeta(action=value, origin=origin.carried())
    intro = f"Resolve *{escape(title)}*" if title else "Resolve this ticket"
    return View(
        type="modal",
        callback_id=CallbackId.RESOLVE_TICKET.value,
        title="Resolve ticket",
        submit="Resolve",
        close="Cancel",
        private_metadata=meta.model_dump_json(),
        blocks=[
            SectionBlock(text=MarkdownTextObject(text=clip(intro, 3000))),
            InputBlock(block_id=InputId.RESOLUTION_NOTE.value, label="Resolution note",
                       element=PlainTextInputElement(action_id=VALUE, multiline=True, max_length=MAX_NOTE_CHARS)),
        ],
    ).to_dict()


def read_note(state: dict) -> str:
    return (state[InputId.RESOLUTION_NOTE.value][VALUE].get("value") or "").strip()


def submit_resolve(ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext) -> None:
    note = read_note(view["state"]["values"])
    errors = {} if note else {InputId.RESOLUTION_NOTE.value: NOTE_MISSING}
    meta = accept_submission(ack, context, view, ResolveModalMeta, errors=errors, busy_input=InputId.RESOLUTION_NOTE)
    if meta is None:
        return
    origin = Origin.returned(meta.origin, body["user"]["id"])
    after_ack(context, body, apply_ticket_action, client, context["workspace"], origin, meta.action, note=note,
              client=client)
