"""Which answer each subcommand gets: a view of messages/views.py for those that read, a change
for those that subscribe or turn a digest on or off."""

from __future__ import annotations

from handlers.commands.answers_base import Answer, CommandRequest
from handlers.commands.parse import DeliveryCommand, Subcommand
from handlers.commands.subscriptions import digest_answer, subscribe_answer, subscriptions_answer, unsubscribe_answer
from messages.blocks.common import Reply
from messages.blocks.usage import usage_message
from messages.ids import ViewKind, ViewRef
from messages.views import VIEWS, show_now

__all__ = ["ANSWERS", "FIGURES", "Answer", "CommandRequest", "view_of"]

# The view that answers each reading subcommand.
READ_VIEWS: dict[Subcommand, ViewKind] = {
    Subcommand.STATUS: ViewKind.STATUS,
    Subcommand.SERVICE: ViewKind.LOOKUP,
    Subcommand.CAPACITY: ViewKind.CAPACITY,
    Subcommand.BUDGET: ViewKind.BUDGET,
    Subcommand.AT_RISK: ViewKind.AT_RISK,
    Subcommand.TICKETS: ViewKind.TICKETS,
    Subcommand.MILESTONES: ViewKind.MILESTONES,
    Subcommand.MINE: ViewKind.MINE,
    Subcommand.HISTORY: ViewKind.HISTORY,
    Subcommand.FORECAST: ViewKind.FORECAST,
    Subcommand.PATTERNS: ViewKind.PATTERNS,
    Subcommand.CUSTOMERS: ViewKind.CUSTOMERS,
    Subcommand.TRENDS: ViewKind.TRENDS,
}


def view_of(command: DeliveryCommand) -> ViewRef:
    """The view a reading command asks for, with the parameters it typed."""
    kind = READ_VIEWS[command.subcommand]
    return ViewRef(
        k=kind,
        b=command.breakdown if kind == ViewKind.TICKETS else None,
        m=command.window if kind == ViewKind.MILESTONES else None,
        n=command.name if kind in (ViewKind.LOOKUP, ViewKind.HISTORY, ViewKind.FORECAST) else None,
        wk=command.weeks if kind == ViewKind.PATTERNS else None,
    )


def view_answer(request: CommandRequest) -> Reply:
    return show_now(request.workspace, view_of(request.command), request.user_id, private=request.private).reply


ANSWERS: dict[Subcommand, Answer] = {
    **{subcommand: view_answer for subcommand in READ_VIEWS},
    Subcommand.HELP: lambda _request: usage_message(),
    Subcommand.SUBSCRIBE: subscribe_answer,
    Subcommand.UNSUBSCRIBE: unsubscribe_answer,
    Subcommand.SUBSCRIPTIONS: subscriptions_answer,
    Subcommand.DIGEST: digest_answer,
}

# The figures each answer shows, by their key in store/metrics.py (`delivery-bot ask --explain`).
FIGURES: dict[Subcommand, list[str]] = {
    subcommand: list(VIEWS[READ_VIEWS[subcommand]].figures) if subcommand in READ_VIEWS else []
    for subcommand in Subcommand
}
