"""The portfolio answer of `/delivery status`."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import DividerBlock, HeaderBlock

from messages.blocks.common import (
    Reply,
    context,
    date_token,
    escape,
    fields_section,
    mrkdwn_section,
    plural,
    time_token,
)
from messages.blocks.health import service_health_line, service_summary
from store.enums import Health, Phase
from store.readmodels import PortfolioStatus

# Room for the fixed blocks around the list of services needing attention.
MAX_ATTENTION_ROWS = 40
MAX_MILESTONE_LINES = 25


def headline(status: PortfolioStatus) -> str:
    counts = status.health_counts
    attention = counts[Health.NEEDS_ATTENTION]
    return (
        f"{plural(status.active_services, 'active service')}. "
        f"{counts[Health.ON_TRACK]} on track, "
        f"{attention} {'needs' if attention == 1 else 'need'} attention, "
        f"{counts[Health.AT_RISK]} at risk."
    )


def _phases(status: PortfolioStatus) -> str:
    return " · ".join(f"{phase.label} {status.phase_counts[phase]}" for phase in Phase)


def _deliverables(status: PortfolioStatus) -> str:
    d = status.deliverables
    line = f"{d.done} complete · {d.in_progress} in progress · {d.blocked} blocked · {d.not_started} not started"
    share = d.on_schedule_share
    return line + ("" if share is None else f"\n{share:.0%} on schedule")


def _milestones(status: PortfolioStatus, tz: ZoneInfo) -> str:
    if not status.milestones_this_week:
        return "None due"
    lines = [
        f"{':white_check_mark: ' if m.done_on else ''}{escape(m.customer_name)}: {escape(m.name)} "
        f"({date_token(m.due_on, tz)})"
        for m in status.milestones_this_week[:MAX_MILESTONE_LINES]
    ]
    hidden = status.milestones_this_week_total - min(len(status.milestones_this_week), MAX_MILESTONE_LINES)
    if hidden > 0:
        lines.append(f"and {hidden} more")
    return "\n".join(lines)


EMPTY_TITLE = "No active services in this workspace yet."


def is_empty(status: PortfolioStatus) -> bool:
    """Nothing to report at all: a newly installed workspace, before its portfolio is imported."""
    return (status.active_services == 0 and status.deliverables.total == 0 and status.overdue_tickets == 0
            and not status.milestones_this_week and not status.needing_attention)


def empty_portfolio_message(status: PortfolioStatus) -> Reply:
    blocks = [
        HeaderBlock(text=EMPTY_TITLE),
        mrkdwn_section(
            "This workspace's delivery portfolio is empty, so there is no status to show. An ops person can "
            "bring the portfolio in from CSV files (`delivery-bot import`); then `/delivery status` answers "
            "here with services, health, deliverables, tickets and milestones."
        ),
        context(f"As of {time_token(status.as_of)} · `/delivery help` for more"),
    ]
    return Reply(text=EMPTY_TITLE, blocks=blocks, shareable=False)


def portfolio_status_message(status: PortfolioStatus, tz: ZoneInfo) -> Reply:
    if is_empty(status):
        return empty_portfolio_message(status)
    title = headline(status)
    overdue = status.overdue_tickets
    blocks = [
        HeaderBlock(text=title),
        fields_section(
            [
                f"*By phase*\n{_phases(status)}",
                f"*Deliverables*\n{_deliverables(status)}",
                f"*Overdue tickets*\n{overdue if overdue else 'None'}",
                f"*Milestones this week*\n{_milestones(status, tz)}",
            ]
        ),
    ]
    shown = status.needing_attention[:MAX_ATTENTION_ROWS]
    if shown:
        blocks.append(DividerBlock())
        blocks += [mrkdwn_section(service_health_line(view, status.as_of)) for view in shown]
    hidden = status.needing_attention_total - len(shown)
    if hidden > 0:
        blocks.append(mrkdwn_section(f"and {hidden} more services need attention."))
    blocks.append(context(f"As of {time_token(status.as_of)} · `/delivery help` for more"))
    summary = "; ".join(service_summary(v) for v in shown[:3])
    return Reply(text=title + (f" {summary}." if summary else ""), blocks=blocks)
