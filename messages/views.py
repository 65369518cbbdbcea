"""The one table of views: for every kind of message the bot shows, the store query it reads, the
renderer that draws it, the `/delivery` text that shows it again, and the figures it shows.

Commands (handlers/commands), the redraw of posted messages after a change (handlers/rerender.py),
App Home and the digests (digests/runner.py) all ask `show` for a view by its `ViewRef`; none of
them knows another table. Adding a view is one row here and one renderer in `messages/blocks` or
`messages/digests`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from messages.blocks.at_risk import at_risk_message
from messages.blocks.budget import budget_message
from messages.blocks.capacity import capacity_message
from messages.blocks.common import Reply
from messages.blocks.customers import customer_card_message, customers_message
from messages.blocks.escalation import follow_up_reply
from messages.blocks.forecast import forecast_message
from messages.blocks.help import reallocation_message
from messages.blocks.history import history_message
from messages.blocks.home import home_message
from messages.blocks.milestones import milestones_message
from messages.blocks.mine import mine_message
from messages.blocks.patterns import patterns_message
from messages.blocks.portfolio import portfolio_status_message
from messages.blocks.service_card import choices_message, no_match_message, service_card_message
from messages.blocks.sla_warning import sla_rollup_message, sla_warning_message
from messages.blocks.slip_warning import slip_warning_message
from messages.blocks.tickets import tickets_message
from messages.blocks.trends import trends_message
from messages.charts import ChartDraft
from messages.charts.drafts import patterns_charts, portfolio_charts, trends_charts
from messages.digests import at_risk as at_risk_digest_renderer
from messages.digests import overdue_tickets as overdue_tickets_renderer
from messages.digests import patterns as patterns_digest_renderer
from messages.digests import personal as personal_renderer
from messages.digests import weekly_portfolio as weekly_renderer
from messages.ids import ViewKind, ViewRef
from store.enums import DigestKind, MilestoneWindow
from store.queries.at_risk import at_risk_report
from store.queries.budget import budget_report
from store.queries.capacity import capacity_report
from store.queries.customers import customer_relationships
from store.queries.digests import at_risk_digest, overdue_tickets_digest
from store.queries.escalations import escalation_view, snooze_return_view
from store.queries.forecast import forecast_report, slip_warning
from store.queries.history import service_history
from store.queries.milestones import milestone_list
from store.queries.mine import my_day, my_work
from store.queries.patterns import patterns_report
from store.queries.reallocation import reallocation_view
from store.queries.service_card import lookup_service, service_card
from store.queries.sla import rolled_up, sla_warning
from store.queries.tickets import ticket_report
from store.queries.trends import trends
from store.queries.weekly import weekly_portfolio
from store.readmodels import MyWork, PortfolioStatus, ServiceLookup
from store.readmodels.history import ServiceHistory
from store.readmodels.tickets import TicketGrouping
from store.workspace import Workspace

Model = TypeVar("Model")


@dataclass(frozen=True)
class View(Generic[Model]):
    # The store query: (workspace, the view's parameters, who is looking) -> a read model.
    query: Callable[[Workspace, ViewRef, str | None], Model]
    # The renderer: (read model, the organisation's time zone, all_clear) -> the message. Only a
    # digest can be empty (None): unless `all_clear` asks for a message saying so.
    render: Callable[[Model, ZoneInfo, bool], Reply | None]
    # The `/delivery` text that shows this view live (a Share button, a redrawn ephemeral answer).
    again: Callable[[ViewRef, Model], str]
    # The figures it shows, by their key in store/metrics.py (`delivery-bot ask --explain`).
    figures: tuple[str, ...] = ()
    # It shows money to a viewer who may see it (store.rules.permissions.sees_money): the query is
    # told who is looking only when the message is theirs alone (`private`).
    need_to_know: bool = False
    # The charts it has (messages/charts), drawn only when it is sent with them: (the workspace, the
    # read model) -> drafts. A digest's subscription may turn them off; an upload that fails leaves the text.
    charts: Callable[[Workspace, Model], tuple[ChartDraft, ...]] | None = None


@dataclass(frozen=True)
class Shown:
    reply: Reply
    again: str


def show(workspace: Workspace, ref: ViewRef, viewer: str | None = None, *, all_clear: bool = True,
         private: bool = False) -> Shown | None:
    """The view as it stands now. None only for an empty digest when `all_clear` is False. `private`:
    only `viewer` will read it (an ephemeral answer, their App Home), so it may show them money."""
    view: View[Any] = VIEWS[ref.k]
    model = view.query(workspace, ref, viewer if private or not view.need_to_know else None)
    reply = view.render(model, workspace.tz, all_clear)
    if reply is None:
        return None
    if view.charts is not None:
        reply = replace(reply, charts=view.charts(workspace, model))
    return Shown(reply, view.again(ref, model))


def show_now(workspace: Workspace, ref: ViewRef, viewer: str | None = None, *, private: bool = False) -> Shown:
    """The view as it stands now; every view gives a message when asked for one."""
    shown = show(workspace, ref, viewer, all_clear=True, private=private)
    if shown is None:
        raise RuntimeError(f"the {ref.k} view drew nothing although asked for a message")
    return shown


# ---- how each view reads and draws ----------------------------------------------------------------

def _viewer(viewer: str | None, ref: ViewRef) -> str:
    if not viewer:
        raise ValueError(f"the {ref.k} view is someone's: give the Slack user it is for")
    return viewer


def _always(render: Callable[[Model, ZoneInfo], Reply]) -> Callable[[Model, ZoneInfo, bool], Reply | None]:
    """A renderer that always draws a message: it has no use for all_clear."""
    return lambda model, tz, _all_clear: render(model, tz)


def _digest(render: Callable[..., Reply | None]) -> Callable[[Any, ZoneInfo, bool], Reply | None]:
    return lambda model, tz, all_clear: render(model, tz, all_clear=all_clear)


def _card(workspace: Workspace, ref: ViewRef, viewer: str | None):
    if ref.s is None:
        raise LookupError("a card view that names no service")
    return workspace.read(service_card, service_id=ref.s, viewer=viewer)


def _ticket(ref: ViewRef) -> int:
    if ref.t is None:
        raise LookupError("an SLA warning view that names no ticket")
    return ref.t


def _milestone(ref: ViewRef) -> int:
    if ref.ms is None:
        raise LookupError("a slip warning view that names no milestone")
    return ref.ms


def _proposal(ref: ViewRef) -> int:
    if ref.p is None:
        raise LookupError("a reallocation view that names no proposal")
    return ref.p


def _step(ref: ViewRef) -> int:
    if ref.es is None:
        raise LookupError("an escalation view that names no step")
    return ref.es


def _deliverable(ref: ViewRef) -> int:
    if ref.d is None:
        raise LookupError("a snooze's return view that names no deliverable")
    return ref.d


def _rollup(ref: ViewRef) -> dict[str, Any]:
    if ref.c is None or ref.h is None:
        raise LookupError("an SLA summary view that names no channel or hour")
    return {"channel_id": ref.c, "hour": datetime.fromtimestamp(ref.h * 3600, UTC)}


def _lookup_message(lookup: ServiceLookup, tz: ZoneInfo) -> Reply:
    if lookup.card is not None:
        return service_card_message(lookup.card, tz)
    if lookup.customer is not None:
        return customer_card_message(lookup.customer, ViewRef(k=ViewKind.LOOKUP, n=lookup.query))
    if lookup.choices:
        return choices_message(lookup)
    return no_match_message(lookup)


def _history_message(history: ServiceHistory, tz: ZoneInfo) -> Reply:
    """The service's history when the name found one; else the same choices or closest names as a lookup."""
    if history.lookup.card is not None:
        return history_message(history)
    return _lookup_message(history.lookup, tz)


def _window(ref: ViewRef) -> MilestoneWindow:
    return ref.m or MilestoneWindow.THIS_WEEK


def _breakdown(ref: ViewRef) -> TicketGrouping:
    return ref.b or TicketGrouping.CUSTOMER


def _home(workspace: Workspace, ref: ViewRef, viewer: str | None) -> tuple[PortfolioStatus, MyWork]:
    return workspace.portfolio_status(), workspace.read(my_work, slack_user_id=_viewer(viewer, ref))


SERVICE_FIGURES = ("shown_health", "deliverables_by_status", "days_blocked", "budget_burn", "complete_share",
                   "remaining_hours", "estimate_at_completion", "forecast_overrun", "service_margin",
                   "deliverable_snooze", "escalation_step")
BUDGET_FIGURES = ("budget_burn", "complete_share", "remaining_hours", "estimate_at_completion", "forecast_overrun",
                  "service_margin", "portfolio_margin", "customer_margin", "project_success_rate")
TICKET_FIGURES = ("tickets_opened", "tickets_resolved", "avg_resolution_hours", "tickets_change",
                  "overdue_ticket_age", "sla_compliance", "ticket_breakdown")
MINE_FIGURES = ("my_work", "deliverables_by_status", "shown_health", "days_blocked", "available_hours",
                "utilization", "billable_share", "scheduled_next_week")
AT_RISK_FIGURES = ("shown_health", "health_since", "days_blocked", "overdue_ticket_age", "load_state",
                   "deliverable_snooze", "escalation_step")
FORECAST_FIGURES = ("weekly_throughput", "forecast_open_work", "forecast_dates", "milestone_slip")
TREND_FIGURES = ("health_mix_weekly", "on_schedule_week_end", "on_schedule_target", "sla_compliance_week",
                 "billable_by_person", "team_billable_share")
CUSTOMER_FIGURES = ("relationship_health", "customer_services_health", "customer_sessions", "customer_tickets_trend",
                    "customer_sla_misses", "customer_overdue_deliverables")
PATTERN_FIGURES = ("pattern_period", "blocker_days", "blocker_episodes", "recurring_tickets",
                   "near_duplicate_tickets", "reopen_rate", "cycle_time", "phase_on_time", "what_works")
DIGEST_PATTERN_WEEKS = 4

VIEWS: dict[ViewKind, View[Any]] = {
    ViewKind.STATUS: View(
        query=lambda workspace, _ref, _viewer: workspace.portfolio_status(),
        render=_always(portfolio_status_message),
        again=lambda _ref, _status: "status",
        figures=("active_services", "services_by_health", "services_by_phase", "deliverables_by_status",
                 "on_schedule_share", "overdue_tickets", "milestones_this_week", "shown_health", "health_since")),
    ViewKind.LOOKUP: View(
        query=lambda workspace, ref, viewer: workspace.read(lookup_service, name=ref.n or "", viewer=viewer,
                                                            customers=True),
        render=_always(_lookup_message),
        again=lambda ref, _lookup: f"status {ref.n}",
        figures=SERVICE_FIGURES + CUSTOMER_FIGURES, need_to_know=True),
    ViewKind.CARD: View(
        query=_card,
        render=_always(service_card_message),
        again=lambda _ref, card: f"status {card.ref.label}",
        figures=SERVICE_FIGURES, need_to_know=True),
    ViewKind.CAPACITY: View(
        query=lambda workspace, _ref, _viewer: workspace.read(capacity_report),
        render=_always(capacity_message),
        again=lambda _ref, _report: "capacity",
        figures=("service_load", "load_state", "available_hours", "utilization", "billable_share",
                 "scheduled_next_week", "room_next_week", "team_utilization", "team_billable_share",
                 "appointments_this_week", "person_open_tickets", "person_blocked_deliverables")),
    ViewKind.BUDGET: View(
        query=lambda workspace, _ref, viewer: workspace.read(budget_report, viewer=viewer),
        render=_always(budget_message),
        again=lambda _ref, _report: "budget",
        figures=BUDGET_FIGURES, need_to_know=True),
    ViewKind.AT_RISK: View(
        query=lambda workspace, _ref, _viewer: workspace.read(at_risk_report),
        render=_always(at_risk_message),
        again=lambda _ref, _report: "at-risk",
        figures=AT_RISK_FIGURES),
    ViewKind.TICKETS: View(
        query=lambda workspace, ref, _viewer: workspace.read(ticket_report, breakdown=_breakdown(ref).value),
        render=_always(tickets_message),
        again=lambda ref, _report: f"tickets by {_breakdown(ref).value}",
        figures=TICKET_FIGURES),
    ViewKind.MILESTONES: View(
        query=lambda workspace, ref, _viewer: workspace.read(milestone_list, window=_window(ref).value),
        render=_always(milestones_message),
        again=lambda ref, _listing: f"milestones {_window(ref).value}",
        figures=("milestone_window",)),
    ViewKind.MINE: View(
        query=lambda workspace, ref, viewer: workspace.read(my_work, slack_user_id=_viewer(viewer, ref)),
        render=_always(mine_message),
        again=lambda _ref, _work: "mine",
        figures=MINE_FIGURES),
    ViewKind.HISTORY: View(
        query=lambda workspace, ref, _viewer: workspace.read(service_history, name=ref.n or ""),
        render=_always(_history_message),
        again=lambda ref, _history: f"history {ref.n}"),
    ViewKind.FORECAST: View(
        query=lambda workspace, ref, _viewer: workspace.read(forecast_report, name=ref.n),
        render=_always(forecast_message),
        again=lambda ref, _report: f"forecast {ref.n}" if ref.n else "forecast",
        figures=FORECAST_FIGURES),
    ViewKind.TRENDS: View(
        query=lambda workspace, _ref, _viewer: workspace.read(trends),
        render=_always(trends_message),
        again=lambda _ref, _data: "trends",
        figures=TREND_FIGURES,
        charts=lambda workspace, data: trends_charts(data, workspace.tz)),
    ViewKind.PATTERNS: View(
        query=lambda workspace, ref, _viewer: workspace.read(patterns_report, weeks=ref.wk or DIGEST_PATTERN_WEEKS),
        render=_always(lambda report, tz: patterns_message(report, tz)),
        again=lambda _ref, report: f"patterns {report.period.weeks}",
        figures=PATTERN_FIGURES,
        charts=lambda _workspace, report: patterns_charts(report)),
    ViewKind.CUSTOMERS: View(
        query=lambda workspace, _ref, _viewer: workspace.read(customer_relationships),
        render=_always(customers_message),
        again=lambda _ref, _listing: "customers",
        figures=CUSTOMER_FIGURES),
    ViewKind.HOME: View(
        query=_home,
        render=_always(lambda both, tz: home_message(both[0], both[1], tz)),
        again=lambda _ref, _both: "status"),
    ViewKind.SLA_WARNING: View(
        query=lambda workspace, ref, _viewer: workspace.read(sla_warning, ticket_id=_ticket(ref)),
        render=_always(sla_warning_message),
        again=lambda _ref, _warning: "tickets by owner",
        figures=("sla_warning_level", "sla_elapsed_share", "sla_resolved_margin")),
    ViewKind.SLA_ROLLUP: View(
        query=lambda workspace, ref, _viewer: workspace.read(rolled_up, **_rollup(ref)),
        render=_always(sla_rollup_message),
        again=lambda _ref, _rollup: "at-risk",
        figures=("sla_warning_level", "sla_channel_budget")),
    ViewKind.SLIP_WARNING: View(
        query=lambda workspace, ref, _viewer: workspace.read(slip_warning, milestone_id=_milestone(ref)),
        render=_always(slip_warning_message),
        again=lambda ref, warning: f"forecast {warning.service.service_name}",
        figures=("forecast_dates", "milestone_slip")),
    ViewKind.REALLOCATION: View(
        query=lambda workspace, ref, _viewer: workspace.read(reallocation_view, proposal_id=_proposal(ref)),
        render=_always(reallocation_message),
        again=lambda _ref, proposal: f"status {proposal.service.customer_name} {proposal.service.service_name}",
        figures=("help_free_hours", "help_skills", "help_customer", "help_billable_room", "help_rank",
                 "reallocation_expiry")),
    ViewKind.ESCALATION: View(
        query=lambda workspace, ref, _viewer: workspace.read(escalation_view, step_id=_step(ref)),
        render=_always(follow_up_reply),
        again=lambda _ref, view: f"status {view.service.customer_name} {view.service.service_name}",
        figures=("days_blocked", "escalation_step", "deliverable_snooze")),
    ViewKind.SNOOZE_RETURN: View(
        query=lambda workspace, ref, _viewer: workspace.read(snooze_return_view, deliverable_id=_deliverable(ref)),
        render=_always(follow_up_reply),
        again=lambda _ref, view: f"status {view.service.customer_name} {view.service.service_name}",
        figures=("days_blocked", "escalation_step", "deliverable_snooze")),
    ViewKind.DIGEST_AT_RISK: View(
        query=lambda workspace, _ref, _viewer: workspace.read(at_risk_digest),
        render=_digest(at_risk_digest_renderer.render),
        again=lambda _ref, _data: "at-risk",
        figures=("shown_health", "health_since", "days_blocked", "service_load", "load_state",
                 "milestones_in_trouble", "deliverable_snooze")),
    ViewKind.DIGEST_OVERDUE_TICKETS: View(
        query=lambda workspace, _ref, _viewer: workspace.read(overdue_tickets_digest),
        render=_digest(overdue_tickets_renderer.render),
        again=lambda _ref, _data: "tickets by owner",
        figures=("overdue_tickets", "overdue_ticket_age", "tickets_yesterday")),
    ViewKind.DIGEST_WEEKLY_PORTFOLIO: View(
        query=lambda workspace, _ref, _viewer: workspace.read(weekly_portfolio),
        render=_digest(weekly_renderer.render),
        again=lambda _ref, _data: "status",
        figures=("active_services", "services_by_health", "health_week_ago", "load_state", "team_utilization",
                 "team_billable_share", "billable_in_band", "on_schedule_share", "on_schedule_week_ago",
                 "deliverables_by_status", "sla_compliance_week", "week_margin", "project_success_rate",
                 "services_by_phase", "health_change",
                 "engagement_declining", "customer_org_flags"),
        # The trends' health mix and compliance charts, read only for a subscription that wants charts.
        charts=lambda workspace, _data: portfolio_charts(lambda: workspace.read(trends), workspace.tz)),
    ViewKind.DIGEST_PATTERNS: View(
        query=lambda workspace, _ref, _viewer: workspace.read(patterns_report, weeks=DIGEST_PATTERN_WEEKS),
        render=_digest(patterns_digest_renderer.render),
        again=lambda _ref, _report: f"patterns {DIGEST_PATTERN_WEEKS}",
        figures=PATTERN_FIGURES,
        charts=lambda _workspace, report: patterns_charts(report)),
    ViewKind.DIGEST_PERSONAL: View(
        query=lambda workspace, ref, viewer: workspace.read(my_day, slack_user_id=_viewer(viewer, ref)),
        render=_digest(personal_renderer.render),
        again=lambda _ref, _data: "mine",
        figures=("personal_digest", "days_blocked", "overdue_ticket_age")),
}


# ---- the digests: which view each is ----------------------------------------------------------------

DIGEST_VIEWS: dict[DigestKind, ViewKind] = {
    DigestKind.AT_RISK: ViewKind.DIGEST_AT_RISK,
    DigestKind.OVERDUE_TICKETS: ViewKind.DIGEST_OVERDUE_TICKETS,
    DigestKind.WEEKLY_PORTFOLIO: ViewKind.DIGEST_WEEKLY_PORTFOLIO,
    DigestKind.PERSONAL: ViewKind.DIGEST_PERSONAL,
    DigestKind.PATTERNS: ViewKind.DIGEST_PATTERNS,
}
DIGEST_FIGURES: dict[DigestKind, list[str]] = {kind: list(VIEWS[view].figures) for kind, view in DIGEST_VIEWS.items()}


def digest_has_charts(kind: DigestKind) -> bool:
    """Whether the digest attaches charts (so whether a subscription's `charts` choice means anything)."""
    return VIEWS[DIGEST_VIEWS[DigestKind(kind)]].charts is not None


def build_digest(kind: DigestKind, workspace: Workspace, *, slack_user_id: str | None = None,
                 all_clear: bool = False) -> Reply | None:
    """The digest as it stands now; None when it has nothing in it, unless `all_clear` asks for a
    message saying so. The personal digest needs the Slack user it is for."""
    shown = show(workspace, ViewRef(k=DIGEST_VIEWS[DigestKind(kind)]), slack_user_id, all_clear=all_clear)
    return None if shown is None else shown.reply
