"""The morning at-risk digest: services at risk or needing attention (reasons, owner, action),
blocked deliverables with their menus, overloaded people, milestones due this week in trouble, and the
SLA warnings the bot held back since yesterday (quiet hours, a mute, a channel's hourly budget)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block

from messages.blocks.capacity import load_line
from messages.blocks.common import Reply, context, date_token, mrkdwn_section, time_token
from messages.blocks.deliverables import deliverable_section
from messages.blocks.digest import MAX_DIGEST_BLOCKS, divider, header, listing_section, share_rows, within_budget
from messages.blocks.health import service_health_line
from messages.blocks.sla_warning import held_line
from messages.digests.copy import say
from messages.ids import ViewKind, ViewRef
from store.readmodels.digests import AtRiskDigestData

T = "at_risk.j2"
VIEW = ViewRef(k=ViewKind.DIGEST_AT_RISK)
COMMAND = "/delivery at-risk"
MAX_LIST_LINES = 15


def _more(command: str):
    return lambda hidden: say("common.j2", "more", hidden=hidden, command=command)


def _milestone_lines(data: AtRiskDigestData, tz: ZoneInfo) -> list[str]:
    today = data.as_of.astimezone(tz).date()
    return [
        say(T, "milestone_line", customer=m.service.customer_name, name=m.name, due=date_token(m.due_on, tz),
            overdue=m.due_on < today, done=m.deliverables_done, linked=m.deliverables_total,
            owner=m.owner.name if m.owner else None)
        for m in data.milestones[:MAX_LIST_LINES]
    ]


def _fallback(data: AtRiskDigestData) -> str:
    first = next((s for s in [*data.at_risk, *data.needs_attention] if s.findings), None)
    return say(T, "fallback", at_risk=data.at_risk_total, needs_attention=data.needs_attention_total,
               blocked=data.blocked_total, overloaded=data.overloaded_total,
               first_customer=first.customer_name if first else None,
               first_reason=first.findings[0].reason if first else None)


def render(data: AtRiskDigestData, tz: ZoneInfo, *, all_clear: bool = False) -> Reply | None:
    services = [*data.at_risk, *data.needs_attention]
    services_total = data.at_risk_total + data.needs_attention_total
    now = data.as_of
    footer = context(say("common.j2", "footer", time=time_token(now), command=COMMAND))
    if not (services or data.blocked_total or data.overloaded or data.milestones_total or data.held_total):
        if not all_clear:
            return None
        return Reply(text=say(T, "all_clear_fallback"), blocks=[header(say(T, "title")),
                     mrkdwn_section(say(T, "all_clear")), footer], shareable=False, view=VIEW)
    head = [
        header(say(T, "title")),
        mrkdwn_section(say(T, "intro", at_risk=data.at_risk_total, needs_attention=data.needs_attention_total,
                           blocked=data.blocked_total, overloaded=data.overloaded_total,
                           milestones=data.milestones_total)),
    ]
    tail: list[Block] = []
    if data.overloaded:
        tail.append(listing_section(say(T, "overloaded_heading", total=data.overloaded_total),
                                    [load_line(p) for p in data.overloaded[:MAX_LIST_LINES]],
                                    total=data.overloaded_total, more=_more("/delivery capacity")))
    if data.milestones_total:
        tail.append(listing_section(say(T, "milestones_heading", total=data.milestones_total),
                                    _milestone_lines(data, tz), total=data.milestones_total,
                                    more=_more("/delivery milestones this week")))
    if data.held_total:
        tail.append(listing_section(say(T, "held_heading", total=data.held_total),
                                    [held_line(h, with_person=True) for h in data.held[:MAX_LIST_LINES]],
                                    total=data.held_total, more=_more(COMMAND)))
    if tail:
        tail.insert(0, divider())
    tail.append(footer)
    blocked_frame = 2 if data.blocked or data.snoozed_total else 0  # a divider and the heading (or the snoozed)
    room = MAX_DIGEST_BLOCKS - len(head) - len(tail) - blocked_frame
    shown_services, shown_blocked = share_rows(
        room, [(len(services), services_total), (len(data.blocked), data.blocked_total)]
    )
    blocks = head + [mrkdwn_section(service_health_line(view, now)) for view in services[:shown_services]]
    if services_total > shown_services:
        blocks.append(mrkdwn_section(_more(COMMAND)(services_total - shown_services)))
    if data.blocked:
        blocks += [divider(), mrkdwn_section(say(T, "blocked_heading", total=data.blocked_total,
                                                 snoozed=data.snoozed_total))]
        blocks += [deliverable_section(b.deliverable, now=now, tz=tz, view=VIEW, service_label=b.service.label)
                   for b in data.blocked[:shown_blocked]]
        if data.blocked_total > shown_blocked:
            blocks.append(mrkdwn_section(_more(COMMAND)(data.blocked_total - shown_blocked)))
    elif data.snoozed_total:
        blocks += [divider(), mrkdwn_section(say(T, "snoozed_note", snoozed=data.snoozed_total))]
    blocks += tail
    shows = ({("service", s.service_id) for s in services} | {("service", b.service.service_id) for b in data.blocked}
             | {("service", m.service.service_id) for m in data.milestones})
    return Reply(text=_fallback(data), blocks=within_budget(blocks), shareable=False, view=VIEW,
                 shows=frozenset(shows))
