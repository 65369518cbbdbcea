"""`/delivery tickets [by customer|type|owner]`: the week's tickets, overdue ones, SLA, a breakdown."""

from __future__ import annotations

from typing import TYPE_CHECKING

from handlers.blocks.common import Reply
from handlers.blocks.tickets import tickets_message
from store.queries.tickets import ticket_report

if TYPE_CHECKING:
    # Only for the annotation: answers.py imports this module to register the answer,
    # so importing it back at run time would be circular.
    from handlers.commands.answers import CommandRequest


def tickets_answer(request: CommandRequest) -> Reply:
    workspace = request.workspace
    report = workspace.read(ticket_report, breakdown=request.command.breakdown.value)
    return tickets_message(report, workspace.tz)
