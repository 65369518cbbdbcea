"""Apply a ticket change from any surface (menu click or the Resolve modal) and make messages true again."""

from __future__ import annotations

from slack_sdk import WebClient

from handlers.deliverable_moves import stale_text
from handlers.rerender import Origin, refresh_origin, refresh_posted, tell
from messages.blocks.common import escape, sentence
from messages.ids import TicketAction, TicketActionValue
from store.changes import ChangeRefused, InvalidChange, StaleChange
from store.changes.tickets import assign_ticket_to_actor, resolve_ticket
from store.workspace import Workspace

VERBS = {TicketAction.ASSIGN: "take this ticket", TicketAction.RESOLVE: "resolve this ticket"}
PROBLEMS = (ChangeRefused, StaleChange, InvalidChange)


def refusal_text(refused: ChangeRefused, action: TicketAction) -> str:
    verb = VERBS[action]
    if not refused.linked:
        return (f"You are not linked to anyone in the delivery portfolio, so you can read but not change. "
                f"Only {escape(refused.who_can)} can {verb}. Nothing was changed.")
    return f"You can't {verb}: only {escape(refused.who_can)} can. Nothing was changed."


def explain(client: WebClient, workspace: Workspace, origin: Origin, value: TicketActionValue,
            problem: Exception) -> None:
    """Tell the person who clicked why nothing changed; a stale click also redraws what they clicked."""
    if isinstance(problem, ChangeRefused):
        tell(client, origin, refusal_text(problem, value.a))
    elif isinstance(problem, StaleChange):
        tell(client, origin, stale_text(problem, workspace.clock.now()))
        refresh_origin(client, workspace, origin, value.w)
    else:
        tell(client, origin, f"{sentence(escape(str(problem)))}. Nothing was changed.")


def apply_ticket_action(client: WebClient, workspace: Workspace, origin: Origin, value: TicketActionValue, *,
                        note: str | None = None) -> None:
    """Apply one ticket change and make every message showing it true again, or say why nothing changed."""
    try:
        if value.a == TicketAction.ASSIGN:
            applied = workspace.change(assign_ticket_to_actor, actor_slack_user_id=origin.user_id,
                                       ticket_id=value.t, version=value.v)
        else:
            applied = workspace.change(resolve_ticket, actor_slack_user_id=origin.user_id, ticket_id=value.t,
                                       version=value.v, note=note or "")
    except PROBLEMS as problem:
        explain(client, workspace, origin, value, problem)
        return
    refresh_origin(client, workspace, origin, value.w)
    if applied.service_id is not None:
        refresh_posted(client, workspace, service_id=applied.service_id, skip=origin)
