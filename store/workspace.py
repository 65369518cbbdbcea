"""One workspace's view of the store: what handlers call.

Each method is one short-lived session (and for changes, one transaction). Bolt may
keep running a listener after it has acknowledged, so sessions are scoped to the
operation rather than to the HTTP request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from store.clock import Clock
from store.enums import Role
from store.models import Person
from store.queries.portfolio import portfolio_status
from store.readmodels import PortfolioStatus, ReadModel
from store.rules.health import HealthThresholds


class Actor(ReadModel):
    """The Slack user behind a request, with their Person row when they are linked."""

    slack_user_id: str
    person_id: int | None = None
    name: str | None = None
    role: Role | None = None

    @property
    def is_linked(self) -> bool:
        return self.person_id is not None


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

    def actor(self, slack_user_id: str) -> Actor:
        with self.sessions() as session:
            person = session.scalars(
                select(Person).where(Person.team_id == self.team_id, Person.slack_user_id == slack_user_id)
            ).first()
        if person is None:
            return Actor(slack_user_id=slack_user_id)
        return Actor(slack_user_id=slack_user_id, person_id=person.id, name=person.name, role=person.role)
