"""Read models of `/delivery tickets`: the week's ticket flow, overdue tickets, SLA, a breakdown.

Figures follow `store.metrics` (tickets_opened, tickets_resolved, avg_resolution_hours,
tickets_change, overdue_ticket_age, sla_compliance, ticket_breakdown).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum

from store.readmodels import PersonRef, ReadModel

UNASSIGNED = "Unassigned"


class TicketGrouping(StrEnum):
    """What the breakdown groups by. The store's own copy, so `store/` never imports `handlers/`."""

    CUSTOMER = "customer"
    TYPE = "type"
    OWNER = "owner"


class WeekFlow(ReadModel):
    """Tickets opened and resolved in one week, and how long the resolved ones took."""

    opened: int
    resolved: int
    avg_resolution_hours: float | None  # None when nothing was resolved


class FlowChange(ReadModel):
    """This week minus last week, figure by figure (None when either average is missing)."""

    opened: int
    resolved: int
    avg_resolution_hours: float | None


class OverdueTicket(ReadModel):
    key: str
    title: str
    customer_name: str
    type: str
    priority: str
    owner: PersonRef | None
    opened_at: datetime
    due_at: datetime
    age: timedelta  # now - due_at: how long it has been past its SLA due time
    ticket_id: int
    version: int = 1  # what a row's "Assign to me" / "Resolve" was rendered from
    service_id: int | None = None

    @property
    def owner_name(self) -> str:
        return self.owner.name if self.owner else "unassigned"


class SlaCompliance(ReadModel):
    """Resolved in time over resolved plus still-open breaches, for this week so far."""

    met: int
    resolved: int
    open_breaches: int
    target: float

    @property
    def denominator(self) -> int:
        return self.resolved + self.open_breaches

    @property
    def share(self) -> float | None:
        return None if self.denominator == 0 else self.met / self.denominator

    @property
    def meets_target(self) -> bool:
        """Nothing measurable this week counts as meeting the target: there is nothing to fix."""
        return self.share is None or self.share >= self.target


class TicketGroup(ReadModel):
    """One customer, type or owner: open now, opened this week, resolved this week."""

    name: str
    open_now: int
    opened: int
    resolved: int


class TicketReport(ReadModel):
    as_of: datetime
    week_first_day: date
    this_week: WeekFlow  # Monday 00:00 up to now
    last_week: WeekFlow  # the whole of last week
    overdue: list[OverdueTicket]  # oldest breach first, at most the query's limit
    overdue_total: int  # every overdue ticket, shown or not
    sla: SlaCompliance
    breakdown: TicketGrouping
    groups: list[TicketGroup]  # open now descending, then name; only the first ones, at most the query's limit
    group_total: int  # every group of the breakdown, shown or not

    @property
    def change(self) -> FlowChange:
        this, last = self.this_week, self.last_week
        this_hours, last_hours = this.avg_resolution_hours, last.avg_resolution_hours
        return FlowChange(
            opened=this.opened - last.opened,
            resolved=this.resolved - last.resolved,
            avg_resolution_hours=None if this_hours is None or last_hours is None else this_hours - last_hours,
        )

    @property
    def overdue_hidden(self) -> int:
        return self.overdue_total - len(self.overdue)
