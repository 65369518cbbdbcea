"""Usage: what `/delivery` understands, and what to type after a mistake."""

from __future__ import annotations

from slack_sdk.models.blocks import Block, HeaderBlock

from messages.blocks.common import Reply, context, escape, mrkdwn_section

COMMANDS = (
    ("/delivery status", "the portfolio: health, phases, deliverables, tickets, milestones this week"),
    ("/delivery status <service or customer>",
     "one service's card, or a customer's with several services (also `/delivery service <name>`)"),
    ("/delivery customers", "each customer's relationship health, struggling first, with the reasons"),
    ("/delivery capacity", "who is overloaded and who has room; utilization this week"),
    ("/delivery budget", "services over or forecast over budget, margins, project success rate"),
    ("/delivery at-risk", "services at risk or needing attention, blocked work, overdue tickets"),
    ("/delivery tickets [by customer|type|owner]", "this week's ticket flow, overdue tickets, SLA"),
    ("/delivery milestones [this week|next week|overdue]", "milestones in that window"),
    ("/delivery trends",
     "the last 8 weeks: health mix, on schedule and SLA against targets, billable by person; with charts"),
    ("/delivery mine", "your services, deliverables, tickets, tasks and appointments"),
    ("/delivery history <service>", "recent changes: who, what, from, to, why, when"),
    ("/delivery forecast [service]",
     "milestones forecast to slip, from recent weekly throughput; a service's milestones and all its open work"),
    ("/delivery patterns [N weeks]",
     "the last N whole weeks (default 4, up to 26) against the N before: blocker categories, recurring tickets, "
     "reopen rate, cycle times, on time by phase, what works"),
    ("/delivery subscribe <digest> [HH:MM] [weekdays|daily|mon,wed,fri] [time zone] [all-clear] [no-charts]",
     "this channel gets a digest (at-risk, overdue-tickets, weekly-portfolio, patterns); leads and ops; "
     "no-charts: text only (charts again: `charts`)"),
    ("/delivery subscribe sla-warnings",
     "this channel gets a post when an open ticket breaches its SLA; leads and ops"),
    ("/delivery subscribe escalations",
     "this channel gets the last step of blocked deliverables' escalations; leads and ops"),
    ("/delivery unsubscribe <digest>|sla-warnings|escalations · /delivery subscriptions",
     "stop a channel's digest or warnings · list them all"),
    ("/delivery digest off|on", "your personal morning DM"),
    ("/delivery help", "this list"),
)


def usage_message(problem: str | None = None) -> Reply:
    # Literal angle brackets would read as links in mrkdwn.
    lines = "\n".join(f"`{escape(command)}` — {escape(what)}" for command, what in COMMANDS)
    blocks: list[Block] = []
    if problem:
        blocks.append(mrkdwn_section(f":warning: {escape(problem)}"))
    blocks += [
        HeaderBlock(text="Delivery bot"),
        mrkdwn_section(lines),
        context("Answers are only visible to you."),
    ]
    text = f"{escape(problem)} Try /delivery status." if problem else "Delivery bot: /delivery status, /delivery help"
    return Reply(text=text, blocks=blocks, shareable=False)
