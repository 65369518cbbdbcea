"""What every query needs to know besides the session: whose data, and when is now."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from store.clock import Week, current_week, local_today
from store.health.rules import HealthThresholds
from store.rules.escalation import EscalationPolicy
from store.rules.sla import SlaPolicy


@dataclass(frozen=True)
class QueryContext:
    team_id: str
    now: datetime
    tz: ZoneInfo
    limits: HealthThresholds = field(default_factory=HealthThresholds)
    # When tickets are warned of before and at their SLA's breach (store.rules.sla).
    sla: SlaPolicy = field(default_factory=SlaPolicy)
    # When a blocked deliverable escalates (store.rules.escalation).
    escalation: EscalationPolicy = field(default_factory=EscalationPolicy)

    @property
    def today(self) -> date:
        return local_today(self.now, self.tz)

    @property
    def week(self) -> Week:
        return current_week(self.now, self.tz)
