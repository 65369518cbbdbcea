"""The answer of `/delivery tickets [by customer|type|owner]`."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block, DividerBlock, HeaderBlock

from messages.blocks.common import (
    MAX_MESSAGE_BLOCKS,
    MAX_SECTION_TEXT,
    Reply,
    clip,
    context,
    date_token,
    escape,
    fields_section,
    mrkdwn_section,
    plural,
    time_token,
)
from messages.blocks.ticket_rows import ticket_section
from messages.ids import ViewKind, ViewRef
from store.readmodels.tickets import OverdueTicket, TicketGroup, TicketGrouping, TicketReport

TITLE = "Tickets this week"
MAX_OVERDUE_LINES = 15
MAX_GROUP_LINES = 50  # the report holds at most store.queries.tickets.MAX_SHOWN_GROUPS (50) groups
MAX_GROUP_SECTIONS = 3
# Room kept free in a section for the closing "and N more" line.
MORE_ROOM = 40
# User text is clipped before escaping, so no line can outgrow a section however it escapes.
NAME_CHARS, TITLE_CHARS = 60, 100


def signed(value: float, decimals: int = 0) -> str:
    """A change with its sign: +2, −2 (a real minus sign), ±0. The sign follows the rounded figure."""
    shown = f"{abs(value):.{decimals}f}"
    if float(shown) == 0:
        return f"±{shown}"
    return ("+" if value > 0 else "\u2212") + shown


def age_text(age: timedelta) -> str:
    """How long past due, coarse enough to read at a glance: 2 d 4 h, 5 h, 12 min."""
    minutes = max(1, int(age.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours = rest // 60
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    return f"{hours} h" if hours else f"{minutes} min"


def _flow_fields(report: TicketReport) -> list[str]:
    this, change = report.this_week, report.change
    average = "none resolved" if this.avg_resolution_hours is None else f"{this.avg_resolution_hours:.1f} h"
    if change.avg_resolution_hours is not None:
        average += f" ({signed(change.avg_resolution_hours, 1)} h)"
    return [
        f"*Opened*\n{this.opened} ({signed(change.opened)} vs last week)",
        f"*Resolved*\n{this.resolved} ({signed(change.resolved)})",
        f"*Avg resolution*\n{average}",
        f"*SLA compliance*\n{_sla(report)}",
    ]


def _sla(report: TicketReport) -> str:
    sla = report.sla
    target = f"target {sla.target:.0%}"
    if sla.share is None:
        return f"nothing resolved or due yet ({target})"
    warning = "" if sla.meets_target else ":warning: "
    return f"{warning}{sla.share:.0%} ({target})\n{sla.met} of {sla.denominator} within SLA"


def overdue_line(ticket: OverdueTicket) -> str:
    owner = escape(clip(ticket.owner_name, NAME_CHARS)) if ticket.owner else "_unassigned_"
    return (
        f"• {age_text(ticket.age)} overdue · *{escape(clip(ticket.customer_name, NAME_CHARS))}*: "
        f"{escape(clip(ticket.title, TITLE_CHARS))} · {escape(clip(ticket.priority, NAME_CHARS))} priority · "
        f"{owner}"
    )


def group_line(group: TicketGroup) -> str:
    return (
        f"• *{escape(clip(group.name, NAME_CHARS))}* — {group.open_now} open · "
        f"{group.opened} opened · {group.resolved} resolved"
    )


def fit_sections(head: str, lines: list[str], *, total: int, max_sections: int) -> list[str]:
    """`head` and as many lines as fit in `max_sections` sections, then "and N more".

    `total` counts every item, including those the query never fetched.
    """
    texts: list[str] = []
    current, shown = head, 0
    for line in lines:
        if len(current) + 1 + len(line) > MAX_SECTION_TEXT - MORE_ROOM:
            if len(texts) + 1 >= max_sections:
                break
            texts.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
        shown += 1
    if total > shown:
        current += f"\nand {total - shown} more"
    return [*texts, current]


def overdue_ticket_blocks(tickets: list[OverdueTicket], total: int, view: ViewRef | None, *, title: str,
                          max_rows: int, more_hint: str = "") -> list[Block]:
    """A title, one row per overdue ticket (with its menu when a view is given), then "and N more".

    At most `max_rows` rows; the blocks are then at most `max_rows` + 2.
    """
    shown = tickets[:max(0, max_rows)]
    blocks: list[Block] = [mrkdwn_section(title)]
    blocks += [ticket_section(overdue_line(t), ticket_id=t.ticket_id, version=t.version, view=view) for t in shown]
    if total > len(shown):
        blocks.append(mrkdwn_section(f"and {total - len(shown)} more{more_hint}"))
    return blocks


def _overdue_blocks(report: TicketReport, view: ViewRef) -> list[Block]:
    if not report.overdue_total:
        return [mrkdwn_section("*Overdue tickets*\nNone overdue")]
    return overdue_ticket_blocks(report.overdue, report.overdue_total, view, max_rows=MAX_OVERDUE_LINES,
                                 title=f"*Overdue tickets ({report.overdue_total})*, oldest first")


def _breakdown_blocks(report: TicketReport, max_sections: int) -> list[Block]:
    head = f"*By {report.breakdown.value}*: open now · opened this week · resolved this week"
    if not report.group_total:
        return [mrkdwn_section(f"{head}\nNo open tickets, none opened or resolved this week")]
    lines = [group_line(group) for group in report.groups[:MAX_GROUP_LINES]]
    texts = fit_sections(head, lines, total=report.group_total, max_sections=max_sections)
    return [mrkdwn_section(text) for text in texts]


def _footer(report: TicketReport, tz: ZoneInfo) -> Block:
    others = " · ".join(f"`/delivery tickets by {g.value}`" for g in TicketGrouping if g != report.breakdown)
    return context(
        f"Week of {date_token(report.week_first_day, tz)} · As of {time_token(report.as_of)} · {others}"
    )


def summary_text(report: TicketReport) -> str:
    """The notification text: the figures only, no user text, so nothing in it needs escaping."""
    this, change = report.this_week, report.change
    average = "" if this.avg_resolution_hours is None else f", average resolution {this.avg_resolution_hours:.1f} h"
    overdue = plural(report.overdue_total, "overdue ticket") if report.overdue_total else "No overdue tickets"
    share = report.sla.share
    sla = "" if share is None else f" SLA {share:.0%}."
    return (
        f"{TITLE}: {this.opened} opened ({signed(change.opened)}), {this.resolved} resolved "
        f"({signed(change.resolved)}){average}. {overdue}.{sla}"
    )


def tickets_message(report: TicketReport, tz: ZoneInfo) -> Reply:
    """Flow, SLA, overdue tickets (each with its menu) and the breakdown, within 49 blocks (one left for
    a share button)."""
    view = ViewRef(k=ViewKind.TICKETS, b=report.breakdown)
    blocks: list[Block] = [
        HeaderBlock(text=TITLE),
        fields_section(_flow_fields(report)),
        DividerBlock(),
        *_overdue_blocks(report, view),
        DividerBlock(),
    ]
    room = MAX_MESSAGE_BLOCKS - 1 - len(blocks) - 1
    blocks += _breakdown_blocks(report, max_sections=min(MAX_GROUP_SECTIONS, room))
    blocks.append(_footer(report, tz))
    shows = {("service", t.service_id) for t in report.overdue[:MAX_OVERDUE_LINES] if t.service_id is not None}
    return Reply(text=summary_text(report), blocks=blocks, view=view, shows=frozenset(shows))
