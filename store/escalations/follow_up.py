"""What follows a posted escalation: once its deliverable is no longer blocked in that episode (unblocked,
completed, blocked again since), every message of the episode is drawn again once, saying so.

A deliverable unblocked by a click in Slack has its messages drawn again by that click's listener, so the
change marks its episode settled (`settle_episode`). One unblocked any other way (a CSV import, a script) is
found by the next tick (`take_ended`) through the partial index `ix_escalation_steps_unsettled`, which holds
only the steps that may have left a message in Slack not yet drawn as ended: a tick reads those and their
deliverables by key, never every deliverable. Both are one transaction, taken before Slack is called.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, or_, select, tuple_, update
from sqlalchemy.orm import Session

from store.context import QueryContext
from store.enums import DeliverableStatus, DeliveryStatus
from store.ledger import status_in
from store.models import Deliverable, EscalationStep

# Deliverables whose messages one tick draws again; the rest wait for the next tick.
MOST_REDRAWN_PER_TICK = 50
# The outcomes that may have left a message in Slack.
MAY_HAVE_POSTED = (DeliveryStatus.SENT, DeliveryStatus.FAILED, DeliveryStatus.UNCERTAIN)


def _unsettled() -> tuple[ColumnElement[bool], ...]:
    """The partial index's condition (models.escalations.UNSETTLED_SQL), as the queries reading it say it."""
    return status_in(EscalationStep.status, MAY_HAVE_POSTED), EscalationStep.settled_at.is_(None)


def take_ended(session: Session, ctx: QueryContext, *, limit: int = MOST_REDRAWN_PER_TICK) -> list[int]:
    """Deliverables whose escalated episode ended since a message of it may have been posted, not drawn as
    ended yet: at most `limit`, marked drawn in this transaction (the caller draws them). Two statements: the
    unsettled steps' episodes (through the partial index) with each deliverable's state read by key, then the
    marking, which says which it marked: an episode another scheduler marked first is its to draw."""
    episodes = (select(EscalationStep.deliverable_id, EscalationStep.blocked_since)
                .where(EscalationStep.team_id == ctx.team_id, *_unsettled()).distinct().subquery())
    status = select(Deliverable.status).where(Deliverable.id == episodes.c.deliverable_id).scalar_subquery()
    since = select(Deliverable.blocked_since).where(Deliverable.id == episodes.c.deliverable_id).scalar_subquery()
    ended = list(session.execute(
        select(episodes.c.deliverable_id, episodes.c.blocked_since)
        .where(or_(status != DeliverableStatus.BLOCKED, since.is_(None), since != episodes.c.blocked_since))
        .order_by(episodes.c.deliverable_id).limit(limit)))
    if not ended:
        return []
    marked = session.execute(
        update(EscalationStep)
        .where(EscalationStep.team_id == ctx.team_id,
               tuple_(EscalationStep.deliverable_id, EscalationStep.blocked_since).in_(ended), *_unsettled())
        .values(settled_at=ctx.now).returning(EscalationStep.deliverable_id)
        .execution_options(synchronize_session=False))
    return sorted(set(marked.scalars()))


def settle_episode(session: Session, ctx: QueryContext, *, deliverable_id: int, blocked_since: datetime) -> None:
    """The episode ended by a click in Slack, whose listener draws its messages again: the tick has nothing
    left to do for it. A step still being posted is left alone: when it ends posted, the next tick draws it."""
    session.execute(
        update(EscalationStep)
        .where(EscalationStep.team_id == ctx.team_id, EscalationStep.deliverable_id == deliverable_id,
               EscalationStep.blocked_since == blocked_since, *_unsettled())
        .values(settled_at=ctx.now).execution_options(synchronize_session=False))
