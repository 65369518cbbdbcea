"""One process among several for the scheduler's work that must run once (the refresh of kept health
and tallies): a PostgreSQL session advisory lock. Digests need none: schedulers share them through
the ledger's claims (digests/runner.py).

The lock lives as long as the connection that took it; if the leader's process dies, its
connection closes and another scheduler takes over at its next tick. SQLite is one node, so
its single scheduler is always the leader.
"""

from __future__ import annotations

import logging

from sqlalchemy import Connection, Engine, text

from store.db import is_sqlite

log = logging.getLogger("delivery.leader")
# The scheduler's job that refreshes kept health and tallies leads on its own connection (bot/scheduler.py).
KEPT_LOCK = 72_410_003
# What taking each lock makes this process, for the log.
LEADS = {KEPT_LOCK: "the one refreshing kept health and tallies"}


class LeaderLock:
    def __init__(self, engine: Engine, key: int):
        self.engine = engine
        self.key = key
        self._held: Connection | None = None

    def acquire(self) -> bool:
        """True when this process leads: it holds the lock, or has just taken it."""
        if is_sqlite(self.engine):
            return True
        if self._held is not None:
            try:
                self._held.execute(text("SELECT 1"))
                self._held.commit()
                return True
            except Exception:
                log.warning("lost the scheduler lock's connection; trying to take the lock again")
                self._held = None
        connection = self.engine.connect()
        taken = connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}).scalar()
        connection.commit()  # the lock is the session's, not the transaction's
        if taken:
            self._held = connection
            log.info("this process is now %s", LEADS.get(self.key, f"the holder of lock {self.key}"))
        else:
            connection.close()
        return bool(taken)

    def release(self) -> None:
        if self._held is not None:
            self._held.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
            self._held.close()
            self._held = None
