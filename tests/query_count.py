"""Count the SQL statements an engine runs, so tests can pin a query's statement count.

Why: a query that runs one statement per service is fast on the 15-service demo and slow on
a real portfolio; counting statements catches that at any size, without timing anything.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Engine, event

# Transaction and connection housekeeping, not the query's own work.
IGNORED_PREFIXES = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT", "BEGIN", "COMMIT", "ROLLBACK", "PRAGMA")


@dataclass
class Counter:
    """The statements seen so far; `count` is how many."""

    statements: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.statements)

    def __str__(self) -> str:
        return f"{self.count} statements:\n" + "\n---\n".join(self.statements)


def _ignored(statement: str) -> bool:
    return statement.lstrip().upper().startswith(IGNORED_PREFIXES)


@contextmanager
def count_statements(engine: Engine) -> Iterator[Counter]:
    """Count the statements `engine` executes inside the `with` block (executemany counts once)."""
    counter = Counter()

    def before_cursor_execute(conn, cursor, statement, parameters, context, executemany) -> None:
        if not _ignored(statement):
            counter.statements.append(statement)

    event.listen(engine, "before_cursor_execute", before_cursor_execute)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", before_cursor_execute)
