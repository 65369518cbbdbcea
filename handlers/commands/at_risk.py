"""`/delivery at-risk`: services at risk or needing attention, blocked work, overdue tickets, overload."""

from handlers.blocks.at_risk import at_risk_message
from handlers.blocks.common import Reply
from handlers.commands.answers_base import CommandRequest
from store.queries.at_risk import at_risk_report


def at_risk_answer(request: CommandRequest) -> Reply:
    return at_risk_message(request.workspace.read(at_risk_report), request.workspace.tz)
