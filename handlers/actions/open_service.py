"""A click on one of several matching services: replace the choices with that card."""

from __future__ import annotations

from slack_bolt import Ack, BoltContext, Respond

from handlers.after_ack import BUSY_TEXT, after_ack, busy
from handlers.errors import read_value
from messages.blocks.service_card import service_card_message
from messages.blocks.share import with_share_button
from messages.ids import OpenServiceValue
from store.queries.service_card import service_card
from store.workspace import Workspace


def open_service(ack: Ack, body: dict, action: dict, respond: Respond, context: BoltContext) -> None:
    value = read_value(OpenServiceValue, action.get("value"))
    ack()
    if busy(context):
        respond(response_type="ephemeral", replace_original=False, text=BUSY_TEXT)
        return
    after_ack(context, body, show_service_card, context["workspace"], value, respond, respond=respond)


def show_service_card(workspace: Workspace, value: OpenServiceValue, respond: Respond) -> None:
    card = workspace.read(service_card, service_id=value.service_id)
    reply = with_share_button(service_card_message(card, workspace.tz), f"status {card.ref.label}")
    respond(replace_original=True, text=reply.text, blocks=reply.block_dicts())
