"""The one step every bulk writer (the demo, the generated portfolio, a CSV import) takes once its
load has committed."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from store.context import QueryContext
from store.db import make_sessionmaker, vacuum_after_bulk_load
from store.health import refresh_kept
from store.health.rules import HealthThresholds
from store.queries.customer_tickets import keep_customer_tickets
from store.queries.kept_reports import forget_reports
from store.queries.patterns import keep_patterns
from store.queries.trends import keep_trends
from store.sla import forget_schedule

# Counted from other tables, never loaded, imported or exported: the deliverable counts and the
# weekly and per-service hours (triggers of migrations 0009, 0014 and 0016), what `store.health` keeps (engagement
# tallies, kept health and its marks), the tickets' next SLA thresholds (`store.sla`), the kept reports
# (`store.queries.kept_reports`) and the customers' ticket tallies (`store.queries.customer_tickets`).
DERIVED_TABLES = ("deliverable_counts", "engagement_checkpoints", "engagement_tallies", "health_changes",
                  "health_checkpoints", "kept_health", "kept_reports", "service_hours", "sla_marks", "sla_schedules",
                  "ticket_checkpoints", "ticket_tallies", "weekly_hours")


def after_bulk_load(engine: Engine, team_id: str, *, tables: Iterable[str], now: datetime, tz: ZoneInfo,
                    limits: HealthThresholds) -> None:
    """On PostgreSQL, vacuum the tables the load wrote (an index-only scan reads the table too until
    its pages are vacuumed); bring what health keeps, the kept reports (patterns, trends) and the
    customers' ticket tallies up to date as of `now` (the load may have rewritten past weeks); then vacuum the derived
    tables that refresh rewrote. The tickets' SLA marks are computed again at the scheduler's next tick."""
    vacuum_after_bulk_load(engine, tables)
    sessions = make_sessionmaker(engine)
    with sessions.begin() as session:
        forget_schedule(session, team_id)
        forget_reports(session, team_id)
    ctx = QueryContext(team_id=team_id, now=now, tz=tz, limits=limits)
    refresh_kept(sessions, ctx)
    keep_patterns(sessions, ctx)
    keep_trends(sessions, ctx)
    keep_customer_tickets(sessions, ctx)
    vacuum_after_bulk_load(engine, DERIVED_TABLES)
