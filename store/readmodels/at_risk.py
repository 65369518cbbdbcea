"""What `/delivery at-risk` reads: everything that needs someone to act, worst first."""

from __future__ import annotations

from datetime import datetime

from store.readmodels import BlockedDeliverableView, ReadModel, ServiceHealthView
from store.readmodels.capacity import PersonCapacity
from store.readmodels.sla import HeldWarningView
from store.readmodels.tickets import OverdueTicket


class AtRiskReport(ReadModel):
    as_of: datetime
    # Longest in their health first; the first few of each only, all of them counted.
    at_risk: list[ServiceHealthView]
    at_risk_total: int
    needs_attention: list[ServiceHealthView]
    needs_attention_total: int
    blocked: list[BlockedDeliverableView]
    blocked_total: int
    overdue: list[OverdueTicket]
    overdue_total: int
    overloaded: list[PersonCapacity]  # the first few, most loaded first
    overloaded_total: int
    # SLA warnings not sent by DM in the last day (quiet hours, muted), newest first, of open tickets.
    held: list[HeldWarningView] = []
    held_total: int = 0
