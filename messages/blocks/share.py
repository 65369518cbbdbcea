"""The "Share in channel" button that every ephemeral answer offers."""

from __future__ import annotations

from dataclasses import replace

from slack_sdk.models.blocks import ActionsBlock, ButtonElement

from messages.blocks.common import MAX_MESSAGE_BLOCKS, Reply, context, user_mention
from messages.ids import ActionId, BlockId, ShareValue


def with_share_button(reply: Reply, command_text: str) -> Reply:
    button = ButtonElement(
        text="Share in channel",
        action_id=ActionId.SHARE_REPLY,
        value=ShareValue(text=command_text).model_dump_json(),
    )
    blocks = reply.blocks[: MAX_MESSAGE_BLOCKS - 1]
    return replace(reply, blocks=[*blocks, ActionsBlock(block_id=BlockId.REPLY_ACTIONS, elements=[button])])


def shared_by(reply: Reply, user_id: str) -> Reply:
    blocks = reply.blocks[: MAX_MESSAGE_BLOCKS - 1]
    return replace(reply, blocks=[*blocks, context(f"Shared by {user_mention(user_id)}")])
