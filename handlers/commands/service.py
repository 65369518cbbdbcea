"""`/delivery status <service or customer>` and `/delivery service <name>`: one service's card."""

from __future__ import annotations

from handlers.blocks.common import Reply
from handlers.blocks.service_card import choices_message, no_match_message, service_card_message
from handlers.commands.answers_base import CommandRequest
from store.queries.service_card import lookup_service


def service_answer(request: CommandRequest) -> Reply:
    lookup = request.workspace.read(lookup_service, name=request.command.name or "")
    if lookup.card is not None:
        return service_card_message(lookup.card, request.workspace.tz)
    if lookup.choices:
        return choices_message(lookup)
    return no_match_message(lookup)
