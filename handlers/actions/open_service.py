"""A click on one of several matching services: replace the choices with that card."""

from __future__ import annotations

from slack_bolt import Ack, BoltContext, Respond

from handlers.after_ack import BUSY_TEXT, after_ack, busy
from handlers.errors import read_value
from messages.blocks.share import with_share_button
from messages.ids import OpenServiceValue, ViewKind, ViewRef
from messages.views import show_now
from store.workspace import Workspace


def open_service(ack: Ack, body: dict, action: dict, respond: Respond, context: BoltContext) -> None:
    value = read_value(OpenServiceValue, action.get("value"))
    ack()
    if busy(context):
        respond(response_type="ephemeral", replace_original=False, text=BUSY_TEXT)
        return
    # A choice among services, or a customer's card, shown to the clicker alone is replaced by the card; a
    # customer's card shared in a channel stays for everyone, and the service's card comes to the clicker.
    replace = bool((body.get("container") or {}).get("is_ephemeral", True))
    after_ack(context, body, show_service_card, context["workspace"], value, body["user"]["id"], respond,
              replace, respond=respond)


def show_service_card(workspace: Workspace, value: OpenServiceValue, user_id: str, respond: Respond,
                      replace: bool = True) -> None:
    # The card is the clicker's alone, as the answer it replaces was.
    shown = show_now(workspace, ViewRef(k=ViewKind.CARD, s=value.service_id), user_id, private=True)
    reply = with_share_button(shown.reply, shown.again)
    if replace:
        respond(replace_original=True, text=reply.text, blocks=reply.block_dicts())
    else:
        respond(response_type="ephemeral", replace_original=False, text=reply.text, blocks=reply.block_dicts())
