"""`/delivery mine`: the work of the person typing."""

from handlers.blocks.common import Reply
from handlers.blocks.mine import mine_message
from handlers.commands.answers_base import CommandRequest
from store.queries.mine import my_work


def mine_answer(request: CommandRequest) -> Reply:
    work = request.workspace.read(my_work, slack_user_id=request.user_id)
    return mine_message(work, request.workspace.tz)
