"""The relationship rule (store/rules/relationship.py): each verdict, and each reason in words."""

from __future__ import annotations

from itertools import product

import pytest

from store.health.rules import HealthThresholds
from store.rules.relationship import (
    RELATIONSHIP_THRESHOLDS,
    CustomerSignals,
    Relationship,
    RelationshipThresholds,
    relationship_of,
    relationship_verdict,
)

LIMITS = HealthThresholds()
# A customer doing well: one service on track, steady sessions, nothing late or missed.
WELL = dict(services=1, sessions_recent=4, sessions_prior=4, tickets_recent=2, tickets_prior=2)


def verdict(**signals):
    return relationship_verdict(CustomerSignals(**{**WELL, **signals}), LIMITS)


def test_a_customer_with_smooth_engagement_and_nothing_wrong_is_thriving():
    found = verdict()
    assert found.relationship == Relationship.THRIVING
    assert found.reasons == ("smooth engagement: 4 customer sessions in the last 14 days, 4 in the 14 before",
                             "its service on track", "no SLA misses in the last 4 weeks, no overdue deliverables")
    assert verdict(services=3).reasons[1] == "all 3 services on track"


def test_beta_corp_reads_as_struggling_with_engagement_declining_first():
    found = verdict(sessions_recent=1, sessions_prior=6, needs_attention=1)
    assert found.relationship == Relationship.STRUGGLING
    assert found.reasons == ("engagement declining: 1 customer session in the last 14 days, 6 in the 14 before",
                             "1 service needs attention")


def test_engagement_uses_the_health_rules_ratio_and_needs_an_earlier_session():
    assert verdict(sessions_recent=2, sessions_prior=4).relationship == Relationship.THRIVING, "half is not under half"
    assert verdict(sessions_recent=1, sessions_prior=3).relationship == Relationship.STRUGGLING
    quiet = verdict(sessions_recent=0, sessions_prior=0)
    assert quiet.relationship == Relationship.STEADY, "no baseline: not declining, but not thriving either"
    assert quiet.reasons == ("no customer sessions in the last 14 days",)
    stricter = relationship_verdict(CustomerSignals(**{**WELL, "sessions_recent": 3, "sessions_prior": 4}),
                                    HealthThresholds(engagement_min_ratio=0.8, engagement_window_days=7))
    assert stricter.reasons == ("engagement declining: 3 customer sessions in the last 7 days, 4 in the 7 before",)


def test_a_service_at_risk_makes_the_customer_struggling():
    found = verdict(services=2, at_risk=1)
    assert found.relationship == Relationship.STRUGGLING
    assert found.reasons == ("1 service at risk",)
    assert verdict(services=3, at_risk=2).reasons == ("2 services at risk",)


@pytest.mark.parametrize(("signals", "reason"), [
    ({"needs_attention": 1}, "1 service needs attention"),
    ({"services": 3, "needs_attention": 2}, "2 services need attention"),
    ({"tickets_recent": 6, "tickets_prior": 3},
     "ticket volume rising: 6 opened in the last 4 weeks, 3 in the 4 before"),
    ({"sla_misses": 1}, "1 SLA miss in the last 4 weeks"),
    ({"sla_misses": 2}, "2 SLA misses in the last 4 weeks"),
    ({"overdue_deliverables": 2}, "2 overdue deliverables"),
])
def test_one_concern_makes_a_customer_steady_and_says_which(signals, reason):
    found = verdict(**signals)
    assert found.relationship == Relationship.STEADY
    assert found.reasons == (reason,)


def test_ticket_volume_rises_only_by_the_ratio_and_the_minimum_and_from_a_baseline():
    assert verdict(tickets_recent=5, tickets_prior=3).relationship == Relationship.THRIVING, "under 1.5 times"
    assert verdict(tickets_recent=3, tickets_prior=1).relationship == Relationship.THRIVING, "only 2 more"
    assert verdict(tickets_recent=4, tickets_prior=1).relationship == Relationship.STEADY
    assert verdict(tickets_recent=9, tickets_prior=0).relationship == Relationship.THRIVING, "no baseline"


def test_three_sla_misses_or_three_concerns_make_a_customer_struggling():
    misses = verdict(sla_misses=RELATIONSHIP_THRESHOLDS.sla_misses_struggling)
    assert misses.relationship == Relationship.STRUGGLING
    assert misses.reasons == ("3 SLA misses in the last 4 weeks",)
    many = verdict(needs_attention=1, sla_misses=1, overdue_deliverables=4)
    assert many.relationship == Relationship.STRUGGLING
    assert many.reasons == ("1 service needs attention", "1 SLA miss in the last 4 weeks", "4 overdue deliverables")
    assert verdict(needs_attention=1, overdue_deliverables=4).relationship == Relationship.STEADY


def test_grave_reasons_come_before_concerns():
    found = verdict(services=2, at_risk=1, needs_attention=1, sessions_recent=0, sessions_prior=2,
                    overdue_deliverables=1)
    assert found.reasons == ("1 service at risk",
                             "engagement declining: 0 customer sessions in the last 14 days, 2 in the 14 before",
                             "1 service needs attention", "1 overdue deliverable")


def test_thresholds_can_be_given_and_windows_in_days_read_as_days():
    thresholds = RelationshipThresholds(ticket_window_days=10, sla_misses_struggling=1)
    found = relationship_verdict(CustomerSignals(**{**WELL, "sla_misses": 1}), LIMITS, thresholds)
    assert found.relationship == Relationship.STRUGGLING
    assert found.reasons == ("1 SLA miss in the last 10 days",)


def test_worst_first_orders_struggling_steady_thriving():
    assert sorted(Relationship, key=lambda r: -r.severity) == [Relationship.STRUGGLING, Relationship.STEADY,
                                                                Relationship.THRIVING]


def test_the_verdict_alone_is_the_verdict_with_its_words_over_every_combination():
    """`/delivery customers` ranks thousands by `relationship_of` and words only the customers shown."""
    for at_risk, attention, recent, prior, opened, before, misses, overdue in product(
            (0, 1), (0, 1, 2), (0, 1, 3), (0, 2, 6), (0, 4), (0, 1, 3), (0, 1, 3), (0, 2)):
        signals = CustomerSignals(services=3, at_risk=at_risk, needs_attention=attention, sessions_recent=recent,
                                  sessions_prior=prior, tickets_recent=opened, tickets_prior=before,
                                  sla_misses=misses, overdue_deliverables=overdue)
        found = relationship_verdict(signals, LIMITS)
        assert relationship_of(signals, LIMITS) == found.relationship and found.reasons, signals
