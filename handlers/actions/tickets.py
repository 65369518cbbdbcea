"""A ticket row's menu: "Assign to me" (applied at once) and "Resolve" (a modal asks for the note)."""

from __future__ import annotations

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from handlers.after_ack import BUSY_CHANGE_TEXT, after_ack, busy
from handlers.change_flow import checked
from handlers.errors import read_value
from handlers.rerender import Origin, tell
from handlers.ticket_changes import apply_ticket_action, asked_about
from handlers.views.resolve_ticket import resolve_modal
from messages.ids import TicketAction, TicketActionValue
from store.changes.tickets import check_ticket_change


def ticket_action(ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext,
                  respond: Respond) -> None:
    value = read_value(TicketActionValue, (action.get("selected_option") or {}).get("value"), "menu option")
    origin = Origin.of(body)
    ack()
    workspace = context["workspace"]
    if value.a == TicketAction.RESOLVE:
        # Refused or stale clicks are answered now, not after the note is typed; the change checks again.
        title = checked(asked_about(client, workspace, origin, value), lambda: workspace.read(
            check_ticket_change, actor_slack_user_id=origin.user_id, ticket_id=value.t, version=value.v))
        if title is None:
            return
        # trigger_id lasts 3 seconds: the check above is two indexed reads, then the modal.
        client.views_open(trigger_id=body["trigger_id"], view=resolve_modal(value, origin, title))
        return
    if busy(context):
        tell(client, origin, BUSY_CHANGE_TEXT)
        return
    after_ack(context, body, apply_ticket_action, client, workspace, origin, value, respond=respond)
