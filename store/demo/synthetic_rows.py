"""The synthetic portfolio's rows before they are inserted: a chunk's buffer (`Gen`), its tables in
foreign-key order, and the service being generated as its rows refer to it (`Svc`).

Why apart: the generator (store/demo/synthetic.py) writes every kind of row through `Gen.add`, which
assigns primary keys here after each table's current maximum (the same on SQLite and PostgreSQL) and
gives every row all its table's columns, as one executemany per table wants.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from functools import cached_property
from random import Random
from typing import Any

from sqlalchemy import Column, ColumnDefault, Table, func, insert, select
from sqlalchemy.orm import Session

from store.db import mapped_table
from store.demo.build import DAY, Timeline
from store.demo.synthetic_plan import MoneyPlan, ServicePlan
from store.demo.timesheets import days_worked
from store.models import (
    Allocation,
    Appointment,
    Customer,
    Deliverable,
    Milestone,
    Person,
    RoleRate,
    Service,
    StatusChange,
    Task,
    Ticket,
    TimeEntry,
    TimeOff,
    service_members,
)

CUSTOMERS, PEOPLE, SERVICES = mapped_table(Customer), mapped_table(Person), mapped_table(Service)
MILESTONES, DELIVERABLES, TASKS = mapped_table(Milestone), mapped_table(Deliverable), mapped_table(Task)
APPOINTMENTS, TICKETS, CHANGES = mapped_table(Appointment), mapped_table(Ticket), mapped_table(StatusChange)
TIME_ENTRIES, TIME_OFF, ALLOCATIONS = mapped_table(TimeEntry), mapped_table(TimeOff), mapped_table(Allocation)
RATES = mapped_table(RoleRate)
# Parents before children, so foreign keys hold at every insert (role rates refer to no other row).
INSERT_ORDER = (RATES, CUSTOMERS, PEOPLE, TIME_OFF, SERVICES, service_members, MILESTONES, DELIVERABLES, CHANGES, TASKS,
                APPOINTMENTS, TICKETS, TIME_ENTRIES, ALLOCATIONS)
# What a caller that commits the load itself vacuums afterwards (`store.db.vacuum_after_bulk_load`).
SYNTHETIC_TABLES = tuple(table.name for table in INSERT_ORDER)


def next_ids(session: Session) -> dict[str, Iterator[int]]:
    """Primary keys handed out in Python, after each table's current maximum."""
    tables = [t for t in INSERT_ORDER if "id" in t.c]
    return {t.name: itertools.count((session.scalar(select(func.max(t.c.id))) or 0) + 1) for t in tables}


def _scalar_default(column: Column[Any]) -> object:
    """A column's plain default (such as version 1); None where it has none."""
    default = column.default
    return default.arg if isinstance(default, ColumnDefault) and default.is_scalar else None


@dataclass
class Gen:
    """One chunk's rows, and what generating them needs."""

    team_id: str
    ids: dict[str, Iterator[int]]
    rng: Random
    t: Timeline
    owners: tuple[int, ...]  # person ids that own services
    rows: dict[Table, list[dict]] = field(default_factory=dict)

    def add(self, table: Table, **values: object) -> int:
        """Append a row of a table with an id column, and return its id."""
        if "id" not in table.c:
            raise ValueError(f"{table.name} has no id column: add its rows with add_link")
        row_id = next(self.ids[table.name])
        self._append(table, {"id": row_id, **values})
        return row_id

    def update(self, table: Table, row_id: int, **values: object) -> None:
        """Set columns of a row added to this chunk (looked for from the latest)."""
        row = next(row for row in reversed(self.rows[table]) if row["id"] == row_id)
        row.update(values)

    def add_link(self, table: Table, **values: object) -> None:
        """Append a row of a table without an id column (service_members)."""
        self._append(table, values)

    def _append(self, table: Table, values: dict[str, object]) -> None:
        """Append a row with every column present: executemany wants the same keys in each row."""
        row = {column.key: _scalar_default(column) for column in table.c}
        if "team_id" in row:
            row["team_id"] = self.team_id
        row.update(values)
        self.rows.setdefault(table, []).append(row)

    def at(self, day: date) -> datetime:
        """A working-hours moment of a local calendar day, in UTC."""
        return self.t.at(day, self.rng.randint(9, 16), self.rng.choice((0, 30))).astimezone(timezone.utc)

    def days_ago(self, count: int, first: int, last: int) -> list[date]:
        return [self.t.today - self.rng.randint(first, last) * DAY for _ in range(count)]

    @cached_property
    def workdays(self) -> list[date]:
        """The days the demo's timesheets cover (read once per chunk, not once per service)."""
        return days_worked(self.t.week.first_day, self.t.today)

    def later_this_week(self, count: int) -> list[date]:
        left = (self.t.week.last_day - self.t.today).days
        return [self.t.today + self.rng.randint(1, left) * DAY for _ in range(count)] if left else []


def insert_rows(session: Session, rows: dict[Table, list[dict]]) -> int:
    for table in INSERT_ORDER:
        if rows.get(table):
            session.execute(insert(table), rows[table])
    return sum(len(r) for r in rows.values())


@dataclass(frozen=True)
class Svc:
    """The service being generated, as its deliverables, appointments and tickets refer to it."""

    plan: ServicePlan
    id: int
    customer_id: int
    owner_id: int
    owner_slack_id: str
    name: str
    active: bool
    money: MoneyPlan
