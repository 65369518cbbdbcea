"""A click on one of several matching services: replace the choices with that card."""

from __future__ import annotations

from slack_bolt import Ack, BoltContext, Respond

from handlers.blocks.service_card import service_card_message
from handlers.blocks.share import with_share_button
from handlers.ids import OpenServiceValue
from store.queries.service_card import service_card


def open_service(ack: Ack, action: dict, respond: Respond, context: BoltContext) -> None:
    ack()
    value = OpenServiceValue.model_validate_json(action["value"])
    workspace = context["workspace"]
    card = workspace.read(service_card, service_id=value.service_id)
    reply = with_share_button(service_card_message(card, workspace.tz), f"status {card.ref.label}")
    respond(replace_original=True, text=reply.text, blocks=reply.block_dicts())
