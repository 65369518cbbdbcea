"""The service card's buttons: Update health and Flag for Customer Org, each opening a modal.

Both check first (who may, and whether the card is still current) so that nobody fills in
a modal only to be refused; the modal's submission applies the change.
"""

from __future__ import annotations

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from handlers.errors import read_value
from handlers.rerender import Origin, tell
from handlers.service_changes import may_start
from handlers.views.flag_service import NOT_SET_UP, customer_org_channel, flag_modal
from handlers.views.service_health import health_modal
from messages.ids import ServiceActionValue
from store.queries.refs import service_refs
from store.queries.service_card import service_card
from store.rules.permissions import Permission


def update_health(ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext) -> None:
    value = read_value(ServiceActionValue, action.get("value"))
    origin = Origin.of(body)
    ack()
    workspace = context["workspace"]
    if not may_start(client, workspace, origin, value, Permission.UPDATE_HEALTH):
        return
    card = workspace.read(service_card, service_id=value.s)
    client.views_open(trigger_id=body["trigger_id"], view=health_modal(value, origin, card, workspace.tz))


def flag_service(ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext) -> None:
    value = read_value(ServiceActionValue, action.get("value"))
    origin = Origin.of(body)
    ack()
    channel = customer_org_channel(context)
    if channel is None:
        tell(client, origin, NOT_SET_UP)
        return
    workspace = context["workspace"]
    if not may_start(client, workspace, origin, value, Permission.FLAG_SERVICE):
        return
    ref = workspace.read(service_refs, only=value.s)[value.s]
    client.views_open(trigger_id=body["trigger_id"], view=flag_modal(value, origin, ref.label, channel))
