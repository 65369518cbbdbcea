"""Service changes (health override, Customer Org flag): what the card's buttons and their modals share.

The buttons check first (`may_start`), so nobody fills in a modal only to be refused; the modals'
submissions apply the change through the one change flow (handlers/change_flow.py).
"""

from __future__ import annotations

from slack_sdk import WebClient

from handlers.change_flow import Asked, checked
from handlers.rerender import Origin
from messages.ids import ServiceActionValue, ServiceModalMeta
from store.changes.services import check_service_change
from store.rules.permissions import Permission
from store.workspace import Workspace

DOING = {
    Permission.UPDATE_HEALTH: "update this service's health",
    Permission.FLAG_SERVICE: "flag this service for the Customer Org",
}


def modal_meta(value: ServiceActionValue, origin: Origin) -> ServiceModalMeta:
    return ServiceModalMeta(action=value, origin=origin.carried())


def origin_of(meta: ServiceModalMeta, user_id: str) -> Origin:
    return Origin.returned(meta.origin, user_id)


def asked_about(client: WebClient, workspace: Workspace, origin: Origin, value: ServiceActionValue,
                permission: Permission) -> Asked:
    return Asked(client, workspace, origin, value.w, doing=DOING[permission])


def may_start(client: WebClient, workspace: Workspace, origin: Origin, value: ServiceActionValue,
              permission: Permission) -> bool:
    """Whether the clicker may make this change to the service as the card showed it; if not, say why."""
    def check() -> bool:
        workspace.read(check_service_change, actor_slack_user_id=origin.user_id, service_id=value.s,
                       version=value.v, permission=permission)
        return True

    return checked(asked_about(client, workspace, origin, value, permission), check) is True
