"""Reports over whole weeks already past, kept so that answers read one row instead of counting.

A click's changes are dated now, inside the current week, so they never move a past week's figures:
only bulk writes (an import, the demo, the generated portfolio) rewrite the past, and they drop the
team's kept rows (`forget_reports`, called by `store.bulk`). A kept row is read while the period and the
rules it was counted with (the time zone and the thresholds) are the current ones and it is younger than
its report's `kept_for` (names and statuses shown in it may have changed since); the scheduler counts it
again at half that age (`keep_report`), and a reader finding none counts for itself.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import TypeVar

from pydantic import BaseModel
from sqlalchemy import delete
from sqlalchemy.orm import Session, sessionmaker

from store.context import QueryContext
from store.models import KeptReport

Report = TypeVar("Report", bound=BaseModel)


def _rules(ctx: QueryContext) -> str:
    return f"{ctx.tz}|{ctx.limits!r}"[:255]


def read_report(session: Session, ctx: QueryContext, report: str, weeks: int, *, first_day: date,
                model: type[Report], kept_for: timedelta) -> Report | None:
    """The kept `report` of `weeks` weeks when it was counted for the period starting `first_day`, under
    the current rules, less than `kept_for` ago; else None."""
    row = session.get(KeptReport, (ctx.team_id, report, weeks))
    if row is None or row.first_day != first_day or row.rules != _rules(ctx) or ctx.now - row.counted_at >= kept_for:
        return None
    return model.model_validate_json(row.body)


def keep_report(sessions: sessionmaker[Session], ctx: QueryContext, report: str, weeks: int, *, first_day: date,
                model: type[Report], kept_for: timedelta, count: Callable[[Session], Report]) -> bool:
    """Count `report` again (with `count`) when the kept one is missing, of another period or rules, or half
    its `kept_for` old: the scheduler's housekeeping, and after bulk writes. Whether it counted."""
    with sessions() as session:
        if read_report(session, ctx, report, weeks, first_day=first_day, model=model,
                       kept_for=kept_for / 2) is not None:
            return False
        counted = count(session)
    with sessions.begin() as session:
        session.merge(KeptReport(team_id=ctx.team_id, report=report, weeks=weeks, first_day=first_day,
                                 rules=_rules(ctx), body=counted.model_dump_json(), counted_at=ctx.now))
    return True


def forget_reports(session: Session, team_id: str) -> None:
    """Drop the team's kept reports: a bulk write may have changed the past they counted."""
    session.execute(delete(KeptReport).where(KeptReport.team_id == team_id))
