"""The kept `/delivery patterns` report (store/queries/patterns.py): read instead of counted while it is of
the current period and under an hour old, counted again by the scheduler's housekeeping before then, and
dropped and counted again after a bulk write. On the demo, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select
from support import TEAM, UTC, WEDNESDAY, load_demo_at

from store.bulk import after_bulk_load
from store.context import QueryContext
from store.db import make_sessionmaker
from store.health.rules import HealthThresholds
from store.models import KeptReport, StatusChange
from store.queries.patterns import (
    DEFAULT_WEEKS,
    KEPT_FOR,
    RECOUNT_AFTER,
    REPORT,
    count_patterns,
    keep_patterns,
    patterns_report,
)


def ctx_at(moment) -> QueryContext:
    return QueryContext(TEAM, moment, UTC)


@pytest.fixture
def sessions(engine):
    load_demo_at(engine, WEDNESDAY)
    return make_sessionmaker(engine)


def read(sessions, moment, **kwargs):
    with sessions() as session:
        return patterns_report(session, ctx_at(moment), **kwargs)


def count(sessions, moment, **kwargs):
    with sessions() as session:
        return count_patterns(session, ctx_at(moment), **kwargs)


def forget_the_blocks(sessions) -> None:
    """Change the past behind the kept report's back (as no click can): every audited block goes."""
    with sessions.begin() as session:
        session.execute(delete(StatusChange).where(StatusChange.to_value == "blocked"))


def test_a_kept_report_is_what_counting_gives_and_is_read_instead_of_counting(sessions):
    assert keep_patterns(sessions, ctx_at(WEDNESDAY))
    kept = read(sessions, WEDNESDAY + timedelta(minutes=5))
    assert kept == count(sessions, WEDNESDAY)
    assert any(figure.episodes for figure in kept.categories), "the demo's blocks are in it"
    forget_the_blocks(sessions)
    assert read(sessions, WEDNESDAY + timedelta(minutes=5)) == kept, "read, not counted"
    assert count(sessions, WEDNESDAY + timedelta(minutes=5)) != kept


def test_an_old_kept_report_or_one_of_another_period_is_not_read(sessions):
    keep_patterns(sessions, ctx_at(WEDNESDAY))
    kept = read(sessions, WEDNESDAY)
    forget_the_blocks(sessions)
    assert read(sessions, WEDNESDAY + KEPT_FOR) == count(sessions, WEDNESDAY + KEPT_FOR) != kept
    # A week on, the row (still the old period's) is not read: the next period is counted.
    next_week = read(sessions, WEDNESDAY + timedelta(days=7, minutes=-30))
    assert next_week.period.first_day == kept.period.first_day + timedelta(days=7)


def test_other_lengths_are_counted_each_time(sessions):
    keep_patterns(sessions, ctx_at(WEDNESDAY))
    eight = read(sessions, WEDNESDAY, weeks=8)
    assert eight.period.weeks == 8 and eight == count(sessions, WEDNESDAY, weeks=8)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(KeptReport).where(KeptReport.report == REPORT)) == 1


def test_the_housekeeping_counts_again_only_when_the_kept_one_is_half_its_time_old_or_of_an_earlier_period(
        sessions):
    assert keep_patterns(sessions, ctx_at(WEDNESDAY))
    assert not keep_patterns(sessions, ctx_at(WEDNESDAY + RECOUNT_AFTER - timedelta(seconds=1)))
    forget_the_blocks(sessions)
    assert keep_patterns(sessions, ctx_at(WEDNESDAY + RECOUNT_AFTER))
    assert read(sessions, WEDNESDAY + RECOUNT_AFTER) == count(sessions, WEDNESDAY + RECOUNT_AFTER)
    assert keep_patterns(sessions, ctx_at(WEDNESDAY + timedelta(days=7)))
    with sessions() as session:
        row = session.get(KeptReport, (TEAM, REPORT, DEFAULT_WEEKS))
        assert row is not None and row.counted_at == WEDNESDAY + timedelta(days=7)


def test_a_bulk_write_drops_the_kept_report_and_counts_it_again(engine, sessions):
    keep_patterns(sessions, ctx_at(WEDNESDAY))
    kept = read(sessions, WEDNESDAY)
    forget_the_blocks(sessions)  # as an import rewriting the past would
    after_bulk_load(engine, TEAM, tables=["status_changes"], now=WEDNESDAY + timedelta(minutes=1), tz=UTC,
                    limits=HealthThresholds())
    again = read(sessions, WEDNESDAY + timedelta(minutes=1))
    assert again != kept and again == count(sessions, WEDNESDAY + timedelta(minutes=1))
    with sessions() as session:
        row = session.get(KeptReport, (TEAM, REPORT, DEFAULT_WEEKS))
        assert row is not None and row.counted_at == WEDNESDAY + timedelta(minutes=1)
