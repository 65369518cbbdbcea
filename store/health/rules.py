"""Explainable service health.

Rules turn a service's signals into findings; each finding carries the health it
implies and a plain-words reason. Computed health is the worst finding (On Track when
there is none). Shown health is an active override, else the computed health; the
reasons are listed either way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property

from store.enums import Health


@dataclass(frozen=True)
class HealthThresholds:
    blocked_days: int = 3
    milestone_window_days: int = 7
    milestone_min_done_share: float = 0.5
    engagement_window_days: int = 14
    engagement_min_ratio: float = 0.5
    overdue_tickets_max: int = 2
    # A forecast past a service's budget by more than this share of it is a finding (issue 19).
    budget_overrun_max: float = 0.10


@dataclass(frozen=True)
class BlockedDeliverable:
    name: str
    since: datetime


@dataclass(frozen=True)
class MilestoneProgress:
    name: str
    due_on: date
    deliverables_done: int
    deliverables_total: int


@dataclass(frozen=True)
class BudgetForecast:
    """A service's budget forecast (`store.queries.spend`): over by `overrun` of its budget, which is in
    hours (`eac` and `budget` then given in hours) or in money (no amounts: health reasons are shown
    to everyone, and money is need-to-know)."""

    overrun: float
    hours: tuple[float, float] | None  # (estimate at completion, budget) of an hours budget
    source: str  # where the hours still to come were read from, in words


@dataclass(frozen=True)
class SlipForecast:
    """An open milestone forecast to slip (`store.queries.forecast`): the Sundays ending its likely
    (50%) and 85% weeks, None past the forecast's horizon."""

    name: str
    due_on: date
    likely_on: date | None
    safe_on: date | None


@dataclass(frozen=True)
class HealthSignals:
    """What the rules look at for one service; gathered by `store.health.signals`."""

    blocked: list[BlockedDeliverable] = field(default_factory=list)
    overdue_milestones: list[MilestoneProgress] = field(default_factory=list)
    upcoming_milestones: list[MilestoneProgress] = field(default_factory=list)
    sessions_recent: int = 0
    sessions_prior: int = 0
    overdue_tickets: int = 0
    budget: BudgetForecast | None = None
    slipping: list[SlipForecast] = field(default_factory=list)  # worst first


# Rules whose signals the database does not date (budgets and estimates keep no history): health a
# week ago (`store.health.as_of`) cannot apply them, so comparisons with then leave them out.
# The slip forecast reads what the database dates, but what a forecast said a week ago would take
# the open work of then: not kept either.
UNDATED_RULES = frozenset({"forecast_over_budget", "forecast_to_slip"})


@dataclass(frozen=True)
class Finding:
    health: Health
    rule: str
    reason: str
    # When the rule started to hold, where the signals tell (None when they cannot).
    since: datetime | None = None
    # For a rule that starts on a calendar day (milestone dates): that day. `since` is then `now`
    # moved back by the days since it, so it moves with `now`; kept health stores the day instead.
    since_day: date | None = None


@dataclass(frozen=True)
class Override:
    health: Health
    reason: str | None
    expires_at: datetime | None

    def active(self, now: datetime) -> bool:
        return self.expires_at is None or self.expires_at > now


@dataclass(frozen=True)
class Assessment:
    computed: Health
    findings: list[Finding]
    override: Override | None

    # Cached (frozen, so they never change): answers order thousands of services by them.
    @cached_property
    def shown(self) -> Health:
        return self.override.health if self.override else self.computed

    @cached_property
    def dated(self) -> Health:
        """Computed health from the rules the database dates only: what is compared with a week ago."""
        return max((f.health for f in self.findings if f.rule not in UNDATED_RULES), key=lambda h: h.severity,
                   default=Health.ON_TRACK)

    @cached_property
    def since(self) -> datetime | None:
        """Since when the shown health's rules have held: the earliest of its findings."""
        if self.override is not None:
            return None
        moments = [f.since for f in self.findings if f.health == self.shown and f.since is not None]
        return min(moments) if moments else None


def days_between(earlier: datetime, later: datetime) -> int:
    """Whole days elapsed, never negative."""
    return max(0, (later - earlier) // timedelta(days=1))


def days_ago(now: datetime, today: date, day: date) -> datetime:
    """`now` moved back by the calendar days between `day` and today."""
    return now - timedelta(days=(today - day).days)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def blocked_findings(signals: HealthSignals, now: datetime, limits: HealthThresholds) -> list[Finding]:
    stuck = [b for b in signals.blocked if days_between(b.since, now) >= limits.blocked_days]
    if not stuck:
        return []
    longest = min(stuck, key=lambda b: (b.since, b.name))
    reason = f"Deliverable '{longest.name}' blocked {_plural(days_between(longest.since, now), 'day')}"
    if len(stuck) > 1:
        reason += f" (and {len(stuck) - 1} more blocked {limits.blocked_days}+ days)"
    since = longest.since + timedelta(days=limits.blocked_days)
    return [Finding(Health.AT_RISK, "blocked_deliverable", reason, since)]


def overdue_milestone_findings(signals: HealthSignals, now: datetime, today: date) -> list[Finding]:
    return [
        Finding(
            Health.AT_RISK,
            "overdue_milestone",
            f"Milestone '{m.name}' overdue by {_plural((today - m.due_on).days, 'day')}",
            days_ago(now, today, m.due_on + timedelta(days=1)),
            m.due_on + timedelta(days=1),
        )
        for m in sorted(signals.overdue_milestones, key=lambda m: (m.due_on, m.name))
    ]


def timeline_pressure_findings(
    signals: HealthSignals, now: datetime, today: date, limits: HealthThresholds
) -> list[Finding]:
    findings = []
    horizon = today + timedelta(days=limits.milestone_window_days)
    for m in sorted(signals.upcoming_milestones, key=lambda m: (m.due_on, m.name)):
        if not today <= m.due_on <= horizon or m.deliverables_total == 0:
            continue
        if m.deliverables_done / m.deliverables_total < limits.milestone_min_done_share:
            days = (m.due_on - today).days
            when = "today" if days == 0 else f"in {_plural(days, 'day')}"
            findings.append(
                Finding(
                    Health.NEEDS_ATTENTION,
                    "timeline_pressure",
                    f"Timeline pressure: '{m.name}' due {when} with "
                    f"{m.deliverables_done} of {m.deliverables_total} deliverables complete",
                    days_ago(now, today, m.due_on - timedelta(days=limits.milestone_window_days)),
                    m.due_on - timedelta(days=limits.milestone_window_days),
                )
            )
    return findings


def engagement_findings(signals: HealthSignals, limits: HealthThresholds) -> list[Finding]:
    if signals.sessions_prior == 0:
        return []
    if signals.sessions_recent < signals.sessions_prior * limits.engagement_min_ratio:
        days = limits.engagement_window_days
        return [
            Finding(
                Health.NEEDS_ATTENTION,
                "engagement_declining",
                f"Engagement declining: {_plural(signals.sessions_recent, 'customer session')} in the last "
                f"{days} days, {signals.sessions_prior} in the {days} before",
            )
        ]
    return []


def overdue_ticket_findings(signals: HealthSignals, limits: HealthThresholds) -> list[Finding]:
    if signals.overdue_tickets > limits.overdue_tickets_max:
        return [
            Finding(
                Health.NEEDS_ATTENTION,
                "overdue_tickets",
                f"{_plural(signals.overdue_tickets, 'overdue ticket')} (more than {limits.overdue_tickets_max})",
            )
        ]
    return []


def budget_findings(signals: HealthSignals, limits: HealthThresholds) -> list[Finding]:
    forecast = signals.budget
    if forecast is None or forecast.overrun <= limits.budget_overrun_max:
        return []
    amounts = f"{forecast.hours[0]:,.0f} h against {forecast.hours[1]:,.0f} h, " if forecast.hours else ""
    return [Finding(Health.NEEDS_ATTENTION, "forecast_over_budget",
                    f"Forecast {forecast.overrun:.0%} over budget ({amounts}{forecast.source})")]


def day_words(day: date | None) -> str:
    return f"{day:%a %d %b}" if day is not None else "in more than two years"


def slip_findings(signals: HealthSignals) -> list[Finding]:
    """The milestone forecast most late at 85% (the signals come worst first), and how many more."""
    if not signals.slipping:
        return []
    worst = signals.slipping[0]
    reason = (f"Forecast to slip: '{worst.name}' due {day_words(worst.due_on)}, likely done "
              f"{day_words(worst.likely_on)} (85%: {day_words(worst.safe_on)})")
    if len(signals.slipping) > 1:
        reason += f" (and {_plural(len(signals.slipping) - 1, 'more milestone')} forecast to slip)"
    return [Finding(Health.NEEDS_ATTENTION, "forecast_to_slip", reason)]


def assess(
    signals: HealthSignals,
    *,
    now: datetime,
    today: date,
    limits: HealthThresholds,
    override: Override | None = None,
) -> Assessment:
    findings = [
        *blocked_findings(signals, now, limits),
        *overdue_milestone_findings(signals, now, today),
        *timeline_pressure_findings(signals, now, today, limits),
        *engagement_findings(signals, limits),
        *overdue_ticket_findings(signals, limits),
        *budget_findings(signals, limits),
        *slip_findings(signals),
    ]
    findings.sort(key=lambda f: -f.health.severity)
    computed = findings[0].health if findings else Health.ON_TRACK
    active_override = override if override is not None and override.active(now) else None
    return Assessment(computed=computed, findings=findings, override=active_override)
