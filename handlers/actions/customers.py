"""A struggling customer's "Flag for Customer Org" button (in `/delivery customers` and on its card)."""

from __future__ import annotations

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from handlers.errors import read_value
from handlers.rerender import Origin
from handlers.views.flag_customer import open_customer_flag
from handlers.views.flag_service import customer_org_channel
from messages.ids import CustomerFlagValue


def flag_customer(ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext) -> None:
    value = read_value(CustomerFlagValue, action.get("value"))
    origin = Origin.of(body)
    ack()
    open_customer_flag(client, context["workspace"], origin, value, body["trigger_id"], customer_org_channel(context))
