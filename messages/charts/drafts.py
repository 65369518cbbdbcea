"""The charts each message has, as drafts (`ChartDraft`): named and titled here, drawn by
messages/charts/trends.py only when a message is sent with its charts. This module imports no
matplotlib, so the views table (and every process that loads it: the web workers, the scheduler) pays
for it only when the first chart is drawn."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import cache
from zoneinfo import ZoneInfo

from messages.charts import Chart, ChartDraft
from store.readmodels.patterns import PatternsReport, Period
from store.readmodels.trends import BillableSpread, Trends
from store.rules.capacity import BILLABLE_TARGET_HIGH, BILLABLE_TARGET_LOW

HEALTH_MIX = "health-mix"
COMPLIANCE = "compliance"
BILLABLE = "billable"
BLOCKERS = "blockers"
HEALTH_TITLE = "Health mix, last 8 weeks"
COMPLIANCE_TITLE = "On schedule and SLA compliance against targets, last 8 whole weeks"


def day_words(day: date) -> str:
    return f"{day.day} {day:%b}"


def band_words() -> str:
    return f"{BILLABLE_TARGET_LOW * 100:.0f}-{BILLABLE_TARGET_HIGH * 100:.0f}%"


def billable_title(spread: BillableSpread) -> str:
    return f"Billable share by person, week of {day_words(spread.first_day)}, against the {band_words()} band"


def period_words(period: Period) -> str:
    return f"{day_words(period.first_day)} – {day_words(period.last_day)}"


def blockers_title(report: PatternsReport) -> str:
    weeks = report.period.weeks
    return f"Blocked days by blocker category, last {weeks} whole weeks against the {weeks} before"


def _blockers(report: PatternsReport) -> Chart:
    from messages.charts.patterns import blockers_chart

    return blockers_chart(report)


def patterns_charts(report: PatternsReport) -> tuple[ChartDraft, ...]:
    """`/delivery patterns`'s chart (and its digest's), drawn when sent."""
    return (ChartDraft(BLOCKERS, blockers_title(report), lambda: _blockers(report)),)


def _health_mix(data: Callable[[], Trends], tz: ZoneInfo) -> Chart:
    from messages.charts.trends import health_mix_chart  # matplotlib loads with the first chart drawn

    return health_mix_chart(data().health, tz)


def _compliance(data: Callable[[], Trends]) -> Chart:
    from messages.charts.trends import compliance_chart

    trends = data()
    return compliance_chart(trends.compliance, trends.on_schedule_target, trends.sla_target)


def _billable(data: Callable[[], Trends]) -> Chart:
    from messages.charts.trends import billable_chart

    return billable_chart(data().billable)


def trends_charts(data: Trends, tz: ZoneInfo) -> tuple[ChartDraft, ...]:
    """The trends' charts, drawn when sent."""
    return (
        ChartDraft(HEALTH_MIX, HEALTH_TITLE, lambda: _health_mix(lambda: data, tz)),
        ChartDraft(COMPLIANCE, COMPLIANCE_TITLE, lambda: _compliance(lambda: data)),
        ChartDraft(BILLABLE, billable_title(data.billable), lambda: _billable(lambda: data)),
    )


def portfolio_charts(load: Callable[[], Trends], tz: ZoneInfo) -> tuple[ChartDraft, ...]:
    """The weekly portfolio digest's charts (the health mix, on schedule and SLA): the trends are read by
    `load` once, when the first of them is drawn, and only for a subscription that wants charts."""
    once = cache(load)
    return (
        ChartDraft(HEALTH_MIX, HEALTH_TITLE, lambda: _health_mix(once, tz)),
        ChartDraft(COMPLIANCE, COMPLIANCE_TITLE, lambda: _compliance(once)),
    )
