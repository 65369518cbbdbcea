"""Apply a service change (health override, Customer Org flag) and make messages true again.

Shared by the card's buttons (which check first, so nobody fills in a modal only to be
refused) and the modals' submissions (which apply).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from slack_sdk import WebClient

from handlers.deliverable_moves import stale_text
from handlers.rerender import Origin, refresh_origin, refresh_posted, tell
from messages.blocks.common import escape, sentence
from messages.ids import ServiceActionValue, ServiceModalMeta
from store.changes import ChangeApplied, ChangeRefused, InvalidChange, StaleChange
from store.changes.services import check_service_change
from store.rules.permissions import Permission
from store.workspace import Workspace

T = TypeVar("T")

DOING = {
    Permission.UPDATE_HEALTH: "update this service's health",
    Permission.FLAG_SERVICE: "flag this service for the Customer Org",
}


def modal_meta(value: ServiceActionValue, origin: Origin) -> ServiceModalMeta:
    return ServiceModalMeta(action=value, origin=origin.carried())


def origin_of(meta: ServiceModalMeta, user_id: str) -> Origin:
    return Origin.returned(meta.origin, user_id)


def refusal_text(refused: ChangeRefused, permission: Permission) -> str:
    doing = DOING[permission]
    if not refused.linked:
        return (f"You are not linked to anyone in the delivery portfolio, so you can read but not change. "
                f"Only {escape(refused.who_can)} can {doing}. Nothing was changed.")
    return f"You can't {doing}: only {escape(refused.who_can)} can. Nothing was changed."


def _guarded(client: WebClient, workspace: Workspace, origin: Origin, value: ServiceActionValue,
             permission: Permission, run: Callable[[], T]) -> T | None:
    """`run()`, or None after telling the clicker why nothing changed."""
    try:
        return run()
    except ChangeRefused as refused:
        tell(client, origin, refusal_text(refused, permission))
    except StaleChange as stale:
        tell(client, origin, stale_text(stale, workspace.clock.now()))
        refresh_origin(client, workspace, origin, value.w)
    except InvalidChange as problem:
        tell(client, origin, f"{sentence(escape(str(problem)))}. Nothing was changed.")
    return None


def may_start(client: WebClient, workspace: Workspace, origin: Origin, value: ServiceActionValue,
              permission: Permission) -> bool:
    """Whether the clicker may make this change to the service as the card showed it; if not, say why."""

    def check() -> bool:
        workspace.read(check_service_change, actor_slack_user_id=origin.user_id, service_id=value.s,
                       version=value.v, permission=permission)
        return True

    return _guarded(client, workspace, origin, value, permission, check) is True


def change_service(client: WebClient, workspace: Workspace, origin: Origin, value: ServiceActionValue,
                   permission: Permission, command: Callable[..., ChangeApplied], **arguments) -> ChangeApplied | None:
    """Apply one change in one transaction; on a refused, stale or invalid change, say so and return None.

    Other exceptions (an announcement Slack refused, say) propagate: the transaction rolled back.
    """
    return _guarded(client, workspace, origin, value, permission, lambda: workspace.change(
        command, actor_slack_user_id=origin.user_id, service_id=value.s, version=value.v, **arguments))


def show_change(client: WebClient, workspace: Workspace, origin: Origin, value: ServiceActionValue) -> None:
    """Rebuild the clicked card from the database, and every remembered message showing the service."""
    refresh_origin(client, workspace, origin, value.w)
    refresh_posted(client, workspace, service_id=value.s, skip=origin)
