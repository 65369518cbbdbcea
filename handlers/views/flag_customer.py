"""Flag for Customer Org on a struggling customer: the service flag's modal and note, for the customer.

The flag is recorded on each of the customer's active services (store/changes/services.py:
`flag_customer_for_customer_org`), in one transaction with the note posted to the Customer Org channel:
when Slack refuses the note nothing is recorded, as for a service's flag.
"""

from __future__ import annotations

import logging

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from handlers.after_ack import after_ack
from handlers.change_flow import Asked, accept_submission, apply_change, checked
from handlers.rerender import Origin, refresh_posted, tell
from handlers.views.flag_service import (
    NOT_SET_UP,
    REASON_MISSING,
    customer_org_channel,
    flag_form,
    not_posted_text,
    read_flag_reason,
)
from messages.blocks.common import escape_clipped, plural
from messages.blocks.customers import NAME_CHARS, customer_flag_note
from messages.ids import CallbackId, CustomerFlagValue, CustomerModalMeta, InputId
from store.changes.services import CustomerFlagNote, check_customer_flag, flag_customer_for_customer_org
from store.queries.customers import customer_relationship
from store.workspace import Workspace

log = logging.getLogger("delivery.flag")

DOING = "flag this customer for the Customer Org"


def asked_about(client: WebClient, workspace: Workspace, origin: Origin, value: CustomerFlagValue) -> Asked:
    return Asked(client, workspace, origin, value.w, doing=DOING)


def may_flag(client: WebClient, workspace: Workspace, origin: Origin, value: CustomerFlagValue) -> bool:
    """Whether the clicker may flag the customer as the message showed it; if not, say why."""
    def check() -> bool:
        workspace.read(check_customer_flag, actor_slack_user_id=origin.user_id, customer_id=value.c, version=value.v)
        return True

    return checked(asked_about(client, workspace, origin, value), check) is True


def customer_flag_modal(value: CustomerFlagValue, origin: Origin, name: str, services: int, channel: str) -> dict:
    intro = (f"Flag *{escape_clipped(name, NAME_CHARS)}* for the Customer Org. The flag is recorded on each of "
             f"its {plural(services, 'active service')}, and a note saying you flagged it, and why, goes to "
             f"<#{channel}>.")
    meta = CustomerModalMeta(action=value, origin=origin.carried())
    return flag_form(CallbackId.FLAG_CUSTOMER, meta.model_dump_json(), intro)


def open_customer_flag(client: WebClient, workspace: Workspace, origin: Origin, value: CustomerFlagValue,
                       trigger_id: str, channel: str | None) -> None:
    """The customer's Flag modal, once the clicker may flag it (the button's listener calls this)."""
    if channel is None:
        tell(client, origin, NOT_SET_UP)
        return
    if not may_flag(client, workspace, origin, value):
        return
    found = workspace.read(customer_relationship, customer_id=value.c)
    if found is None:  # its last active service stopped since the check: nothing to flag
        tell(client, origin, "That customer has no active service any more. Nothing was changed.")
        return
    client.views_open(trigger_id=trigger_id, view=customer_flag_modal(value, origin, found.name, found.services,
                                                                      channel))


def submit_customer_flag(ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext) -> None:
    reason = read_flag_reason(view["state"]["values"])
    errors = {} if reason else {InputId.FLAG_REASON.value: REASON_MISSING}
    meta = accept_submission(ack, context, view, CustomerModalMeta, errors=errors, busy_input=InputId.FLAG_REASON)
    if meta is None:
        return
    origin = Origin.returned(meta.origin, body["user"]["id"])
    after_ack(context, body, apply_customer_flag, client, context["workspace"], origin, meta.action, reason,
              customer_org_channel(context), client=client)


def apply_customer_flag(client: WebClient, workspace: Workspace, origin: Origin, value: CustomerFlagValue,
                        reason: str, channel: str | None) -> None:
    """Flag the customer and post the note; then draw again the clicked message and every posted message
    showing one of its services."""
    if channel is None:
        tell(client, origin, NOT_SET_UP)
        return

    def post(note: CustomerFlagNote) -> None:
        message = customer_flag_note(note)
        client.chat_postMessage(channel=channel, text=message.text, blocks=message.block_dicts())

    try:
        applied = apply_change(asked_about(client, workspace, origin, value), lambda: workspace.change(
            flag_customer_for_customer_org, actor_slack_user_id=origin.user_id, customer_id=value.c,
            version=value.v, reason=reason, announce=post,
        ), done=f":triangular_flag_on_post: Flagged for the Customer Org in <#{channel}>.")
    except SlackApiError as error:
        log.info("customer flag note not posted to %s: %s", channel, error.response.get("error"))
        tell(client, origin, not_posted_text(channel, error))
        return
    if applied is not None:
        refresh_posted(client, workspace, objects=[("service", sid) for sid in applied.service_ids], skip=origin)
