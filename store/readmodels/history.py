"""What `/delivery history` reads: a service's recent audited changes."""

from __future__ import annotations

from datetime import datetime

from store.enums import Surface
from store.readmodels import PersonRef, ReadModel, ServiceLookup


class ChangeLine(ReadModel):
    object_type: str
    object_name: str
    field: str
    from_value: str | None
    to_value: str | None
    reason: str | None
    blocker_category: str | None = None  # a block's category (store.enums.BlockerCategory) as stored
    changed_by: PersonRef | None
    changed_by_slack_user_id: str | None
    surface: Surface
    changed_at: datetime


class ServiceHistory(ReadModel):
    lookup: ServiceLookup
    changes: list[ChangeLine] = []
    total: int = 0
