"""Typed read models: what queries hand to renderers. No ORM objects leave `store/`."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict

from store.enums import Health, Phase


class ReadModel(BaseModel):
    model_config = ConfigDict(frozen=True)


class PersonRef(ReadModel):
    name: str
    slack_user_id: str | None = None


class FindingView(ReadModel):
    health: Health
    rule: str
    reason: str


class ServiceHealthView(ReadModel):
    service_id: int
    service_name: str
    customer_name: str
    phase: Phase
    owner: PersonRef | None
    action_note: str | None
    health: Health
    computed_health: Health
    findings: list[FindingView]
    override_reason: str | None = None
    override_expires_at: datetime | None = None

    @property
    def is_overridden(self) -> bool:
        return self.health != self.computed_health or self.override_reason is not None


class MilestoneView(ReadModel):
    name: str
    due_on: date
    done_on: date | None
    service_name: str
    customer_name: str


class DeliverableTally(ReadModel):
    not_started: int = 0
    in_progress: int = 0
    blocked: int = 0
    complete: int = 0
    accepted: int = 0
    late: int = 0

    @property
    def total(self) -> int:
        return self.not_started + self.in_progress + self.blocked + self.complete + self.accepted

    @property
    def done(self) -> int:
        return self.complete + self.accepted

    @property
    def on_schedule_share(self) -> float | None:
        """Share not past due: done, or not yet due. None when there are no deliverables."""
        return None if self.total == 0 else (self.total - self.late) / self.total


class PortfolioStatus(ReadModel):
    as_of: datetime
    active_services: int
    health_counts: dict[Health, int]
    phase_counts: dict[Phase, int]
    deliverables: DeliverableTally
    overdue_tickets: int
    milestones_this_week: list[MilestoneView]
    needing_attention: list[ServiceHealthView]
