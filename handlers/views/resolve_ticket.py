"""The Resolve modal: a resolution note (required), saved on the ticket and in its audit row."""

from __future__ import annotations

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from slack_sdk.models.blocks import InputBlock, PlainTextInputElement, SectionBlock
from slack_sdk.models.blocks.basic_components import MarkdownTextObject
from slack_sdk.models.views import View

from handlers.after_ack import after_ack, refused_when_busy
from handlers.errors import read_value
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
    if not note:
        ack(response_action="errors", errors={InputId.RESOLUTION_NOTE.value: NOTE_MISSING})
        return
    meta = read_value(ResolveModalMeta, view.get("private_metadata"), "form")
    if refused_when_busy(ack, context, InputId.RESOLUTION_NOTE):
        return
    ack()
    origin = Origin.returned(meta.origin, body["user"]["id"])
    after_ack(body, apply_ticket_action, client, context["workspace"], origin, meta.action, note=note, client=client)
