""""Share in channel": post an ephemeral answer for everyone, then remove the private copy.

Posted with chat.postMessage when the bot is in the channel, so the message is remembered
and kept true after changes; otherwise through the response_url (it cannot be updated later).
"""

from __future__ import annotations

import logging

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from handlers.after_ack import BUSY_TEXT, after_ack, busy
from handlers.commands.delivery import reply_for
from handlers.errors import read_value
from messages.blocks.share import shared_by
from messages.ids import ShareValue
from messages.uploads import attach_charts
from store.queries.posted import remember_message
from store.workspace import Workspace

log = logging.getLogger("delivery.share")
NOT_POSTABLE = {"not_in_channel", "channel_not_found", "is_archived", "restricted_action"}


def share_reply(ack: Ack, body: dict, action: dict, respond: Respond, client: WebClient,
                context: BoltContext) -> None:
    value = read_value(ShareValue, action.get("value"))
    ack()
    user_id = body["user"]["id"]
    channel_id = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
    if busy(context):
        respond(response_type="ephemeral", replace_original=False, text=BUSY_TEXT)
        return
    after_ack(context, body, share_in_channel, context["workspace"], value, user_id, channel_id, client, respond,
              respond=respond)


def share_in_channel(workspace: Workspace, value: ShareValue, user_id: str, channel_id: str, client: WebClient,
                     respond: Respond) -> None:
    # Rebuilt from the database, so the channel sees the numbers as they are now.
    # For everyone in the channel: no one's money (store.rules.permissions.sees_money).
    reply = shared_by(reply_for(workspace, value.text, user_id, shareable=False, private=False), user_id)
    try:
        posted = client.chat_postMessage(channel=channel_id, text=reply.text, blocks=reply.block_dicts())
    except SlackApiError as error:
        if error.response.get("error") not in NOT_POSTABLE:
            raise
        log.info("sharing through response_url in %s: %s", channel_id, error.response.get("error"))
        respond(response_type="in_channel", replace_original=False, text=reply.text, blocks=reply.block_dicts())
    else:
        if reply.view is not None:
            workspace.change(remember_message, channel_id=posted["channel"], ts=posted["ts"],
                             view=reply.view.model_dump_json(), viewer_slack_user_id=user_id, objects=reply.shows)
        # Shared in the channel, the answer's charts can follow it there (best effort: the text is posted).
        if reply.charts:
            sent = attach_charts(client, posted["channel"], reply.charts, comment="Charts for the answer above.")
            if not sent.ok:
                respond(response_type="ephemeral", replace_original=False, text=f"{sent.error}.")
    respond(delete_original=True)
