"""What the kept tallies share: counts kept as of a checkpoint, read near it with the rows that crossed a
window's edge since (`store.health.tallies`: customer sessions per service; `store.queries.customer_tickets`:
tickets per customer). Each window is (start, end]; three edges move with `now`: the last window's end,
its start (the window before's end) and the window before's start.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger("delivery.aggregates")

# Tallies are read within this of their checkpoint (the rows crossing an edge grow with it); the
# scheduler counts them again far more often than that.
HORIZON = timedelta(hours=1)
REFRESH_EVERY = timedelta(minutes=10)


def crossing_parameters(as_of: datetime, now: datetime, window: timedelta) -> dict[str, object]:
    """The bound parameters of a read at `now` from tallies counted at `as_of`: `sign` (the crossings
    add when `now` is later, subtract when earlier) and each edge's two moments, `low{edge}` and
    `high{edge}`, between which a row crossed it (edge 0 the last window's end, 1 its start, 2 the
    window before's start)."""
    low, high = sorted((as_of, now))
    return {"sign": 1 if now >= as_of else -1,
            **{f"{end}{edge}": moment - edge * window
               for edge in range(3) for end, moment in (("low", low), ("high", high))}}


def count_holding_writers(sessions: sessionmaker[Session], *, table: str, lock_wait: str, what: str,
                          count: Callable[[Session], None]) -> bool:
    """Run `count` (which replaces tallies and their checkpoint) in one transaction that holds off writers
    of `table`, so no change can fall between its count and its checkpoint. False (and nothing changed)
    when it could not: writers held the table longer than `lock_wait`, or the database was busy."""
    try:
        with sessions.begin() as session:
            if session.get_bind().dialect.name == "postgresql":
                # Writers take ROW EXCLUSIVE, which this mode excludes (as it does another refresh): every
                # change is either counted here or clears the checkpoint after this commits. Readers are
                # not held.
                session.execute(text(f"SET LOCAL lock_timeout = '{lock_wait}'"))
                session.execute(text(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE"))
            # On SQLite the count's first write takes the database's one write lock, with the same effect.
            count(session)
    except DBAPIError as error:
        log.warning("%s not refreshed: %s", what, str(error.orig).strip())
        return False
    return True
