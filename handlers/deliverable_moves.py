"""Apply a deliverable move from any surface (menu click or the Block modal): one change flow."""

from __future__ import annotations

from datetime import date

from slack_sdk import WebClient

from handlers.change_flow import Asked, apply_change
from handlers.rerender import Origin
from messages.ids import DeliverableMoveValue
from store.changes.deliverables import move_deliverable
from store.enums import BlockerCategory
from store.workspace import Workspace


def apply_move(client: WebClient, workspace: Workspace, origin: Origin, value: DeliverableMoveValue, *,
               reason: str | None = None, expected_unblock_on: date | None = None,
               category: BlockerCategory | None = None) -> None:
    """Apply one move and make every message showing it true again, or say why nothing changed."""
    asked = Asked(client, workspace, origin, value.w, doing=f"{value.m.value} this")
    apply_change(asked, lambda: workspace.change(
        move_deliverable, actor_slack_user_id=origin.user_id, deliverable_id=value.d, move=value.m,
        version=value.v, reason=reason, expected_unblock_on=expected_unblock_on, category=category,
    ))
