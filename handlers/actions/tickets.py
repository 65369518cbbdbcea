"""A ticket row's menu, or an SLA warning's buttons: "Assign to me" (applied at once) and "Resolve" (a modal
asks for the note) and "Snooze warnings" (a modal asks how long and why)."""

from __future__ import annotations

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from handlers.after_ack import BUSY_CHANGE_TEXT, after_ack, busy
from handlers.change_flow import checked
from handlers.errors import read_value
from handlers.rerender import Origin, tell
from handlers.ticket_changes import apply_mute, apply_ticket_action, asked_about
from handlers.views.resolve_ticket import resolve_modal
from handlers.views.snooze_ticket import snooze_modal
from messages.ids import TicketAction, TicketActionValue
from store.changes.tickets import check_ticket_change

# The actions that ask for more (a note, how long) in a modal before they apply.
MODALS = {TicketAction.RESOLVE: resolve_modal, TicketAction.SNOOZE: snooze_modal}


def ticket_action(ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext,
                  respond: Respond) -> None:
    # A row's overflow menu carries the value in the chosen option; an SLA warning's button carries its own.
    chosen = action.get("selected_option")
    value = read_value(TicketActionValue, chosen.get("value") if isinstance(chosen, dict) else action.get("value"),
                       "menu option" if chosen else "button")
    origin = Origin.of(body)
    ack()
    workspace = context["workspace"]
    if value.a in MODALS:
        # Refused or stale clicks are answered now, not after the note is typed; the change checks again.
        title = checked(asked_about(client, workspace, origin, value), lambda: workspace.read(
            check_ticket_change, actor_slack_user_id=origin.user_id, ticket_id=value.t, version=value.v))
        if title is None:
            return
        # trigger_id lasts 3 seconds: the check above is two indexed reads, then the modal.
        client.views_open(trigger_id=body["trigger_id"], view=MODALS[value.a](value, origin, title))
        return
    if busy(context):
        tell(client, origin, BUSY_CHANGE_TEXT)
        return
    if value.a == TicketAction.MUTE:
        after_ack(context, body, apply_mute, client, workspace, origin, value, respond=respond)
        return
    after_ack(context, body, apply_ticket_action, client, workspace, origin, value, respond=respond)
