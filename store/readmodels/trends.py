"""Read models of `/delivery trends` and of the charts drawn from them (issue 22): the health mix week by
week, on schedule and SLA compliance week by week against their targets, and billable utilization by
person against the 70-80% band. Figures follow `store.metrics` (the keys are named on each field)."""

from __future__ import annotations

from datetime import date, datetime

from store.enums import Health
from store.readmodels import ReadModel
from store.readmodels.capacity import Utilization
from store.readmodels.tickets import SlaCompliance
from store.rules.capacity import BILLABLE_TARGET_HIGH, BILLABLE_TARGET_LOW, BillableBand


class HealthPoint(ReadModel):
    """health_mix_weekly: computed health of the services compared at one moment: now, or the start of a
    Monday `weeks_ago` Mondays back."""

    at: datetime
    weeks_ago: int
    counts: dict[Health, int]
    compared: int  # services active now and created by then

    @property
    def on_track(self) -> int:
        return self.counts[Health.ON_TRACK]

    @property
    def needs_attention(self) -> int:
        return self.counts[Health.NEEDS_ATTENTION]

    @property
    def at_risk(self) -> int:
        return self.counts[Health.AT_RISK]


class CompliancePoint(ReadModel):
    """One whole week: on_schedule_week_end and sla_compliance_week."""

    first_day: date
    on_schedule: float | None  # share of today's deliverables of active services not late at the week's end
    deliverables: int  # its denominator
    sla: SlaCompliance


class PersonBillable(ReadModel):
    """billable_share of one person of the delivery team in the last whole week."""

    name: str
    share: float
    band: BillableBand

    @property
    def outside_by(self) -> float:
        """How far outside the 70-80% band (0 within it)."""
        if self.band == BillableBand.BELOW:
            return BILLABLE_TARGET_LOW - self.share
        if self.band == BillableBand.ABOVE:
            return self.share - BILLABLE_TARGET_HIGH
        return 0.0


class BillableSpread(ReadModel):
    """billable_by_person: the delivery team's billable shares in the last whole week against the band."""

    first_day: date
    team: Utilization  # team_billable_share's sums
    counted: int  # people of the delivery team with available hours that week
    below: int
    within: int
    above: int
    # Everyone when the team is small; else the people furthest outside the band, capped
    # (store.queries.trends.MAX_CHARTED_PEOPLE), furthest first.
    shown: list[PersonBillable]

    @property
    def everyone_shown(self) -> bool:
        return len(self.shown) == self.counted


class Trends(ReadModel):
    as_of: datetime
    health: list[HealthPoint]  # oldest first; the last is now
    compliance: list[CompliancePoint]  # the last whole weeks, oldest first
    on_schedule_target: float
    sla_target: float
    billable: BillableSpread
