"""`/delivery at-risk`: where to act today."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block, DividerBlock, HeaderBlock, MarkdownTextObject, SectionBlock

from messages.blocks.capacity import load_line
from messages.blocks.common import (
    MAX_MESSAGE_BLOCKS,
    MAX_SECTION_TEXT,
    Reply,
    clip,
    context,
    escape,
    mrkdwn_section,
    plural,
    time_token,
)
from messages.blocks.deliverables import deliverable_row
from messages.blocks.health import service_health_line, service_summary
from messages.blocks.help import find_help_button
from messages.blocks.sla_warning import held_line
from messages.blocks.tickets import overdue_ticket_blocks
from messages.ids import ViewKind, ViewRef
from store.readmodels import ServiceHealthView
from store.readmodels.at_risk import AtRiskReport

# Fixed blocks: header, up to 5 titled sections, 2 dividers, footer; one left for Share.
MAX_SERVICE_SECTIONS = MAX_MESSAGE_BLOCKS - 13
# Overdue tickets get one row each (with "Assign to me" / "Resolve"), taken from the services' share.
MAX_TICKET_ROWS = 10


def _list_section(title: str, rows: list[str], total: int, more_hint: str) -> str:
    text = f"*{title}*\n" + ("\n".join(rows) if rows else "None")
    hidden = total - len(rows)
    return text + (f"\nand {hidden} more; {more_hint}" if hidden > 0 else "")


def _service_section(service: ServiceHealthView, now: datetime, view: ViewRef) -> SectionBlock:
    """The service's health line, with "Find help" next to it."""
    return SectionBlock(text=MarkdownTextObject(text=clip(service_health_line(service, now), MAX_SECTION_TEXT)),
                        accessory=find_help_button(service.service_id, view))


def at_risk_message(report: AtRiskReport, tz: ZoneInfo) -> Reply:
    now = report.as_of
    services = [*report.at_risk, *report.needs_attention]
    total = report.at_risk_total + report.needs_attention_total
    title = (f"{plural(report.at_risk_total, 'service')} at risk, {report.needs_attention_total} "
             f"{'needs' if report.needs_attention_total == 1 else 'need'} attention")
    blocks: list[Block] = [HeaderBlock(text=title)]
    view = ViewRef(k=ViewKind.AT_RISK)
    ticket_rows = min(len(report.overdue), MAX_TICKET_ROWS)
    # The overdue tickets take a title, their rows and an "and N more" instead of one section.
    shown = services[:MAX_SERVICE_SECTIONS - (ticket_rows + 1 if report.overdue_total else 0)]
    blocks += [_service_section(service, now, view) for service in shown]
    if total > len(shown):
        blocks.append(mrkdwn_section(f"and {total - len(shown)} more services; "
                                     "`/delivery status &lt;name&gt;` shows one"))
    if not services:
        blocks.append(mrkdwn_section(":large_green_circle: Every active service is on track."))
    blocks.append(DividerBlock())
    blocked_rows = [f"{deliverable_row(b.deliverable, now=now, tz=tz)} · {escape(b.service.customer_name)}"
                    for b in report.blocked]
    blocks.append(mrkdwn_section(_list_section(
        "Blocked deliverables", blocked_rows, report.blocked_total, "`/delivery status &lt;service&gt;` lists them"
    )))
    if report.overdue_total:
        blocks += overdue_ticket_blocks(report.overdue, report.overdue_total, view, title="*Overdue tickets*",
                                        max_rows=ticket_rows, more_hint="; `/delivery tickets by owner`")
    else:
        blocks.append(mrkdwn_section(_list_section("Overdue tickets", [], 0, "")))
    blocks.append(mrkdwn_section(_list_section(
        "Overloaded people", [load_line(p) for p in report.overloaded[:20]], report.overloaded_total,
        "`/delivery capacity`",
    )))
    if report.held_total:
        blocks.append(mrkdwn_section(_list_section(
            "SLA warnings not sent by DM in the last day", [held_line(h, with_person=True) for h in report.held],
            report.held_total, "they are in each person's morning digest")))
    blocks.append(context(f"As of {time_token(now)} · `/delivery help` for more"))
    summary = "; ".join(service_summary(v) for v in services[:3] if v.findings)
    shows = {("service", v.service_id) for v in services} | {("service", b.service.service_id) for b in report.blocked}
    shows |= {("service", t.service_id) for t in report.overdue if t.service_id is not None}
    return Reply(text=f"{title}." + (f" {summary}." if summary else ""), blocks=blocks,
                 view=view, shows=frozenset(shows))
