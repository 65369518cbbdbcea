"""One deliverable's name, for a modal's title."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.context import QueryContext
from store.models import Deliverable


def deliverable_name(session: Session, ctx: QueryContext, *, deliverable_id: int) -> str | None:
    return session.scalar(
        select(Deliverable.name).where(Deliverable.id == deliverable_id, Deliverable.team_id == ctx.team_id)
    )
