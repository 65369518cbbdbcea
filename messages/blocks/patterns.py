"""`/delivery patterns [N weeks]` (and the weekly patterns digest): blocker categories, recurring tickets,
reopen rate, cycle times, on-time rate by phase, and what works, this period against the one before."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block, HeaderBlock

from messages.blocks.common import (
    Reply,
    context,
    date_token,
    escape,
    escape_clipped,
    mrkdwn_section,
    plural,
    time_token,
    user_mention,
)
from messages.ids import ViewKind, ViewRef
from store.readmodels.patterns import PatternsReport, Period, Practice, Rate
from store.rules.patterns import RECURRING_MIN, TITLE_SIMILARITY

NAME_CHARS = 80
TITLE_CHARS = 120


def percent(rate: Rate) -> str:
    """'83% (10 of 12)', or 'none' with nothing to count."""
    share = rate.share
    return "none" if share is None else f"{share:.0%} ({rate.hits} of {rate.total})"


def days_words(days: float) -> str:
    return f"{days:.1f} days" if days != 1 else "1.0 day"


def period_words(period: Period, tz: ZoneInfo) -> str:
    return f"{date_token(period.first_day, tz)} – {date_token(period.last_day, tz)}"


def _blockers(report: PatternsReport) -> str:
    lines = [f"*Blockers* · {days_words(report.blocked_days)} blocked in "
             f"{plural(report.episodes, 'episode')} (before: {days_words(report.blocked_days_before)}, "
             f"{plural(report.episodes_before, 'episode')})"]
    shown = [c for c in report.categories if c.episodes or c.episodes_before]
    if not shown:
        return lines[0] + "\nNothing was blocked in either period."
    by_count = sorted(shown, key=lambda c: -c.episodes)
    for c in shown:
        lines.append(f"• {escape(c.category.label)}: {days_words(c.days)}, {plural(c.episodes, 'episode')} "
                     f"· before {days_words(c.days_before)}, {plural(c.episodes_before, 'episode')}")
    if by_count[0].episodes:
        lines.append(f"Most often: {escape(by_count[0].category.label)} ({plural(by_count[0].episodes, 'episode')})")
    return "\n".join(lines)


def _tickets(report: PatternsReport) -> str:
    lines = [f"*Recurring tickets* · {plural(report.type_clusters_total, 'customer and type pair')} with "
             f"{RECURRING_MIN}+ tickets in 4 weeks"]
    lines += [f"• {escape_clipped(c.customer_name, NAME_CHARS)}: {escape_clipped(c.type, NAME_CHARS)} ×{c.tickets}"
              for c in report.type_clusters]
    hidden = report.type_clusters_total - len(report.type_clusters)
    if hidden > 0:
        lines.append(f"and {hidden} more")
    lines.append(f"*Near-duplicate titles* · {plural(report.title_clusters_total, 'group')} of {RECURRING_MIN}+ "
                 f"(among the {plural(report.title_customers, 'busiest customer')} of "
                 f"{report.customers_with_tickets} with tickets)")
    lines += [f"• {escape_clipped(c.customer_name, NAME_CHARS)}: “{escape_clipped(c.title, TITLE_CHARS)}” "
              f"×{c.tickets}" + (f" ({c.variants} wordings)" if c.variants > 1 else "")
              for c in report.title_clusters]
    hidden = report.title_clusters_total - len(report.title_clusters)
    if hidden > 0:
        lines.append(f"and {hidden} more")
    return "\n".join(lines)


def _reopens(report: PatternsReport) -> str:
    reopens = report.reopens
    return (f"*Reopened deliverables* · {percent(reopens.deliverables)} "
            f"(before: {percent(reopens.deliverables_before)})\n{escape(reopens.tickets_note)}")


def _mean(days: float | None) -> str:
    return "none measured" if days is None else days_words(days)


def _cycle(report: PatternsReport) -> str:
    cycle = report.cycle
    lines = [f"*Cycle time*, start to complete · {_mean(cycle.mean_days)} on average "
             f"(before: {_mean(cycle.mean_days_before)}); {cycle.measured} of {cycle.completed} completions have "
             "a recorded start"]
    if cycle.by_phase:
        lines.append("By phase: " + ", ".join(f"{escape(g.label)} {days_words(g.mean_days)} ({g.completed})"
                                             for g in cycle.by_phase))
    if cycle.by_type:
        lines.append("By deliverable (same name): " + ", ".join(
            f"{escape_clipped(g.label, NAME_CHARS)} {days_words(g.mean_days)} ({g.completed})" for g in cycle.by_type)
            + (f" and {cycle.types_total - len(cycle.by_type)} more" if cycle.types_total > len(cycle.by_type) else ""))
    if report.on_time:
        lines.append("*On time by phase* · " + ", ".join(
            f"{row.phase.label} {percent(row.now)} (before {percent(row.before)})" for row in report.on_time))
    return "\n".join(lines)


def _practice(practice: Practice) -> str:
    if practice.person is not None:
        who = user_mention(practice.person.slack_user_id, practice.person.name)
    elif practice.service is not None:
        who = escape_clipped(practice.service.label, NAME_CHARS)
    else:
        who = "someone"
    return f"• {who}: on time {percent(practice.on_time)}, {days_words(practice.blocked_days)} blocked"


def _works(report: PatternsReport) -> str:
    lines = [f"*What works* · best on-time rate, then fewest blocked days, of those with at least "
             f"{report.min_sample} completions due in the period"]
    if report.owners:
        lines += ["Owners:", *(_practice(p) for p in report.owners)]
    if report.services:
        lines += ["Services:", *(_practice(p) for p in report.services)]
    if not report.owners and not report.services:
        lines.append(f"No owner or service completed {report.min_sample} dated deliverables in the period.")
    return "\n".join(lines)


def _fallback(report: PatternsReport) -> str:
    top = next((c for c in report.categories if c.days), None)
    blockers = (f"top blocker {top.category.label} ({days_words(top.days)})" if top
                else "no blocked days")
    on_time = [row.now for row in report.on_time]
    hits, total = sum(r.hits for r in on_time), sum(r.total for r in on_time)
    rate = f"{hits / total:.0%} on time" if total else "no dated completions"
    return (f"Patterns, last {plural(report.period.weeks, 'week')}: {blockers}, "
            f"{plural(report.type_clusters_total, 'recurring ticket cluster')}, {rate}.")


def patterns_message(report: PatternsReport, tz: ZoneInfo, *, title: str = "Patterns",
                     view: ViewRef | None = None) -> Reply:
    """The report as one message: a header, six sections and a footer (well under 50 blocks)."""
    weeks = report.period.weeks
    blocks: list[Block] = [
        HeaderBlock(text=f"{title} · last {plural(weeks, 'whole week')}"),
        mrkdwn_section(f"{period_words(report.period, tz)}, against {period_words(report.before, tz)}"),
        mrkdwn_section(_blockers(report)),
        mrkdwn_section(_tickets(report)),
        mrkdwn_section(_reopens(report)),
        mrkdwn_section(_cycle(report)),
        mrkdwn_section(_works(report)),
        context(f"As of {time_token(report.as_of)} · near-duplicates: titles {TITLE_SIMILARITY}%+ alike · "
                f"`/delivery patterns [1-26 weeks]` · definitions: docs/metrics.md"),
    ]
    return Reply(text=_fallback(report), blocks=blocks, view=view or ViewRef(k=ViewKind.PATTERNS, wk=weeks))
