"""What follows a warning once it is posted: ops are told of the warnings that failed or may not have
arrived (once, in the summary a scheduler's tick sends with the digests'), and the posted messages of a
ticket resolved since are drawn again showing it resolved (once).

A ticket resolved by a click in Slack has its messages drawn again by that click's listener, so the
change that resolves it marks its warnings settled (`settle_resolved`). A ticket resolved any other way
(a CSV import, a script) is found by the next tick (`take_resolved`) through the partial index
`ix_ticket_warnings_unsettled`, which holds only the warnings that may have left a message in Slack and
whose ticket's messages are not drawn as resolved yet: a tick reads those and their tickets by key, never
every ticket. Both the ops summary and the drawing again are taken before Slack is called, in one
transaction, so several schedulers never do them twice; a summary that could not be posted is given
back for the next tick (`release_untold_warnings`). A drawing is not given back: an update that Slack
refused leaves a message whose buttons answer that the ticket is resolved.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session

from store.context import QueryContext
from store.enums import DeliveryStatus
from store.ledger import release_told, status_in, take_untold
from store.models import Customer, Ticket, TicketWarning

# Tickets whose messages one tick draws again as resolved; the rest wait for the next tick (a large
# import resolving many warned tickets is drawn at Slack's pace for chat.update, not all at once).
MOST_REDRAWN_PER_TICK = 50
# The outcomes that may have left a message in Slack: sent to every place, or to some before another
# failed or went unanswered (a warning's outcome is the worst of its places').
MAY_HAVE_POSTED = (DeliveryStatus.SENT, DeliveryStatus.FAILED, DeliveryStatus.UNCERTAIN)


@dataclass(frozen=True)
class WarningProblem:
    """A failed or uncertain SLA warning ops have not been told of."""

    warning_id: int
    ticket_id: int
    level: int
    status: DeliveryStatus
    error: str | None
    title: str
    customer_name: str


def take_untold_warnings(session: Session, ctx: QueryContext, *, limit: int = 500) -> list[WarningProblem]:
    """The failed and uncertain warnings ops have not been told of, oldest first, marked told in this
    transaction (through `ix_ticket_warnings_untold`)."""
    rows = take_untold(session, ctx, TicketWarning, select(
        TicketWarning.id, TicketWarning.ticket_id, TicketWarning.level, TicketWarning.status, TicketWarning.error,
        Ticket.title, Customer.name)
        .join(Ticket, Ticket.id == TicketWarning.ticket_id).join(Customer, Customer.id == Ticket.customer_id),
        limit=limit)
    return [WarningProblem(warning_id, ticket_id, level, DeliveryStatus(status), error, title, customer)
            for warning_id, ticket_id, level, status, error, title, customer in rows]


def release_untold_warnings(session: Session, ctx: QueryContext, *, warning_ids: Sequence[int]) -> None:
    """Ops could not be told after all (the summary was not posted): tell them at the next tick."""
    release_told(session, ctx, TicketWarning, warning_ids)


def _unsettled() -> tuple[ColumnElement[bool], ...]:
    """The partial index's condition (`UNSETTLED_SQL`), as the queries that read through it say it."""
    return status_in(TicketWarning.status, MAY_HAVE_POSTED), TicketWarning.resolution_shown_at.is_(None)


def take_resolved(session: Session, ctx: QueryContext, *, limit: int = MOST_REDRAWN_PER_TICK) -> list[int]:
    """Tickets resolved since a warning of them may have been posted, whose messages are not drawn as
    resolved yet: at most `limit`, lowest id first, marked drawn in this transaction (the caller draws
    them). Two statements: the first reads the unsettled warnings' tickets (`ix_ticket_warnings_unsettled`:
    the open tickets the bot warned of, a few thousand at most) and each one's resolution by key; the
    second marks them, and says which it marked: a ticket another scheduler marked first is its to draw."""
    warned = (select(TicketWarning.ticket_id).where(TicketWarning.team_id == ctx.team_id, *_unsettled())
              .distinct().subquery())
    # Each ticket's resolution read by key (a subquery, never a join): a planner that sees most tickets
    # resolved would otherwise walk every ticket, expecting to find the first few at once.
    resolved = select(Ticket.resolved_at).where(Ticket.id == warned.c.ticket_id).scalar_subquery()
    candidates = list(session.scalars(select(warned.c.ticket_id).where(resolved.is_not(None))
                                      .order_by(warned.c.ticket_id).limit(limit)))
    return sorted(set(_settle(session, ctx, candidates))) if candidates else []


def settle_resolved(session: Session, ctx: QueryContext, *, ticket_id: int) -> None:
    """The ticket was resolved by a click in Slack, whose listener draws its messages again: the tick
    has nothing left to do for it. A warning still being posted is left alone: when it ends posted, the
    next tick draws its message again."""
    _settle(session, ctx, [ticket_id])


def _settle(session: Session, ctx: QueryContext, ticket_ids: list[int]) -> list[int]:
    """Mark these tickets' unsettled warnings drawn as resolved; the tickets of those this call marked."""
    return list(session.scalars(
        update(TicketWarning)
        .where(TicketWarning.team_id == ctx.team_id, TicketWarning.ticket_id.in_(ticket_ids), *_unsettled())
        .values(resolution_shown_at=ctx.now).returning(TicketWarning.ticket_id)
        .execution_options(synchronize_session=False)))
