"""Who may change what: the one place these rules live.

- ops may change anything;
- the service's lead (its delivery owner) may change anything on that service, and is the
  only one besides ops who may accept deliverables or set the service's health;
- a member may change deliverables and tickets they own, or that belong to services they
  are assigned to (as owner or team member);
- asking for help on a service (Find help, proposing a reallocation) is for its lead, the people
  assigned to it, and ops; who decides a proposal is store/rules/reallocation.py's rule;
- Slack users with no Person row can read but not change.
Each listener declares the Permission it needs; the store checks it against the object.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from store.enums import Role


class Permission(StrEnum):
    CHANGE_DELIVERABLE = "change_deliverable"
    ACCEPT_DELIVERABLE = "accept_deliverable"
    CHANGE_TICKET = "change_ticket"
    UPDATE_HEALTH = "update_health"
    FLAG_SERVICE = "flag_service"
    # Find help and propose a reallocation (issue 21): the service's lead, its team, ops.
    REQUEST_HELP = "request_help"


@dataclass(frozen=True)
class ActorFacts:
    person_id: int | None
    role: Role | None


@dataclass(frozen=True)
class TargetFacts:
    """The object being changed, seen from the rules: who owns it and whose service it is on."""

    owner_id: int | None
    service_owner_id: int | None
    service_owner_name: str | None
    service_member_ids: frozenset[int] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    who_can: str


LEAD_ONLY = {Permission.ACCEPT_DELIVERABLE, Permission.UPDATE_HEALTH}


def who_can(permission: Permission, target: TargetFacts) -> str:
    lead = f"{target.service_owner_name} (the service's lead)" if target.service_owner_name else "the service's lead"
    if permission in LEAD_ONLY:
        return f"{lead} or ops"
    what = {"change_ticket": "ticket", "flag_service": "service", "request_help": "service"}.get(
        permission.value, "deliverable")
    return f"its owner, {lead}, people assigned to the service, or ops" if what != "service" else \
        f"{lead}, people assigned to the service, or ops"


def authorize(permission: Permission, actor: ActorFacts, target: TargetFacts) -> Decision:
    allowed_for = who_can(permission, target)
    if actor.person_id is None:
        return Decision(False, allowed_for)
    if actor.role == Role.OPS or actor.person_id == target.service_owner_id:
        return Decision(True, allowed_for)
    if permission in LEAD_ONLY:
        return Decision(False, allowed_for)
    assigned = actor.person_id == target.owner_id or actor.person_id in target.service_member_ids
    return Decision(assigned, allowed_for)


# Money is need-to-know (issue 19): who sees a service's rates, costs, money amounts and margin.
MONEY_AUDIENCE = "the service's lead and ops"


def sees_money(actor: ActorFacts | None, service_owner_id: int | None) -> bool:
    """Ops see every service's money; a service's lead (its delivery owner) sees that service's.
    Everyone else (and every message posted where others read it) sees hours and percentages."""
    if actor is None or actor.person_id is None:
        return False
    return actor.role == Role.OPS or actor.person_id == service_owner_id
