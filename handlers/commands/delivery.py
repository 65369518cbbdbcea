"""`/delivery`: parse, ask the store, render, answer in the acknowledgement.

Answering in the ack keeps the reply inside Slack's 3-second window without a
second HTTP round trip; every answer here is a fixed, small number of indexed queries.
"""

from __future__ import annotations

from slack_bolt import Ack, BoltContext

from handlers.blocks.common import Reply
from handlers.blocks.share import with_share_button
from handlers.blocks.usage import usage_message
from handlers.commands.answers import ANSWERS, CommandRequest
from handlers.commands.parse import UsageError, parse_command
from store.workspace import Workspace


def reply_for(workspace: Workspace, text: str, user_id: str, *, shareable: bool = True,
              channel_id: str = "") -> Reply:
    try:
        command = parse_command(text)
    except UsageError as problem:
        return usage_message(str(problem))
    answer = ANSWERS.get(command.subcommand)
    if answer is None:
        return usage_message(f"`/delivery {command.subcommand.value}` is not available yet.")
    reply = answer(CommandRequest(workspace=workspace, command=command, user_id=user_id, channel_id=channel_id))
    if shareable and reply.shareable:
        reply = with_share_button(reply, command.text)
    return reply


def delivery_command(ack: Ack, command: dict, context: BoltContext) -> None:
    reply = reply_for(context["workspace"], command.get("text", ""), command["user_id"],
                      channel_id=command.get("channel_id", ""))
    ack(response_type="ephemeral", text=reply.text, blocks=reply.block_dicts())
