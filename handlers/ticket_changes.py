"""Apply a ticket change from any surface (menu click or the Resolve modal): one change flow."""

from __future__ import annotations

from slack_sdk import WebClient

from handlers.change_flow import Asked, apply_change
from handlers.rerender import Origin
from messages.ids import TicketAction, TicketActionValue
from store.changes import BaseChangeApplied
from store.changes.tickets import assign_ticket_to_actor, resolve_ticket
from store.workspace import Workspace

VERBS = {TicketAction.ASSIGN: "take this ticket", TicketAction.RESOLVE: "resolve this ticket"}


def asked_about(client: WebClient, workspace: Workspace, origin: Origin, value: TicketActionValue) -> Asked:
    return Asked(client, workspace, origin, value.w, doing=VERBS[value.a])


def apply_ticket_action(client: WebClient, workspace: Workspace, origin: Origin, value: TicketActionValue, *,
                        note: str | None = None) -> None:
    """Apply one ticket change and make every message showing it true again, or say why nothing changed."""

    def change() -> BaseChangeApplied:
        if value.a == TicketAction.ASSIGN:
            return workspace.change(assign_ticket_to_actor, actor_slack_user_id=origin.user_id,
                                    ticket_id=value.t, version=value.v)
        return workspace.change(resolve_ticket, actor_slack_user_id=origin.user_id, ticket_id=value.t,
                                version=value.v, note=note or "")

    apply_change(asked_about(client, workspace, origin, value), change)
