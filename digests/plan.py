"""What is due: each digest subscription's (and each person's personal digest's) latest scheduled run at
or before an instant, less the (subscription, period) pairs the ledger already has. Alert subscriptions
(`store.enums.AlertKind`) are not planned: they are posted as things happen."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from store.digests import DEFAULTS, personal_recipients, subscriptions
from store.enums import DigestKind
from store.ledger import recorded_periods
from store.rules.schedule import Schedule, last_run, period_of, schedule
from store.workspace import Workspace


@dataclass(frozen=True)
class Planned:
    key: str
    digest: DigestKind
    channel_id: str
    plan: Schedule
    all_clear: bool = False
    viewer: str | None = None  # whose digest, for personal ones
    charts: bool = False  # attach the digest's charts, if it has any (the subscription's choice)

    @property
    def personal(self) -> bool:
        return self.digest == DigestKind.PERSONAL


@dataclass(frozen=True)
class Due:
    planned: Planned
    run: datetime
    period: str

    @property
    def label(self) -> str:
        return f"{self.planned.digest.value} -> {self.planned.channel_id} ({self.period})"


# The subscriptions the runner plans: digests. The same table holds alert subscriptions (AlertKind),
# posted as things happen and never on a schedule.
_DIGESTS = {kind.value: kind for kind in DigestKind}


def planned_digests(workspace: Workspace) -> list[Planned]:
    planned = [
        Planned(key=s.key, digest=_DIGESTS[s.digest], channel_id=s.channel_id,
                plan=schedule(s.at_time, s.days, s.timezone), all_clear=s.all_clear, charts=s.charts)
        for s in workspace.read(subscriptions) if s.digest in _DIGESTS
    ]
    personal = DEFAULTS[DigestKind.PERSONAL]
    for person in workspace.read(personal_recipients):
        zone = person.timezone or workspace.tz.key
        planned.append(Planned(key=person.key, digest=DigestKind.PERSONAL, channel_id=person.slack_user_id,
                               plan=schedule(personal.at_time, personal.days, zone), viewer=person.slack_user_id))
    return planned


def due_digests(workspace: Workspace, at: datetime) -> list[Due]:
    """Due and not yet in the ledger: channel digests first (many people read each), then personal
    ones, each by scheduled run."""
    candidates = []
    for planned in planned_digests(workspace):
        run = last_run(planned.plan, at)
        if run is not None:
            candidates.append(Due(planned, run, period_of(run, planned.plan)))
    done = workspace.read(recorded_periods, wanted=[(d.planned.key, d.period) for d in candidates])
    due = [d for d in candidates if (d.planned.key, d.period) not in done]
    return sorted(due, key=lambda d: (d.planned.personal, d.run))
