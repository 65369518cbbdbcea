"""State changes: each one transaction that writes the new state and its audit row.

Changes never trust what a button says the object looks like: they check the version it
was rendered from, and refuse (changing nothing) when it moved on.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CursorResult, Result

from store.readmodels import PersonRef, ReadModel


class ChangeRefused(Exception):
    """The actor may not make this change; `who_can` says who may."""

    def __init__(self, who_can: str, *, linked: bool):
        super().__init__(f"only {who_can} can make this change")
        self.who_can = who_can
        self.linked = linked


class StaleChange(Exception):
    """The object changed since the message was rendered; nothing was applied."""

    def __init__(self, current: str, changed_by: PersonRef | None, changed_at: datetime | None):
        super().__init__(f"already {current}")
        self.current = current
        self.changed_by = changed_by
        self.changed_at = changed_at


class InvalidChange(Exception):
    """The change does not make sense for the object as it is (for example Accept on a blocked item)."""


class BaseChangeApplied(ReadModel):
    """An applied change, whether or not its object belongs to a service."""

    object_type: str
    object_id: int
    service_id: int | None
    from_value: str | None
    to_value: str
    version: int


class ChangeApplied(BaseChangeApplied):
    """An applied change to a service or to something on one."""

    service_id: int


def rows_matched(result: Result[*tuple[Any, ...]]) -> int:
    """How many rows an UPDATE or DELETE run through `Session.execute` matched. The session runs DML
    into a `CursorResult`, which has the count, but its signature only promises a plain `Result`."""
    assert isinstance(result, CursorResult)
    return result.rowcount
