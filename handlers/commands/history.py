"""`/delivery history <service>`: recent changes to a service and its deliverables."""

from handlers.blocks.common import Reply
from handlers.blocks.history import history_message
from handlers.blocks.service_card import choices_message, no_match_message
from handlers.commands.answers_base import CommandRequest
from store.queries.history import service_history


def history_answer(request: CommandRequest) -> Reply:
    history = request.workspace.read(service_history, name=request.command.name or "")
    if history.lookup.card is not None:
        return history_message(history)
    if history.lookup.choices:
        return choices_message(history.lookup)
    return no_match_message(history.lookup)
