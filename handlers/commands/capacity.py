"""`/delivery capacity`: each person's load and week, and who can take on more."""

from __future__ import annotations

from typing import TYPE_CHECKING

from handlers.blocks.capacity import capacity_message
from handlers.blocks.common import Reply
from store.queries.capacity import capacity_report

if TYPE_CHECKING:
    # answers.py imports this module to register it; importing it back at run time would be circular.
    from handlers.commands.answers import CommandRequest


def capacity_answer(request: CommandRequest) -> Reply:
    """Read the report in one short session, then render it in the organisation's time zone."""
    return capacity_message(request.workspace.read(capacity_report), request.workspace.tz)
