""""Share in channel": post an ephemeral answer for everyone, then remove the private copy."""

from __future__ import annotations

from slack_bolt import Ack, BoltContext, Respond

from handlers.blocks.share import shared_by
from handlers.commands.delivery import reply_for
from handlers.ids import ShareValue


def share_reply(ack: Ack, body: dict, action: dict, respond: Respond, context: BoltContext) -> None:
    ack()
    value = ShareValue.model_validate_json(action["value"])
    user_id = body["user"]["id"]
    # Rebuilt from the database, so the channel sees the numbers as they are now.
    reply = shared_by(reply_for(context["workspace"], value.text, user_id, shareable=False), user_id)
    respond(response_type="in_channel", replace_original=False, text=reply.text, blocks=reply.block_dicts())
    respond(delete_original=True)
