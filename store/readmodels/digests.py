"""Read models of the scheduled digests: what `store.queries.digests` and `store.queries.weekly` hand
to `messages.digests`. Figures follow `store.metrics` (the keys are named on each field)."""

from __future__ import annotations

from datetime import date, datetime

from store.enums import Health, Phase
from store.readmodels import (
    AppointmentLine,
    BlockedDeliverableView,
    DeliverableTally,
    MilestoneItem,
    PersonRef,
    ReadModel,
    ServiceHealthView,
    TaskLine,
)
from store.readmodels.budget import SuccessRate
from store.readmodels.capacity import PersonCapacity, Utilization
from store.readmodels.sla import HeldWarningView
from store.readmodels.tickets import OverdueTicket, SlaCompliance
from store.rules.capacity import LoadState


class AtRiskDigestData(ReadModel):
    as_of: datetime
    at_risk: list[ServiceHealthView]  # shown_health At Risk, longest in that state first; the first few
    at_risk_total: int
    needs_attention: list[ServiceHealthView]
    needs_attention_total: int
    blocked: list[BlockedDeliverableView]  # days_blocked, longest blocked first; none snoozed now
    blocked_total: int
    overloaded: list[PersonCapacity]  # load_state Overloaded, most loaded first; the first few
    overloaded_total: int
    milestones: list[MilestoneItem]  # milestones_in_trouble
    milestones_total: int
    # SLA warnings not posted in the last day (quiet hours, muted, past a channel's hourly budget), newest
    # first, of tickets still open: the first few.
    held: list[HeldWarningView] = []
    held_total: int = 0
    # Blocked deliverables left out because they are snoozed now (deliverable_snooze).
    snoozed_total: int = 0


class TicketDay(ReadModel):
    """tickets_yesterday: tickets opened and resolved on one calendar day of the organisation."""

    day: date
    opened: int
    resolved: int


class OverdueTicketsDigestData(ReadModel):
    as_of: datetime
    overdue: list[OverdueTicket]  # overdue_ticket_age, oldest breach first
    overdue_total: int
    yesterday: TicketDay


class PersonalDigestData(ReadModel):
    """personal_digest: one person's blocked deliverables, overdue tickets, tasks and appointments."""

    as_of: datetime
    today: date
    slack_user_id: str
    person: PersonRef | None
    blocked: list[BlockedDeliverableView] = []
    blocked_total: int = 0
    overdue_tickets: list[OverdueTicket] = []
    overdue_total: int = 0
    tasks: list[TaskLine] = []  # open, due today or before
    tasks_total: int = 0
    appointments: list[AppointmentLine] = []  # starting today
    appointments_total: int = 0
    held: list[HeldWarningView] = []  # my SLA warnings not sent by DM in the last day (quiet hours, muted)
    held_total: int = 0

    @property
    def is_empty(self) -> bool:
        return not (self.blocked_total or self.overdue_total or self.tasks_total or self.appointments_total
                    or self.held_total)


class WeekUtilization(ReadModel):
    """team_utilization, team_billable_share and billable_in_band for one whole week (Monday to Sunday)."""

    first_day: date
    team: Utilization  # the delivery team's sums (members and leads with weekly capacity hours)
    in_band: int  # of them, people whose billable share is within the 70-80% target

    @property
    def utilization(self) -> float | None:
        return self.team.utilization

    @property
    def billable_share(self) -> float | None:
        return self.team.billable_share


class WeekSla(ReadModel):
    """sla_compliance_week: the SLA definition applied to one whole past week."""

    first_day: date
    sla: SlaCompliance


class HealthChange(ReadModel):
    """health_change: a service whose computed health differs from a week ago."""

    service: ServiceHealthView  # now
    before: Health  # computed a week ago
    # Computed now by the same rules as `before`: those the database dates (health.rules.UNDATED_RULES).
    now: Health


class WeeklyPortfolio(ReadModel):
    as_of: datetime
    week_ago: datetime
    # Team: load now (no staffing history is kept), utilization in the last two whole weeks.
    people: int
    load_counts: dict[LoadState, int]
    overloaded: list[PersonCapacity]
    last_week: WeekUtilization
    week_before: WeekUtilization
    # Business: on schedule now and a week ago (same deliverables), SLA in the last two whole weeks.
    active_services: int
    phase_counts: dict[Phase, int]
    deliverables: DeliverableTally
    on_schedule_week_ago: float | None
    sla_last_week: WeekSla
    sla_week_before: WeekSla
    # The services' margin in the last two whole weeks (a percentage: no rates, costs or amounts reach
    # a channel), and the project success rate now and a week ago.
    margin_last_week: float | None = None
    margin_week_before: float | None = None
    success: SuccessRate = SuccessRate(completed=0, succeeded=0)
    success_week_ago: SuccessRate = SuccessRate(completed=0, succeeded=0)
    # Customer: computed health now against a week ago.
    health_counts: dict[Health, int]  # shown health now
    computed_counts_now: dict[Health, int]  # of the services compared
    computed_counts_week_ago: dict[Health, int]
    compared: int  # active now and created a week ago or earlier
    # The lists hold their first services only (no message shows more), with the totals.
    health_changes: list[HealthChange]  # worst computed health first, then by customer and service
    health_changes_total: int
    engagement_declining: int  # services now
    engagement_declining_week_ago: int
    customer_org_flags: list[ServiceHealthView]  # by customer and service
    customer_org_flags_total: int
