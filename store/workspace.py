"""One workspace's view of the store: what handlers call.

Each method is one short-lived session (and for changes, one transaction). Bolt may
keep running a listener after it has acknowledged, so sessions are scoped to the
operation rather than to the HTTP request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from store.clock import Clock
from store.queries.portfolio import portfolio_status
from store.readmodels import PortfolioStatus
from store.rules.health import HealthThresholds


@dataclass
class Workspace:
    sessions: sessionmaker[Session]
    team_id: str
    clock: Clock
    tz: ZoneInfo
    limits: HealthThresholds = field(default_factory=HealthThresholds)

    def portfolio_status(self) -> PortfolioStatus:
        with self.sessions() as session:
            return portfolio_status(session, self.team_id, now=self.clock.now(), tz=self.tz, limits=self.limits)
