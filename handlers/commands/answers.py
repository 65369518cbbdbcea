"""Which function answers each subcommand. One module per answer, named after it."""

from __future__ import annotations

from handlers.blocks.portfolio import portfolio_status_message
from handlers.blocks.usage import usage_message
from handlers.commands.answers_base import Answer, CommandRequest
from handlers.commands.parse import Subcommand
from handlers.commands.capacity import capacity_answer
from handlers.commands.milestones import milestones_answer
from handlers.commands.mine import mine_answer
from handlers.commands.service import service_answer
from handlers.commands.tickets import tickets_answer
from handlers.blocks.common import Reply

__all__ = ["ANSWERS", "Answer", "CommandRequest"]


def status_answer(request: CommandRequest) -> Reply:
    return portfolio_status_message(request.workspace.portfolio_status(), request.workspace.tz)


ANSWERS: dict[Subcommand, Answer] = {
    Subcommand.HELP: lambda _request: usage_message(),
    Subcommand.STATUS: status_answer,
    Subcommand.SERVICE: service_answer,
    Subcommand.MILESTONES: milestones_answer,
    Subcommand.CAPACITY: capacity_answer,
    Subcommand.TICKETS: tickets_answer,
    Subcommand.MINE: mine_answer,
}
