"""Flag for Customer Org: a modal asking why, then a note in the Customer Org channel.

The note is posted inside the flag's transaction: when Slack refuses it (the bot is not in
the channel, the channel does not exist) nothing is recorded and the flagger is told why.
"""

from __future__ import annotations

import logging

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import InputBlock, PlainTextInputElement, SectionBlock
from slack_sdk.models.blocks.basic_components import MarkdownTextObject
from slack_sdk.models.views import View

from handlers.after_ack import after_ack
from handlers.change_flow import accept_submission, apply_change
from handlers.rerender import Origin, tell
from handlers.service_changes import asked_about, modal_meta, origin_of
from messages.blocks.common import clip, escape
from messages.blocks.service_actions import flag_note
from messages.ids import CallbackId, InputId, ServiceActionValue, ServiceModalMeta
from store.changes.services import FlagNote, flag_for_customer_org
from store.rules.permissions import Permission
from store.workspace import Workspace

log = logging.getLogger("delivery.flag")

VALUE = "value"
REASON_MISSING = "Say why the Customer Org should look at it."
NOT_SET_UP = ("Flagging for the Customer Org is not set up: an admin must set DELIVERY_CUSTOMER_ORG_CHANNEL "
              "to the channel the notes go to. Nothing was changed.")


def customer_org_channel(context: BoltContext) -> str | None:
    settings = context.get("settings")
    return getattr(settings, "delivery_customer_org_channel", None) or None


def flag_modal(value: ServiceActionValue, origin: Origin, label: str, channel: str) -> dict:
    intro = (f"Flag *{escape(label)}* for the Customer Org. A note saying you flagged it, and why, "
             f"goes to <#{channel}>.")
    return flag_form(CallbackId.FLAG_SERVICE, modal_meta(value, origin).model_dump_json(), intro)


def flag_form(callback_id: CallbackId, private_metadata: str, intro: str) -> dict:
    """The Flag modal: `intro` (mrkdwn, escaped by the caller) and a "Why?"; a service's and a customer's."""
    return View(
        type="modal",
        callback_id=callback_id.value,
        title="Flag for Customer Org",
        submit="Flag",
        close="Cancel",
        private_metadata=private_metadata,
        blocks=[
            SectionBlock(text=MarkdownTextObject(text=clip(intro, 3000))),
            InputBlock(block_id=InputId.FLAG_REASON.value, label="Why?",
                       element=PlainTextInputElement(action_id=VALUE, multiline=True, max_length=500)),
        ],
    ).to_dict()


def read_flag_reason(state: dict) -> str:
    return (((state.get(InputId.FLAG_REASON.value) or {}).get(VALUE) or {}).get("value") or "").strip()


def not_posted_text(channel: str, error: SlackApiError) -> str:
    code = error.response.get("error") or "unknown_error"
    if code == "not_in_channel":
        why = f"the bot is not in <#{channel}>. Invite it there (`/invite @delivery`), then flag again"
    elif code == "channel_not_found":
        why = (f"Slack has no channel `{escape(channel)}` the bot can see. An admin should check "
               "DELIVERY_CUSTOMER_ORG_CHANNEL")
    else:
        why = f"Slack refused the note to <#{channel}> (`{escape(code)}`)"
    return f"Could not flag this for the Customer Org: {why}. Nothing was posted or recorded."


def submit_flag(ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext) -> None:
    reason = read_flag_reason(view["state"]["values"])
    errors = {} if reason else {InputId.FLAG_REASON.value: REASON_MISSING}
    meta = accept_submission(ack, context, view, ServiceModalMeta, errors=errors, busy_input=InputId.FLAG_REASON)
    if meta is None:
        return
    origin = origin_of(meta, body["user"]["id"])
    after_ack(context, body, apply_flag, client, context["workspace"], origin, meta, reason,
              customer_org_channel(context), client=client)


def apply_flag(client: WebClient, workspace: Workspace, origin: Origin, meta: ServiceModalMeta, reason: str,
               channel: str | None) -> None:
    """Flag the service and post the note to the Customer Org channel (one change: see `change_service`)."""
    if channel is None:
        tell(client, origin, NOT_SET_UP)
        return

    def post(note: FlagNote) -> None:
        message = flag_note(note)
        client.chat_postMessage(channel=channel, text=message.text, blocks=message.block_dicts())

    value = meta.action
    asked = asked_about(client, workspace, origin, value, Permission.FLAG_SERVICE)
    try:
        apply_change(asked, lambda: workspace.change(
            flag_for_customer_org, actor_slack_user_id=origin.user_id, service_id=value.s, version=value.v,
            reason=reason, announce=post,
        ), done=f":triangular_flag_on_post: Flagged for the Customer Org in <#{channel}>.")
    except SlackApiError as error:
        log.info("flag note not posted to %s: %s", channel, error.response.get("error"))
        tell(client, origin, not_posted_text(channel, error))
