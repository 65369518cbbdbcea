"""A ticket as its SLA warning shows it: where it stands against its SLA now, and who is told."""

from __future__ import annotations

from datetime import datetime

from store.readmodels import PersonRef, ReadModel
from store.rules.sla import BREACH, HoldReason


class SlaWarningView(ReadModel):
    ticket_id: int
    version: int
    title: str
    customer_name: str
    priority: str
    type: str
    opened_at: datetime
    due_at: datetime
    resolved_at: datetime | None
    owner: PersonRef | None
    service_id: int | None
    service_name: str | None
    lead: PersonRef | None  # the service's delivery owner
    as_of: datetime
    level: int | None  # the highest threshold crossed as of `as_of` (100: breached); None before the first
    share: float  # of the SLA gone as of `as_of` (or at resolution), in the hours that count
    levels: tuple[int, ...]  # the policy's thresholds before the breach
    working_hours: str | None  # how they are counted, when not around the clock
    snoozed_until: datetime | None = None  # warnings held until then (only while it is ahead)
    snoozed_by: PersonRef | None = None
    snooze_reason: str | None = None

    @property
    def breached(self) -> bool:
        return self.level == BREACH

    @property
    def seconds_left(self) -> float:
        """Until the due time (negative past it), as of `as_of`."""
        return (self.due_at - self.as_of).total_seconds()

    @property
    def resolved_before_due(self) -> float | None:
        """Seconds between resolution and the due time (negative when resolved after it)."""
        return None if self.resolved_at is None else (self.due_at - self.resolved_at).total_seconds()


class HeldWarningView(ReadModel):
    """A warning not posted to someone (store.sla.holds), as their digest and at-risk list it."""

    ticket_id: int
    level: int
    place: str  # the person's Slack user id (a DM kept back) or the channel id (rolled into its summary)
    person_name: str | None  # when `place` is a person of the portfolio
    reason: HoldReason
    held_at: datetime
    title: str
    due_at: datetime
    resolved_at: datetime | None
    customer_name: str


class MuteApplied(ReadModel):
    service_id: int
    service_name: str
    until: datetime


class SlaRollupView(ReadModel):
    """A channel's summary of the SLA warnings past its hourly budget, for one clock hour."""

    channel_id: str
    hour: datetime  # the start of the clock hour
    items: list[HeldWarningView]
    total: int
    as_of: datetime
    posts_per_hour: int
