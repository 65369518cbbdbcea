"""Hours logged and hours away per person over a week: what utilization is read from (issue 19).

Two statements whatever the number of people: the week's logged and billable hours per person
(from the sums kept per week by the triggers of migration 0014), and the time off that overlaps
the week. Available hours and utilization follow with the rules of `store.rules.capacity`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import Float, cast, func, select
from sqlalchemy.orm import Session

from store.clock import Week
from store.models import TimeOff, WeeklyHours
from store.queries.id_lists import id_in
from store.rules.capacity import working_days_between

if TYPE_CHECKING:
    from store.context import QueryContext  # its module imports store.health, which reads budgets here


def as_float(expression):
    """A sum of hours as a float from the database itself: reading thousands of Numeric sums as
    Decimal first cost the capacity answer tens of milliseconds at 10,000 services."""
    return cast(expression, Float)


@dataclass(frozen=True)
class Logged:
    """One person's hours logged in a week: all of them, and the billable ones."""

    hours: float = 0.0
    billable: float = 0.0


def of_people(column, person_ids: Collection[int] | None) -> tuple:
    """The condition that `column` is one of `person_ids`, or none (everyone) without them."""
    return () if person_ids is None else (id_in(column, person_ids, "person_ids"),)


def logged_hours(session: Session, ctx: QueryContext, week: Week,
                 person_ids: Collection[int] | None = None) -> dict[int, Logged]:
    """Hours logged on the week's days per person (of `person_ids`, when given); a person who
    logged nothing that week is absent (utilization then falls back to appointments). Read from the
    sums kept per week, person and service (`WeeklyHours`), in key order."""
    rows = session.execute(
        select(WeeklyHours.person_id, as_float(func.sum(WeeklyHours.hours)),
               as_float(func.sum(WeeklyHours.billable_hours)))
        .where(WeeklyHours.team_id == ctx.team_id, WeeklyHours.week_on == week.first_day,
               *of_people(WeeklyHours.person_id, person_ids))
        .group_by(WeeklyHours.person_id))
    return {person_id: Logged(hours or 0.0, paid or 0.0) for person_id, hours, paid in rows if hours}


def hours_away(session: Session, ctx: QueryContext, week: Week,
               person_ids: Collection[int] | None = None) -> dict[int, float]:
    """Hours of time off per person on the week's working days: each spell's working days within
    the week times its hours a day."""
    rows = session.execute(
        select(TimeOff.person_id, TimeOff.starts_on, TimeOff.ends_on, TimeOff.hours_per_day)
        .where(TimeOff.team_id == ctx.team_id, TimeOff.ends_on >= week.first_day,
               TimeOff.starts_on <= week.last_day, *of_people(TimeOff.person_id, person_ids)))
    away: dict[int, float] = defaultdict(float)
    for person_id, starts_on, ends_on, per_day in rows:
        first: date = max(starts_on, week.first_day)
        last: date = min(ends_on, week.last_day)
        away[person_id] += working_days_between(first, last) * float(per_day)
    return dict(away)
