"""A deliverable row's menu: Start, Block (a modal), Unblock, Complete, Accept, Reopen, and a blocked one's
Snooze and Escalate now (modals); an escalation message's buttons (Escalate now, Snooze)."""

from __future__ import annotations

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from handlers.after_ack import BUSY_CHANGE_TEXT, after_ack, busy
from handlers.change_flow import checked
from handlers.deliverable_follow import DOING, asked_about
from handlers.deliverable_moves import apply_move
from handlers.errors import read_value
from handlers.rerender import Origin, tell
from handlers.views.block_deliverable import block_modal
from handlers.views.escalate_deliverable import escalate_modal
from handlers.views.snooze_deliverable import snooze_modal
from messages.ids import DeliverableFollowValue, FollowAction, RowOption
from store.changes.deliverables import check_blocked_change
from store.clock import local_today
from store.queries.deliverable import deliverable_name
from store.rules.transitions import Move
from store.workspace import Workspace


def open_follow_modal(client: WebClient, workspace: Workspace, origin: Origin, value: DeliverableFollowValue,
                      trigger_id: str) -> None:
    """Snooze and Escalate now ask in a modal; a refused, stale or no longer blocked click is answered first."""
    name = checked(asked_about(client, workspace, origin, value), lambda: workspace.read(
        check_blocked_change, actor_slack_user_id=origin.user_id, deliverable_id=value.d, version=value.v,
        doing=DOING[value.a]))
    if name is None:
        return
    # trigger_id lasts 3 seconds: the check above is a few indexed reads, then the modal.
    today = local_today(workspace.clock.now(), workspace.tz)
    modal = snooze_modal(value, origin, name, today) if value.a == FollowAction.SNOOZE \
        else escalate_modal(value, origin, name)
    client.views_open(trigger_id=trigger_id, view=modal)


def deliverable_follow(ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext) -> None:
    """An escalation message's "Escalate now" or "Snooze" button."""
    value = read_value(DeliverableFollowValue, action.get("value"), "button")
    origin = Origin.of(body)
    ack()
    open_follow_modal(client, context["workspace"], origin, value, body["trigger_id"])


def deliverable_move(ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext,
                     respond: Respond) -> None:
    chosen = read_value(RowOption, (action.get("selected_option") or {}).get("value"), "menu option").root
    origin = Origin.of(body)
    ack()
    if isinstance(chosen, DeliverableFollowValue):
        open_follow_modal(client, context["workspace"], origin, chosen, body["trigger_id"])
        return
    value = chosen
    if value.m == Move.BLOCK:
        # trigger_id lasts 3 seconds: open the modal before anything slower.
        name = context["workspace"].read(deliverable_name, deliverable_id=value.d)
        client.views_open(trigger_id=body["trigger_id"], view=block_modal(value, origin, name))
        return
    if busy(context):
        tell(client, origin, BUSY_CHANGE_TEXT)
        return
    after_ack(context, body, apply_move, client, context["workspace"], origin, value, respond=respond)
