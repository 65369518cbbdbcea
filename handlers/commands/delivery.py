"""`/delivery`: parse, ask the store, render, answer in the acknowledgement.

Answering in the ack keeps the reply inside Slack's 3-second window without a
second HTTP round trip; every answer here is a few indexed queries.
"""

from __future__ import annotations

from slack_bolt import Ack, BoltContext

from handlers.blocks.common import Reply
from handlers.blocks.portfolio import portfolio_status_message
from handlers.blocks.usage import usage_message
from handlers.commands.parse import Subcommand, UsageError, parse_command
from store.workspace import Workspace


def answer(workspace: Workspace, text: str) -> Reply:
    try:
        command = parse_command(text)
    except UsageError as problem:
        return usage_message(str(problem))
    if command.subcommand == Subcommand.STATUS:
        return portfolio_status_message(workspace.portfolio_status(), workspace.tz)
    return usage_message()


def delivery_command(ack: Ack, command: dict, context: BoltContext) -> None:
    reply = answer(context["workspace"], command.get("text", ""))
    ack(response_type="ephemeral", text=reply.text, blocks=reply.block_dicts())
