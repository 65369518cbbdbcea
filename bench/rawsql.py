"""The SQL a command runs, captured with its parameters, then timed alone and explained.

Why: the issue asks how much of each command is the database's work. The statements are
captured from the engine while the command runs once (the driver-level text and parameters
SQLAlchemy hands to the DBAPI), then replayed on a bare DBAPI connection with no ORM, no Bolt
and no rendering: that is "the raw SQL", and the command's ratio to it is what our own
layers cost. EXPLAIN of the same text shows which indexes each statement uses.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Engine, event

HOUSEKEEPING = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT", "BEGIN", "COMMIT", "ROLLBACK", "PRAGMA")


@dataclass(frozen=True)
class Statement:
    sql: str
    parameters: object


@dataclass
class Captured:
    statements: list[Statement] = field(default_factory=list)


@contextmanager
def capture(engine: Engine) -> Iterator[Captured]:
    """Record every query statement (not transaction housekeeping) the engine runs in the block."""
    captured = Captured()

    def before_cursor_execute(conn, cursor, statement, parameters, context, executemany) -> None:
        if not statement.lstrip().upper().startswith(HOUSEKEEPING):
            captured.statements.append(Statement(statement, parameters))

    event.listen(engine, "before_cursor_execute", before_cursor_execute)
    try:
        yield captured
    finally:
        event.remove(engine, "before_cursor_execute", before_cursor_execute)


def _run(cursor, statement: Statement) -> None:
    cursor.execute(statement.sql, statement.parameters)
    if cursor.description is not None:
        cursor.fetchall()


def time_alone(engine: Engine, statements: list[Statement], repeat: int) -> dict:
    """Median and p95 milliseconds of running all the statements, in order, on one bare DBAPI
    connection (fetching every row), and the median of each statement alone."""
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        for statement in statements:  # warm the page cache and the server's plan cache
            _run(cursor, statement)
        totals, each = [], [[] for _ in statements]
        for _ in range(repeat):
            started = time.perf_counter()
            for index, statement in enumerate(statements):
                begun = time.perf_counter()
                _run(cursor, statement)
                each[index].append((time.perf_counter() - begun) * 1000)
            totals.append((time.perf_counter() - started) * 1000)
        connection.rollback()
    finally:
        connection.close()
    totals.sort()
    return {
        "median": statistics.median(totals) if totals else 0.0,
        "p95": totals[min(len(totals) - 1, max(0, round(0.95 * len(totals)) - 1))] if totals else 0.0,
        "each": [statistics.median(times) for times in each],
    }


def explain(engine: Engine, statement: Statement) -> str:
    """The plan the database chooses for the statement, as its EXPLAIN prints it."""
    prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN (COSTS OFF) "
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute(prefix + statement.sql, statement.parameters)
        rows = cursor.fetchall()
        connection.rollback()
    finally:
        connection.close()
    if engine.dialect.name == "sqlite":
        # (id, parent, notused, detail): indent each step under its parent.
        depth = {0: -1}
        lines = []
        for node, parent, _, detail in rows:
            depth[node] = depth.get(parent, -1) + 1
            lines.append("  " * depth[node] + detail)
        return "\n".join(lines)
    return "\n".join(row[0] for row in rows)


def one_line(sql: str, width: int = 160) -> str:
    flat = " ".join(sql.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"
