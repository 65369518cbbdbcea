"""Bringing what `store.aggregates` keeps up to date: after bulk writes, and on the scheduler."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from store.aggregates import DERIVED_TABLES
from store.aggregates.engagement import REFRESH_EVERY as TALLIES_EVERY
from store.aggregates.engagement import refresh_engagement_tallies, tallies_age
from store.aggregates.kept_health import expired_services, read_marks, replace_kept, rules_key, stamp
from store.clock import local_today
from store.db import make_sessionmaker, vacuum_after_bulk_load
from store.models import HealthCheckpoint
from store.queries.health_signals import AssessedService, assess_active_services
from store.rules.health import Assessment, HealthThresholds

log = logging.getLogger("delivery.aggregates")

# The scheduler's pace: kept health is refreshed each time (a few services at most), the tallies
# when `TALLIES_EVERY` has passed.
KEPT_EVERY = timedelta(minutes=2)
# More services to assess again than this, and a refresh assesses the whole portfolio at once.
WHOLE_ABOVE = 2_000


def refresh_kept_health(sessions: sessionmaker[Session], team_id: str, *, now: datetime, tz: ZoneInfo,
                        limits: HealthThresholds) -> bool:
    """Assess again the team's marked services and those whose kept health expired (every active
    service when none is kept under these rules, or when many changed), and keep the result, in one
    transaction. False (nothing changed) when the database refused: answers then assess the
    services kept health would have spared them, as before."""
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
                assessed = assess_active_services(session, team_id, now=now, today=local_today(now, tz),
                                                  limits=limits, only=only)
                replace_kept(session, team_id, [_full_assessment(s) for s in assessed], now=now, tz=tz,
                             limits=limits, only=only, seen_marks=marks)
            stamp(session, team_id, rules=rules, now=now)
    except DBAPIError as error:
        log.warning("kept health of %s not refreshed: %s", team_id, str(error.orig).strip())
        return False
    return True


def _full_assessment(service: AssessedService) -> tuple[int, Assessment]:
    """(id, assessment) of a service `assess_active_services` assessed: always in full, never from kept health."""
    assert isinstance(service.assessment, Assessment), type(service.assessment)
    return service.id, service.assessment


def refresh_kept(sessions: sessionmaker[Session], team_id: str, *, now: datetime, tz: ZoneInfo,
                 limits: HealthThresholds, tallies: bool = True) -> bool:
    """The engagement tallies (when `tallies`, or when due), then kept health, which reads them."""
    if not tallies:
        with sessions() as session:
            age = tallies_age(session, team_id, now=now, limits=limits)
        tallies = age is None or age >= TALLIES_EVERY
    counted = refresh_engagement_tallies(sessions, team_id, now=now, limits=limits) if tallies else True
    return refresh_kept_health(sessions, team_id, now=now, tz=tz, limits=limits) and counted


def after_bulk_load(engine: Engine, team_id: str, *, tables: Iterable[str], now: datetime, tz: ZoneInfo,
                    limits: HealthThresholds) -> None:
    """The one step every bulk writer (the demo, the generated portfolio, a CSV import) takes once its
    load has committed: on PostgreSQL, vacuum the tables it wrote (an index-only scan reads the table
    too until its pages are vacuumed); bring the engagement tallies and kept health up to date as of
    `now`; then vacuum the derived tables that refresh rewrote."""
    vacuum_after_bulk_load(engine, tables)
    refresh_kept(make_sessionmaker(engine), team_id, now=now, tz=tz, limits=limits)
    vacuum_after_bulk_load(engine, DERIVED_TABLES)
