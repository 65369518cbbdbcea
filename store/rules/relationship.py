"""A customer's relationship health: thriving, steady or struggling, with its reasons in words.

Pure: the caller gathers each customer's signals (store/queries/customers.py) and passes the health
rules' thresholds (`HealthThresholds`: the engagement windows and ratio are the "Engagement declining"
rule's own) and these. The thresholds are defined here once; store/metrics.py words its definitions
from them.

- **Struggling**: one of its active services is At Risk, its engagement is declining (customer sessions
  on its active services in the last 14 days under half of those in the 14 before, as the health rule
  counts them; not when the earlier window had none), `sla_misses_struggling` or more SLA misses in the
  last 4 weeks, or `concerns_struggling` or more concerns at once.
- A **concern**: a service that Needs Attention, ticket volume rising (opened in the last 4 weeks at
  least `tickets_rising_ratio` times those in the 4 before, and at least `tickets_rising_min` more; like
  the engagement rule, not applied when the earlier window had none: a trend needs a baseline), an SLA
  miss in the last 4 weeks, an overdue deliverable.
- **Thriving**: nothing struggling, no concern, and at least one customer session in the last 14 days
  (a quiet customer is not a thriving one).
- **Steady**: everything else.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

from store.health.rules import HealthThresholds


class Relationship(StrEnum):
    THRIVING = "thriving"
    STEADY = "steady"
    STRUGGLING = "struggling"

    @property
    def label(self) -> str:
        return self.value.capitalize()

    @property
    def severity(self) -> int:
        """Worst first sorts by this, descending."""
        return {"thriving": 0, "steady": 1, "struggling": 2}[self.value]


@dataclass(frozen=True)
class RelationshipThresholds:
    # Ticket volume and SLA misses are read over this many days, and the volume against as many before.
    ticket_window_days: int = 28
    tickets_rising_ratio: float = 1.5
    tickets_rising_min: int = 3
    sla_misses_struggling: int = 3
    concerns_struggling: int = 3


RELATIONSHIP_THRESHOLDS = RelationshipThresholds()


class CustomerSignals(NamedTuple):
    """What the verdict looks at for one customer, over its active services (a tuple: one per customer of
    the portfolio is built for every answer)."""

    services: int
    at_risk: int = 0
    needs_attention: int = 0
    sessions_recent: int = 0
    sessions_prior: int = 0
    tickets_recent: int = 0
    tickets_prior: int = 0
    sla_misses: int = 0
    overdue_deliverables: int = 0


@dataclass(frozen=True)
class RelationshipVerdict:
    relationship: Relationship
    reasons: tuple[str, ...]  # worst first; never empty


def _plural(count: int, word: str, many: str | None = None) -> str:
    return f"{count} {word if count == 1 else (many or word + 's')}"


def _window(days: int) -> tuple[str, str]:
    """("4 weeks", "4") or ("10 days", "10"): the window in words, and as "the … before" says it."""
    return (_plural(days // 7, "week"), str(days // 7)) if days % 7 == 0 else (_plural(days, "day"), str(days))


def engagement_declining(signals: CustomerSignals, limits: HealthThresholds) -> bool:
    """The "Engagement declining" health rule, over the customer's sessions."""
    return signals.sessions_prior > 0 and signals.sessions_recent < signals.sessions_prior * limits.engagement_min_ratio


def tickets_rising(signals: CustomerSignals, thresholds: RelationshipThresholds) -> bool:
    return (signals.tickets_prior > 0
            and signals.tickets_recent - signals.tickets_prior >= thresholds.tickets_rising_min
            and signals.tickets_recent >= signals.tickets_prior * thresholds.tickets_rising_ratio)


def _alone_and_concerns(signals: CustomerSignals, limits: HealthThresholds,
                        thresholds: RelationshipThresholds) -> tuple[bool, int]:
    """Whether something alone makes the customer struggling, and how many concerns it has."""
    alone = (signals.at_risk > 0 or engagement_declining(signals, limits)
             or signals.sla_misses >= thresholds.sla_misses_struggling)
    concerns = ((signals.needs_attention > 0) + tickets_rising(signals, thresholds) + (signals.sla_misses > 0)
                + (signals.overdue_deliverables > 0))
    return alone, concerns


def relationship_of(signals: CustomerSignals, limits: HealthThresholds,
                    thresholds: RelationshipThresholds = RELATIONSHIP_THRESHOLDS) -> Relationship:
    """The verdict alone, without its words: thousands of customers are ranked, a few are shown."""
    alone, concerns = _alone_and_concerns(signals, limits, thresholds)
    if alone or concerns >= thresholds.concerns_struggling:
        return Relationship.STRUGGLING
    if concerns or signals.sessions_recent == 0:
        return Relationship.STEADY
    return Relationship.THRIVING


def relationship_verdict(signals: CustomerSignals, limits: HealthThresholds,
                         thresholds: RelationshipThresholds = RELATIONSHIP_THRESHOLDS) -> RelationshipVerdict:
    """The verdict (`relationship_of`) and its reasons in words, worst first."""
    relationship = relationship_of(signals, limits, thresholds)
    days = limits.engagement_window_days
    weeks, before = _window(thresholds.ticket_window_days)
    sessions = (f"{_plural(signals.sessions_recent, 'customer session')} in the last {days} days, "
                f"{signals.sessions_prior} in the {days} before")
    reasons: list[str] = []
    if signals.at_risk:
        reasons.append(f"{_plural(signals.at_risk, 'service')} at risk")
    if engagement_declining(signals, limits):
        reasons.append(f"engagement declining: {sessions}")
    if signals.needs_attention:
        reasons.append(f"{_plural(signals.needs_attention, 'service')} "
                       f"{'needs' if signals.needs_attention == 1 else 'need'} attention")
    if tickets_rising(signals, thresholds):
        reasons.append(f"ticket volume rising: {signals.tickets_recent} opened in the last {weeks}, "
                       f"{signals.tickets_prior} in the {before} before")
    if signals.sla_misses:
        reasons.append(f"{_plural(signals.sla_misses, 'SLA miss', 'SLA misses')} in the last {weeks}")
    if signals.overdue_deliverables:
        reasons.append(_plural(signals.overdue_deliverables, "overdue deliverable"))
    if reasons:
        return RelationshipVerdict(relationship, tuple(reasons))
    if relationship == Relationship.STEADY:  # nothing wrong, but no session lately either
        return RelationshipVerdict(relationship, (f"no customer sessions in the last {days} days",))
    on_track = ("its service on track" if signals.services == 1
                else f"all {signals.services} services on track")
    return RelationshipVerdict(relationship, (
        f"smooth engagement: {sessions}", on_track, f"no SLA misses in the last {weeks}, no overdue deliverables"))
