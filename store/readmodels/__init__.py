"""Typed read models: what queries hand to renderers. No ORM objects leave `store/`.

All of them live in this package: the shared ones and the portfolio's here, the rest by what they
are about (`capacity`, `tickets`, `digests`, `at_risk`, `history`, `subscriptions`, `messages`).
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict

from store.enums import AppointmentKind, DeliverableStatus, Health, Phase, ServiceStatus


class ReadModel(BaseModel):
    model_config = ConfigDict(frozen=True)


class PersonRef(ReadModel):
    name: str
    slack_user_id: str | None = None


class FindingView(ReadModel):
    health: Health
    rule: str
    reason: str
    since: datetime | None = None


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
    health_since: datetime | None = None

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

    @property
    def complete_share(self) -> float | None:
        """Share complete or accepted (`complete_share`). None when there are no deliverables."""
        return None if self.total == 0 else self.done / self.total


class PortfolioStatus(ReadModel):
    as_of: datetime
    active_services: int
    health_counts: dict[Health, int]
    phase_counts: dict[Phase, int]
    deliverables: DeliverableTally
    overdue_tickets: int
    milestones_this_week: list[MilestoneView]  # the first few, by due day; all of them counted
    milestones_this_week_total: int
    # Worst first, then by customer and service; the first few only (`needing_attention_total` counts them).
    needing_attention: list[ServiceHealthView]

    @property
    def needing_attention_total(self) -> int:
        return self.health_counts[Health.AT_RISK] + self.health_counts[Health.NEEDS_ATTENTION]


class ServiceRef(ReadModel):
    service_id: int
    service_name: str
    customer_name: str
    status: ServiceStatus

    @property
    def label(self) -> str:
        return f"{self.customer_name} · {self.service_name}"


class MilestoneProgressView(ReadModel):
    name: str
    due_on: date
    done_on: date | None
    deliverables_done: int
    deliverables_total: int
    # The forecast of its open deliverables (store.queries.forecast), on an active service's card:
    # the Sundays ending the likely (50%) and 85% weeks, whether it slips, or why there is no date.
    likely_on: date | None = None
    safe_on: date | None = None
    slips: bool = False
    no_forecast: str | None = None


class SnoozeNote(ReadModel):
    """A blocked deliverable's live snooze: until when, by whom, why (store.escalations)."""

    until: datetime
    by: PersonRef | None
    reason: str


class EscalationNote(ReadModel):
    """The latest escalation step of a blocked deliverable's current episode that told someone, or could
    not: step 1 its owner, 2 the service's lead, 3 the channels subscribed to escalations."""

    step: int
    at: datetime
    told: PersonRef | None  # the person told by DM (none for the channels)
    status: str  # store.enums.DeliveryStatus
    last: bool  # no step is left to take ("Escalate now" is not offered)


class DeliverableLine(ReadModel):
    deliverable_id: int
    name: str
    status: DeliverableStatus
    owner: PersonRef | None
    due_on: date | None
    blocked_reason: str | None = None
    blocked_since: datetime | None = None
    # A blocked one's category as stored (store.enums.BlockerCategory; none: from before categories, "other").
    blocked_category: str | None = None
    late: bool = False
    version: int = 1
    # Who moved it to its done status, when it is done (from the audit trail).
    done_by: PersonRef | None = None
    # A blocked one's follow-up (store.escalations.follow_ups): its live snooze and its latest escalation.
    snooze: SnoozeNote | None = None
    escalation: EscalationNote | None = None


class TicketLine(ReadModel):
    ticket_id: int
    title: str
    priority: str
    owner: PersonRef | None
    customer_name: str
    due_at: datetime
    overdue: bool
    version: int = 1  # what a row's "Assign to me" / "Resolve" was rendered from
    service_id: int | None = None


class AppointmentLine(ReadModel):
    title: str
    kind: AppointmentKind
    starts_at: datetime
    duration_minutes: int
    person: PersonRef


class ServiceCard(ReadModel):
    as_of: datetime
    ref: ServiceRef
    phase: Phase
    health: ServiceHealthView | None  # None for paused and complete services
    owner: PersonRef | None
    team: list[PersonRef]
    action_note: str | None
    milestones: list[MilestoneProgressView]
    tally: DeliverableTally
    deliverables: list[DeliverableLine]
    open_tickets: list[TicketLine]
    open_ticket_count: int
    next_appointments: list[AppointmentLine]
    version: int = 1  # the service's version, carried by the card's "Update health" / "Flag" buttons
    override_by: PersonRef | None = None  # who set the active health override
    budget: BudgetLine | None = None  # active services with a budget; money only for those who may see it


class ServiceLookup(ReadModel):
    """What `/delivery status <name>` found: one card, choices, or the closest names."""

    query: str
    card: ServiceCard | None = None
    # A customer's card, when the name is a customer's with several active services (`/delivery status`).
    customer: CustomerCard | None = None
    choices: list[ServiceRef] = []
    suggestions: list[str] = []


class MilestoneItem(ReadModel):
    name: str
    due_on: date
    done_on: date | None
    service: ServiceRef
    owner: PersonRef | None
    deliverables_done: int
    deliverables_total: int


class MilestoneListing(ReadModel):
    window: str
    first_day: date | None
    last_day: date | None
    items: list[MilestoneItem]
    total: int


class TaskLine(ReadModel):
    title: str
    due_on: date | None
    service_label: str | None


class MyWork(ReadModel):
    """`/delivery mine` and the App Home dashboard for one Slack user."""

    as_of: datetime
    slack_user_id: str
    person: PersonRef | None
    services: list[ServiceHealthView] = []
    deliverables: DeliverableTally = DeliverableTally()
    open_deliverables: list[DeliverableLine] = []
    overdue_tickets: list[TicketLine] = []
    overdue_ticket_count: int = 0
    tasks_due: list[TaskLine] = []
    appointments_today: list[AppointmentLine] = []
    week: MyWeek | None = None


class BlockedDeliverableView(ReadModel):
    deliverable: DeliverableLine
    service: ServiceRef


# MyWeek (capacity), BudgetLine (budgets) and CustomerCard (customers) live with their read models, which
# build on the ones above.
from store.readmodels.budget import BudgetLine  # noqa: E402
from store.readmodels.capacity import MyWeek  # noqa: E402
from store.readmodels.customers import CustomerCard  # noqa: E402

MyWork.model_rebuild()
ServiceCard.model_rebuild()
ServiceLookup.model_rebuild()
