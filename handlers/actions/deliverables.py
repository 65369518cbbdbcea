"""A deliverable row's menu: Start, Block (a modal), Unblock, Complete, Accept, Reopen."""

from __future__ import annotations

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from handlers.after_ack import BUSY_CHANGE_TEXT, after_ack, busy
from handlers.deliverable_moves import apply_move
from handlers.errors import read_value
from handlers.rerender import Origin, tell
from handlers.views.block_deliverable import block_modal
from messages.ids import DeliverableMoveValue
from store.queries.deliverable import deliverable_name
from store.rules.transitions import Move


def deliverable_move(ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext,
                     respond: Respond) -> None:
    value = read_value(DeliverableMoveValue, (action.get("selected_option") or {}).get("value"), "menu option")
    origin = Origin.of(body)
    ack()
    if value.m == Move.BLOCK:
        # trigger_id lasts 3 seconds: open the modal before anything slower.
        name = context["workspace"].read(deliverable_name, deliverable_id=value.d)
        client.views_open(trigger_id=body["trigger_id"], view=block_modal(value, origin, name))
        return
    if busy(context):
        tell(client, origin, BUSY_CHANGE_TEXT)
        return
    after_ack(context, body, apply_move, client, context["workspace"], origin, value, respond=respond)
