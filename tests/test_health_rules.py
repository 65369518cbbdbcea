"""The health rules, one signal at a time, with a pinned clock."""

from datetime import date, datetime, timedelta, timezone

from store.enums import Health
from store.health.rules import (
    BlockedDeliverable,
    HealthSignals,
    HealthThresholds,
    MilestoneProgress,
    Override,
    SlipForecast,
    assess,
    days_between,
)

NOW = datetime(2026, 11, 18, 15, 0, tzinfo=timezone.utc)
TODAY = NOW.date()
LIMITS = HealthThresholds()


def judge(signals: HealthSignals, override: Override | None = None):
    return assess(signals, now=NOW, today=TODAY, limits=LIMITS, override=override)


def test_no_signals_is_on_track_with_no_reasons():
    result = judge(HealthSignals())
    assert result.shown == Health.ON_TRACK
    assert result.findings == []


def test_blocked_for_threshold_days_is_at_risk_and_names_the_longest_block():
    signals = HealthSignals(blocked=[
        BlockedDeliverable("Data load", NOW - timedelta(days=3)),
        BlockedDeliverable("SSO integration", NOW - timedelta(days=5)),
    ])
    result = judge(signals)
    assert result.shown == Health.AT_RISK
    assert result.findings[0].reason == "Deliverable 'SSO integration' blocked 5 days (and 1 more blocked 3+ days)"


def test_blocked_less_than_threshold_is_not_a_finding():
    signals = HealthSignals(blocked=[BlockedDeliverable("SSO", NOW - timedelta(days=2, hours=23))])
    assert judge(signals).shown == Health.ON_TRACK


def test_days_between_counts_whole_days_and_never_goes_negative():
    assert days_between(NOW - timedelta(days=1, hours=23), NOW) == 1
    assert days_between(NOW + timedelta(hours=1), NOW) == 0


def test_overdue_milestone_is_at_risk():
    signals = HealthSignals(overdue_milestones=[MilestoneProgress("Cutover", TODAY - timedelta(days=2), 3, 4)])
    result = judge(signals)
    assert result.shown == Health.AT_RISK
    assert result.findings[0].reason == "Milestone 'Cutover' overdue by 2 days"


def test_milestone_due_soon_with_under_half_done_is_timeline_pressure():
    signals = HealthSignals(upcoming_milestones=[
        MilestoneProgress("Discovery Wrap-up", TODAY + timedelta(days=1), 1, 4),
        MilestoneProgress("Go-Live", TODAY + timedelta(days=2), 2, 4),  # exactly half: fine
        MilestoneProgress("Later", TODAY + timedelta(days=8), 0, 4),  # outside the window
    ])
    result = judge(signals)
    assert result.shown == Health.NEEDS_ATTENTION
    assert [f.reason for f in result.findings] == [
        "Timeline pressure: 'Discovery Wrap-up' due in 1 day with 1 of 4 deliverables complete"
    ]


def test_engagement_declining_when_recent_sessions_fall_under_half():
    assert judge(HealthSignals(sessions_recent=1, sessions_prior=6)).shown == Health.NEEDS_ATTENTION
    assert judge(HealthSignals(sessions_recent=3, sessions_prior=6)).shown == Health.ON_TRACK
    assert judge(HealthSignals(sessions_recent=0, sessions_prior=0)).shown == Health.ON_TRACK


def test_overdue_tickets_above_threshold_need_attention():
    assert judge(HealthSignals(overdue_tickets=LIMITS.overdue_tickets_max)).shown == Health.ON_TRACK
    result = judge(HealthSignals(overdue_tickets=LIMITS.overdue_tickets_max + 1))
    assert result.shown == Health.NEEDS_ATTENTION
    assert result.findings[0].rule == "overdue_tickets"


def test_worst_finding_wins_and_every_reason_is_kept():
    signals = HealthSignals(
        blocked=[BlockedDeliverable("SSO", NOW - timedelta(days=4))], sessions_recent=0, sessions_prior=4
    )
    result = judge(signals)
    assert result.shown == Health.AT_RISK
    assert [f.rule for f in result.findings] == ["blocked_deliverable", "engagement_declining"]


def test_active_override_is_shown_and_computed_health_kept():
    signals = HealthSignals(blocked=[BlockedDeliverable("SSO", NOW - timedelta(days=4))])
    override = Override(Health.NEEDS_ATTENTION, "Customer accepted the delay", NOW + timedelta(days=2))
    result = judge(signals, override)
    assert result.shown == Health.NEEDS_ATTENTION
    assert result.computed == Health.AT_RISK
    assert result.findings, "reasons are listed even when overridden"


def test_expired_override_is_ignored():
    override = Override(Health.AT_RISK, "Escalated", NOW - timedelta(minutes=1))
    result = judge(HealthSignals(), override)
    assert result.shown == Health.ON_TRACK
    assert result.override is None


def test_thresholds_come_from_settings():
    strict = HealthThresholds(blocked_days=1)
    signals = HealthSignals(blocked=[BlockedDeliverable("SSO", NOW - timedelta(days=1))])
    assert assess(signals, now=NOW, today=TODAY, limits=strict).shown == Health.AT_RISK
    assert judge(signals).shown == Health.ON_TRACK


def test_dates_are_calendar_days():
    assert isinstance(TODAY, date)


def test_a_milestone_forecast_to_slip_needs_attention_and_names_the_worst_with_its_dates():
    signals = HealthSignals(slipping=[
        SlipForecast("Go-Live Readiness", date(2026, 11, 29), date(2026, 12, 6), date(2026, 12, 13)),
        SlipForecast("Training", date(2026, 12, 20), None, None),
    ])
    result = judge(signals)
    assert result.shown == Health.NEEDS_ATTENTION
    assert [f.rule for f in result.findings] == ["forecast_to_slip"]
    assert result.findings[0].reason == ("Forecast to slip: 'Go-Live Readiness' due Sun 29 Nov, likely done "
                                         "Sun 06 Dec (85%: Sun 13 Dec) (and 1 more milestone forecast to slip)")
    assert result.findings[0].since is None  # not dated: a week-ago comparison leaves it out
    assert result.dated == Health.ON_TRACK


def test_a_slip_past_the_forecast_horizon_says_so():
    result = judge(HealthSignals(slipping=[SlipForecast("Training", date(2026, 12, 20), None, None)]))
    assert result.findings[0].reason == ("Forecast to slip: 'Training' due Sun 20 Dec, likely done "
                                         "in more than two years (85%: in more than two years)")
