"""Apply a ticket change from any surface (menu click, or the Resolve or Snooze modal): one change flow."""

from __future__ import annotations

from datetime import datetime

from slack_sdk import WebClient

from handlers.change_flow import Asked, apply_change, checked
from handlers.rerender import Origin, tell
from messages.blocks.common import escape, time_token
from messages.ids import TicketAction, TicketActionValue
from store.changes import BaseChangeApplied
from store.changes.tickets import assign_ticket_to_actor, resolve_ticket, snooze_ticket_warnings
from store.sla import mute_service_warnings
from store.workspace import Workspace

VERBS = {TicketAction.ASSIGN: "take this ticket", TicketAction.RESOLVE: "resolve this ticket",
         TicketAction.SNOOZE: "snooze this ticket's warnings", TicketAction.MUTE: "mute this service's warnings"}


def asked_about(client: WebClient, workspace: Workspace, origin: Origin, value: TicketActionValue) -> Asked:
    return Asked(client, workspace, origin, value.w, doing=VERBS[value.a])


def apply_mute(client: WebClient, workspace: Workspace, origin: Origin, value: TicketActionValue) -> None:
    """Mute the clicker's SLA warnings by DM for the ticket's service for a week, and say until when."""
    asked = asked_about(client, workspace, origin, value)
    muted = checked(asked, lambda: workspace.change(mute_service_warnings, actor_slack_user_id=origin.user_id,
                                                    ticket_id=value.t))
    if muted is not None:
        tell(client, origin, f":mute: You won't get SLA warnings by DM about {escape(muted.service_name)} until "
                             f"{time_token(muted.until)}. They are still listed in your morning digest and in "
                             "`/delivery at-risk`.")


def apply_ticket_action(client: WebClient, workspace: Workspace, origin: Origin, value: TicketActionValue, *,
                        note: str | None = None, until: datetime | None = None) -> None:
    """Apply one ticket change and make every message showing it true again, or say why nothing changed."""

    def change() -> BaseChangeApplied:
        if value.a == TicketAction.ASSIGN:
            return workspace.change(assign_ticket_to_actor, actor_slack_user_id=origin.user_id,
                                    ticket_id=value.t, version=value.v)
        if value.a == TicketAction.SNOOZE:
            if until is None:
                raise ValueError("a snooze is applied from its modal, which says until when")
            return workspace.change(snooze_ticket_warnings, actor_slack_user_id=origin.user_id, ticket_id=value.t,
                                    version=value.v, until=until, reason=note or "")
        return workspace.change(resolve_ticket, actor_slack_user_id=origin.user_id, ticket_id=value.t,
                                version=value.v, note=note or "")

    apply_change(asked_about(client, workspace, origin, value), change)
