"""One workspace's view of the store: what handlers call.

Each call is one short-lived session (and for changes, one transaction). Bolt may
keep running a listener after it has acknowledged, so sessions are scoped to the
operation rather than to the HTTP request.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Concatenate, ParamSpec, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from store.clock import Clock
from store.context import QueryContext
from store.health import refresh_kept
from store.health.rules import HealthThresholds
from store.queries.customer_tickets import keep_customer_tickets
from store.queries.patterns import keep_patterns
from store.queries.portfolio import portfolio_status
from store.queries.trends import keep_trends
from store.readmodels import PortfolioStatus
from store.rules.escalation import EscalationPolicy
from store.rules.sla import SlaPolicy

T = TypeVar("T")
P = ParamSpec("P")


@dataclass
class Workspace:
    sessions: sessionmaker[Session]
    team_id: str
    clock: Clock
    tz: ZoneInfo
    limits: HealthThresholds = field(default_factory=HealthThresholds)
    sla: SlaPolicy = field(default_factory=SlaPolicy)
    escalation: EscalationPolicy = field(default_factory=EscalationPolicy)
    # Held around every read and change when given (a semaphore shared by a process's workspaces):
    # the work is mostly CPU under one interpreter lock, so a few at a time finish sooner than
    # many at once, and threads only waiting here leave the CPU to requests being acknowledged.
    gate: AbstractContextManager = field(default_factory=nullcontext)

    def context(self) -> QueryContext:
        return QueryContext(team_id=self.team_id, now=self.clock.now(), tz=self.tz, limits=self.limits,
                            sla=self.sla, escalation=self.escalation)

    def read(self, query: Callable[Concatenate[Session, QueryContext, P], T], /,
             *positional: P.args, **arguments: P.kwargs) -> T:
        """Run a `store.queries` function `query(session, context, **arguments)` in its own session."""
        with self.gate, self.sessions() as session:
            return query(session, self.context(), *positional, **arguments)

    def change(self, command: Callable[Concatenate[Session, QueryContext, P], T], /,
               *positional: P.args, **arguments: P.kwargs) -> T:
        """Run a `store.changes` function in one transaction: all of it commits, or none of it."""
        with self.gate, self.sessions.begin() as session:
            return command(session, self.context(), *positional, **arguments)

    def refresh_kept(self, *, tallies: bool = True) -> bool:
        """Bring the engagement and customer ticket tallies, kept health and the kept reports (patterns,
        trends) up to date as of now: after bulk writes, and on the scheduler (which counts the tallies
        only when due, `tallies=False`)."""
        refreshed = refresh_kept(self.sessions, self.context(), tallies=tallies)
        keep_patterns(self.sessions, self.context())
        keep_trends(self.sessions, self.context())
        keep_customer_tickets(self.sessions, self.context(), force=tallies)
        return refreshed

    def portfolio_status(self) -> PortfolioStatus:
        return self.read(portfolio_status)
