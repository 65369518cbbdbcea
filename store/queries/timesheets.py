"""Hours logged and hours away per person over a week: what utilization is read from (issue 19).

Two grouped statements whatever the number of people: the week's logged and billable hours per
person (the covering index of time entries, no rows read), and the time off that overlaps the
week. Available hours and utilization follow with the rules of `store.rules.capacity`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from store.clock import Week
from store.context import QueryContext
from store.models import TimeEntry, TimeOff
from store.queries.id_lists import id_in
from store.rules.capacity import working_days_between


@dataclass(frozen=True)
class Logged:
    """One person's hours logged in a week: all of them, and the billable ones."""

    hours: float = 0.0
    billable: float = 0.0


def _of_people(column, person_ids: Collection[int] | None) -> tuple:
    return () if person_ids is None else (id_in(column, person_ids, "person_ids"),)


def logged_hours(session: Session, ctx: QueryContext, week: Week,
                 person_ids: Collection[int] | None = None) -> dict[int, Logged]:
    """Hours logged on the week's days per person (of `person_ids`, when given); a person who
    logged nothing that week is absent (utilization then falls back to appointments)."""
    billable = func.sum(case((TimeEntry.billable.is_(True), TimeEntry.hours), else_=0))
    rows = session.execute(
        select(TimeEntry.person_id, func.sum(TimeEntry.hours), billable)
        .where(TimeEntry.team_id == ctx.team_id, TimeEntry.worked_on >= week.first_day,
               TimeEntry.worked_on <= week.last_day, *_of_people(TimeEntry.person_id, person_ids))
        .group_by(TimeEntry.person_id))
    return {person_id: Logged(float(hours or 0), float(paid or 0)) for person_id, hours, paid in rows}


def hours_away(session: Session, ctx: QueryContext, week: Week,
               person_ids: Collection[int] | None = None) -> dict[int, float]:
    """Hours of time off per person on the week's working days: each spell's working days within
    the week times its hours a day."""
    rows = session.execute(
        select(TimeOff.person_id, TimeOff.starts_on, TimeOff.ends_on, TimeOff.hours_per_day)
        .where(TimeOff.team_id == ctx.team_id, TimeOff.ends_on >= week.first_day,
               TimeOff.starts_on <= week.last_day, *_of_people(TimeOff.person_id, person_ids)))
    away: dict[int, float] = defaultdict(float)
    for person_id, starts_on, ends_on, per_day in rows:
        first: date = max(starts_on, week.first_day)
        last: date = min(ends_on, week.last_day)
        away[person_id] += working_days_between(first, last) * float(per_day)
    return dict(away)
