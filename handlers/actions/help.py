""""Find help" (a service's card, `/delivery at-risk`) and a reallocation proposal's Approve / Decline."""

from __future__ import annotations

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from handlers.after_ack import BUSY_CHANGE_TEXT, BUSY_TEXT, after_ack, busy
from handlers.change_flow import Asked, checked
from handlers.errors import read_value
from handlers.reallocations import ASK_DOING, decide
from handlers.rerender import Origin, tell
from handlers.views.find_help import fill_help_modal, loading_modal
from messages.ids import FindHelpValue, ReallocationValue
from store.changes.reallocation import check_help_request


def find_help(ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext) -> None:
    value = read_value(FindHelpValue, action.get("value"))
    origin = Origin.of(body)
    ack()
    workspace = context["workspace"]
    if busy(context):
        tell(client, origin, BUSY_TEXT)
        return
    # Refused clicks are answered now. trigger_id lasts 3 seconds: after this one indexed check the modal
    # opens at once, saying it is looking; the ranking (a dozen grouped statements) fills it in after.
    asked = Asked(client, workspace, origin, value.w, doing=ASK_DOING)
    allowed = checked(asked, lambda: workspace.read(check_help_request, actor_slack_user_id=origin.user_id,
                                                    service_id=value.s))
    if allowed is None:
        return
    opened = client.views_open(trigger_id=body["trigger_id"], view=loading_modal(allowed.label))
    view = opened.get("view") or {}
    after_ack(context, body, fill_help_modal, client, workspace, view["id"], view.get("hash"), value, origin,
              client=client)


def decide_reallocation(ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext,
                        respond: Respond) -> None:
    value = read_value(ReallocationValue, action.get("value"))
    origin = Origin.of(body)
    ack()
    if busy(context):
        tell(client, origin, BUSY_CHANGE_TEXT)
        return
    after_ack(context, body, decide, client, context["workspace"], origin, value, respond=respond)
