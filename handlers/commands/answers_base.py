"""What every answer receives: the workspace, the parsed command, and who asked."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from handlers.commands.parse import DeliveryCommand
from messages.blocks.common import Reply
from store.workspace import Workspace


@dataclass(frozen=True)
class CommandRequest:
    workspace: Workspace
    command: DeliveryCommand
    user_id: str
    channel_id: str = ""
    # The answer is the asker's alone (ephemeral), not shared for a channel: it may show them money.
    private: bool = True


Answer = Callable[[CommandRequest], Reply]
