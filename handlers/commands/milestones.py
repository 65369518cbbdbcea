"""`/delivery milestones [this week|next week|overdue]`."""

from handlers.blocks.common import Reply
from handlers.blocks.milestones import milestones_message
from handlers.commands.answers_base import CommandRequest
from store.queries.milestones import milestone_list


def milestones_answer(request: CommandRequest) -> Reply:
    listing = request.workspace.read(milestone_list, window=request.command.window.value)
    return milestones_message(listing, request.workspace.tz)
