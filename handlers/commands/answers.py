"""Which function answers each subcommand. One module per answer, named after it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from handlers.blocks.common import Reply
from handlers.blocks.portfolio import portfolio_status_message
from handlers.blocks.usage import usage_message
from handlers.commands.parse import DeliveryCommand, Subcommand
from store.workspace import Workspace


@dataclass(frozen=True)
class CommandRequest:
    workspace: Workspace
    command: DeliveryCommand
    user_id: str


Answer = Callable[[CommandRequest], Reply]


def status_answer(request: CommandRequest) -> Reply:
    return portfolio_status_message(request.workspace.portfolio_status(), request.workspace.tz)


ANSWERS: dict[Subcommand, Answer] = {
    Subcommand.HELP: lambda _request: usage_message(),
    Subcommand.STATUS: status_answer,
}
