"""Customers and their relationship health: `/delivery customers` and a customer's card."""

from __future__ import annotations

from datetime import datetime

from store.readmodels import ReadModel, ServiceHealthView, ServiceRef
from store.rules.relationship import Relationship


class CustomerRelationship(ReadModel):
    """One customer with active services: its relationship verdict and the signals behind it."""

    customer_id: int
    name: str
    relationship: Relationship
    reasons: list[str]  # worst first, never empty
    services: int  # active ones
    at_risk: int
    needs_attention: int
    # The sum of its active services' versions as read: any change to one of them (a flag bumps each)
    # or a service started or stopped moves it, so a flag from a stale message is refused.
    version: int


class CustomerList(ReadModel):
    """`/delivery customers`: every customer with active services, worst first, the first few shown."""

    as_of: datetime
    counts: dict[Relationship, int]
    # Struggling, then steady, then thriving; by name within each. The first few only.
    customers: list[CustomerRelationship]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


class CustomerCard(ReadModel):
    """A customer with several active services: its verdict, and each active service's health."""

    as_of: datetime
    customer: CustomerRelationship
    services: list[ServiceHealthView]  # worst first, then by name
    # Its other services (paused, complete), to open them too.
    inactive: list[ServiceRef] = []
