"""The service card of `/delivery status <name>`, and the replies when a name is unclear."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import ActionsBlock, ButtonElement, HeaderBlock

from messages.blocks.budget import card_budget_text
from messages.blocks.common import (
    MAX_MESSAGE_BLOCKS,
    MAX_SECTION_TEXT,
    Reply,
    context,
    date_token,
    escape,
    escape_clipped,
    fields_section,
    mrkdwn_section,
    time_token,
    user_mention,
)
from messages.blocks.deliverables import deliverable_row, deliverable_section, tally_line
from messages.blocks.health import HEALTH_EMOJI
from messages.blocks.service_actions import service_actions_blocks
from messages.blocks.ticket_rows import ticket_section
from messages.ids import ActionId, BlockId, OpenServiceValue, ViewKind, ViewRef
from store.enums import AppointmentKind, DeliverableStatus
from store.readmodels import MilestoneProgressView, ServiceCard, ServiceLookup, TicketLine

ROW_ORDER = {
    DeliverableStatus.BLOCKED: 0,
    DeliverableStatus.IN_PROGRESS: 1,
    DeliverableStatus.NOT_STARTED: 2,
    DeliverableStatus.COMPLETE: 3,
    DeliverableStatus.ACCEPTED: 4,
}
# One section (with its menu) per row up to here; the card stays within 50 blocks.
MAX_ROW_SECTIONS = 30
MAX_ROWS_PER_GROUP = 15


def _lines_within(lines: list[str], title: str, limit: int = MAX_SECTION_TEXT) -> str:
    """A titled list that fits one section, ending in 'and N more' when it does not."""
    text = f"*{title}*"
    for shown, line in enumerate(lines):
        remaining = len(lines) - shown
        candidate = f"{text}\n{line}"
        if shown >= MAX_ROWS_PER_GROUP or len(candidate) > limit - 40:
            return f"{text}\nand {remaining} more"
        text = candidate
    return text


def _health_text(card: ServiceCard) -> str:
    view = card.health
    if view is None:
        return f"*{card.ref.status.value.capitalize()}*: health is tracked for active services only"
    lines = [f"{HEALTH_EMOJI[view.health]} *{view.health.label}*"]
    lines += [f"• {escape(f.reason)}" for f in view.findings]
    if view.override_reason is not None:
        until = f" until {time_token(view.override_expires_at)}" if view.override_expires_at else ""
        by = card.override_by
        who = user_mention(by.slack_user_id, by.name) if by else "a lead"
        lines.append(f"_Set by {who}{until}: {escape(view.override_reason)} "
                     f"(rules say {view.computed_health.label})_")
    if card.action_note:
        lines.append(f"Action: {escape(card.action_note)}")
    return "\n".join(lines)


def _forecast_words(m: MilestoneProgressView, tz: ZoneInfo) -> str:
    """" · likely 14 Mar (85%: 21 Mar)", flagged when it slips past the week it is due, or why it has no date."""
    if m.no_forecast:
        return f" · no forecast: {m.no_forecast}"
    if m.likely_on is None and m.safe_on is None:
        return ""
    likely = date_token(m.likely_on, tz) if m.likely_on else "more than two years"
    safe = date_token(m.safe_on, tz) if m.safe_on else "more than two years"
    return f" · {':warning: ' if m.slips else ''}likely {likely} (85%: {safe})"


def _milestones_text(card: ServiceCard, tz: ZoneInfo) -> str:
    rows = []
    for m in card.milestones:
        mark = ":white_check_mark: " if m.done_on else ""
        progress = f" · {m.deliverables_done} of {m.deliverables_total} deliverables" if m.deliverables_total else ""
        rows.append(f"{mark}{escape(m.name)} · {date_token(m.due_on, tz)}{progress}{_forecast_words(m, tz)}")
    return _lines_within(rows, "Milestones") if rows else "*Milestones*\nNone yet"


def _ticket_line(t: TicketLine) -> str:
    return (f"{':warning: ' if t.overdue else ''}{escape(t.title)} · {escape(t.priority)} · "
            f"{escape(t.owner.name) if t.owner else 'unassigned'} · due {time_token(t.due_at)}")


def _tickets_text(card: ServiceCard) -> str:
    rows = [_ticket_line(t) for t in card.open_tickets]
    hidden = card.open_ticket_count - len(rows)
    if hidden > 0:
        rows.append(f"and {hidden} more")
    return _lines_within(rows, f"Open tickets ({card.open_ticket_count})") if rows else "*Open tickets*\nNone"


def _ticket_blocks(card: ServiceCard, view: ViewRef, room: int) -> list:
    """Open tickets in at most `room` blocks: a title, one row each with its menu, then "and N more".

    Falls back to one section without menus when not even one row fits.
    """
    tickets = card.open_tickets
    if not tickets:
        return [mrkdwn_section(_tickets_text(card))]
    fits_all = 1 + len(tickets) + (1 if card.open_ticket_count > len(tickets) else 0) <= room
    shown = tickets if fits_all else tickets[:max(0, room - 2)]
    if not shown:
        return [mrkdwn_section(_tickets_text(card))]
    blocks = [mrkdwn_section(f"*Open tickets ({card.open_ticket_count})*")]
    blocks += [ticket_section(_ticket_line(t), ticket_id=t.ticket_id, version=t.version, view=view) for t in shown]
    hidden = card.open_ticket_count - len(shown)
    if hidden > 0:
        blocks.append(mrkdwn_section(f"and {hidden} more"))
    return blocks


def _appointments_text(card: ServiceCard) -> str:
    rows = [
        f"{time_token(a.starts_at)} · {escape(a.title)} · {escape(a.person.name)} · {a.duration_minutes} min"
        + (" · internal" if a.kind == AppointmentKind.INTERNAL else "")
        for a in card.next_appointments
    ]
    return _lines_within(rows, "Next appointments") if rows else "*Next appointments*\nNone scheduled"


def _deliverable_blocks(card: ServiceCard, tz: ZoneInfo, view: ViewRef) -> list:
    rows = sorted(card.deliverables, key=lambda d: (ROW_ORDER[d.status], d.due_on or date.max, d.name))
    blocks = [deliverable_section(line, now=card.as_of, tz=tz, view=view) for line in rows[:MAX_ROW_SECTIONS]]
    rest = [deliverable_row(line, now=card.as_of, tz=tz) for line in rows[MAX_ROW_SECTIONS:]]
    if rest:
        blocks.append(mrkdwn_section(_lines_within(rest, f"{len(rest)} more deliverables")))
    return blocks


def service_card_message(card: ServiceCard, tz: ZoneInfo) -> Reply:
    view = ViewRef(k=ViewKind.CARD, s=card.ref.service_id)
    team = ", ".join(escape(p.name) for p in card.team) or "—"
    blocks = [
        HeaderBlock(text=escape_clipped(card.ref.label, 150)),
        mrkdwn_section(_health_text(card)),
        *service_actions_blocks(card, view),
        fields_section([
            f"*Status*\n{card.ref.status.value.capitalize()}",
            f"*Phase*\n{card.phase.label}",
            f"*Owner*\n{escape(card.owner.name) if card.owner else 'nobody'}",
            f"*Team*\n{team}",
        ]),
        mrkdwn_section(_milestones_text(card, tz)),
        mrkdwn_section(f"*Deliverables*: {tally_line(card.tally)}"),
        *([mrkdwn_section(card_budget_text(card.budget))] if card.budget else []),
    ]
    blocks += _deliverable_blocks(card, tz, view)
    # Room for the tickets: all but the share button, appointments and the footer.
    blocks += _ticket_blocks(card, view, room=MAX_MESSAGE_BLOCKS - 1 - len(blocks) - 2)
    blocks += [
        mrkdwn_section(_appointments_text(card)),
        context("`/delivery status` for the whole portfolio · `/delivery help` for more"),
    ]
    health = card.health.health.label if card.health else card.ref.status.value.capitalize()
    return Reply(text=f"{escape(card.ref.label)}: {health}. Deliverables {tally_line(card.tally)}.", blocks=blocks,
                 view=view, shows=frozenset({("service", card.ref.service_id)}))


def choices_message(lookup: ServiceLookup) -> Reply:
    query = escape(lookup.query)
    buttons = [
        ButtonElement(
            text=escape_clipped(ref.label, 75),
            action_id=f"{ActionId.OPEN_SERVICE.value}:{ref.service_id}",
            value=OpenServiceValue(service_id=ref.service_id).model_dump_json(),
        )
        for ref in lookup.choices
    ]
    lines = "\n".join(f"• {escape(ref.label)} ({ref.status.value})" for ref in lookup.choices)
    return Reply(
        shareable=False,
        text=f"Several services match '{query}'.",
        blocks=[
            mrkdwn_section(f"Several services match '{query}'. Which one?\n{lines}"),
            ActionsBlock(block_id=BlockId.SERVICE_CHOICES, elements=buttons[:25]),
            context("Or type more of the name: `/delivery status &lt;service or customer&gt;`"),
        ],
    )


def no_match_message(lookup: ServiceLookup) -> Reply:
    closest = ", ".join(escape(s) for s in lookup.suggestions)
    hint = f" Closest: {closest}." if closest else ""
    text = f"No service matches '{escape(lookup.query)}'.{hint}"
    return Reply(
        shareable=False,
        text=f"No service matches '{escape(lookup.query)}'.",
        blocks=[mrkdwn_section(f":mag: {text}"), context("`/delivery status` lists the services that need attention")],
    )
