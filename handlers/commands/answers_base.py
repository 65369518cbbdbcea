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


Answer = Callable[[CommandRequest], Reply]
