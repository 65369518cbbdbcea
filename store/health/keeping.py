"""Bringing what health keeps (engagement tallies, kept health) up to date: on the scheduler, and after
bulk writes (`store.bulk.after_bulk_load`)."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from store.health.assessing import assess_active_services
from store.health.kept import expired_services, read_marks, replace_kept, rules_key, stamp
from store.health.tallies import refresh_engagement_tallies, tallies_age
from store.models import HealthCheckpoint
from store.tally_checkpoints import REFRESH_EVERY as TALLIES_EVERY

if TYPE_CHECKING:
    from store.context import QueryContext

log = logging.getLogger("delivery.aggregates")

# The scheduler's pace: kept health is refreshed each time (a few services at most), the tallies
# when `TALLIES_EVERY` has passed.
KEPT_EVERY = timedelta(minutes=2)
# More services to assess again than this, and a refresh assesses the whole portfolio at once.
WHOLE_ABOVE = 2_000


def refresh_kept_health(sessions: sessionmaker[Session], ctx: QueryContext) -> bool:
    """Assess again the team's marked services and those whose kept health expired (every active
    service when none is kept under these rules, or when many changed), and keep the result, in one
    transaction. False (nothing changed) when the database refused: answers then assess the
    services kept health would have spared them, as before."""
    team_id, now, tz, limits = ctx.team_id, ctx.now, ctx.tz, ctx.limits
    rules = rules_key(limits, tz)
    try:
        with sessions.begin() as session:
            # The marks first: a change committed after this read keeps its mark (see kept_health).
            marks = read_marks(session, team_id)
            checkpoint = session.get(HealthCheckpoint, team_id)
            only = None
            if checkpoint is not None and checkpoint.rules == rules:
                stale = set(marks) | expired_services(session, team_id, now)
                only = stale if len(stale) <= WHOLE_ABOVE else None
            if only != set():
                assessed = assess_active_services(session, ctx, only=only)
                replace_kept(session, team_id, [(s.id, s.assessment) for s in assessed], now=now, tz=tz,
                             limits=limits, only=only, seen_marks=marks)
            stamp(session, team_id, rules=rules, now=now)
    except DBAPIError as error:
        log.warning("kept health of %s not refreshed: %s", team_id, str(error.orig).strip())
        return False
    return True


def refresh_kept(sessions: sessionmaker[Session], ctx: QueryContext, *, tallies: bool = True) -> bool:
    """The engagement tallies (when `tallies`, or when due), then kept health, which reads them, as of
    `ctx.now`."""
    team_id, now, limits = ctx.team_id, ctx.now, ctx.limits
    if not tallies:
        with sessions() as session:
            age = tallies_age(session, team_id, now=now, limits=limits)
        tallies = age is None or age >= TALLIES_EVERY
    counted = refresh_engagement_tallies(sessions, team_id, now=now, limits=limits) if tallies else True
    return refresh_kept_health(sessions, ctx) and counted

