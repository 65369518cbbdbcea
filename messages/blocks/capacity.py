"""The capacity answer of `/delivery capacity`: who is overloaded, who has room, this week's appointments."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block, DividerBlock, HeaderBlock

from messages.blocks.common import (
    MAX_MESSAGE_BLOCKS,
    Reply,
    context,
    date_token,
    escape,
    mrkdwn_section,
    plural,
    time_token,
)
from store.readmodels.capacity import AppointmentsThisWeek, CapacityReport, PersonCapacity
from store.rules.capacity import BILLABLE_TARGET_HIGH, BILLABLE_TARGET_LOW, LoadState

STATE_EMOJI = {
    LoadState.OVERLOADED: ":red_circle:",
    LoadState.AT_CAPACITY: ":large_orange_circle:",
    LoadState.SCHEDULED: ":large_yellow_circle:",
    LoadState.AVAILABLE: ":large_green_circle:",
}
# Blocks around the people: header, capacity line, two dividers, "and N more", appointments, footer.
FIXED_BLOCKS = 7
# One block is kept free for the "Share in channel" button every answer gets.
MAX_PEOPLE_ROWS = MAX_MESSAGE_BLOCKS - 1 - FIXED_BLOCKS - 2
# Names on the capacity line before it says "and N more".
MAX_CAPACITY_NAMES = 15
# Names in the notification text, which has no room for lists.
MAX_TEXT_NAMES = 3
TARGET = f"{BILLABLE_TARGET_LOW * 100:.0f}–{BILLABLE_TARGET_HIGH:.0%}"


def hours(value: float) -> str:
    """Hours to one decimal, without a trailing .0: 14, 6.5."""
    return f"{value:.1f}".removesuffix(".0")


def headline(report: CapacityReport) -> str:
    if not report.people_total:
        return "Nobody is set up in this workspace yet."
    counts = ", ".join(f"{report.count(state)} {state.label.lower()}" for state in LoadState)
    return f"{plural(report.people_total, 'person', 'people')}. {counts}."


def load_line(view: PersonCapacity) -> str:
    """Emoji, name, state and services: '4 of 4 services (100%)'."""
    if view.load is None:
        services = f"{plural(view.active_services, 'service')} (maximum 0)"
    else:
        services = f"{view.active_services} of {plural(view.max_services, 'service')} ({view.load:.0%})"
    return f"{STATE_EMOJI[view.state]} *{escape(view.person.name)}* — {view.state.label} · {services}"


def utilization_line(view: PersonCapacity) -> str:
    """'Utilization 35% (14 of 40 h) · billable 30%, below the 70–80% target'."""
    if view.utilization is None or view.billable_share is None or view.billable_band is None:
        return f"Utilization: no weekly capacity hours set ({hours(view.appointment_hours)} h booked)"
    return (
        f"Utilization {view.utilization:.0%} ({hours(view.appointment_hours)} of {hours(view.capacity_hours)} h)"
        f" · billable {view.billable_share:.0%}, {view.billable_band.value} the {TARGET} target"
    )


def work_line(view: PersonCapacity) -> str:
    return f"{plural(view.open_tickets, 'open ticket')} · {plural(view.blocked_deliverables, 'blocked deliverable')}"


def person_section_text(view: PersonCapacity) -> str:
    return "\n".join((load_line(view), utilization_line(view), work_line(view)))


def _names(people: list[PersonCapacity], total: int, limit: int, *, with_load: bool) -> str:
    shown = [
        escape(p.person.name) + (f" ({p.active_services} of {p.max_services})" if with_load else "")
        for p in people[:limit]
    ]
    hidden = total - len(shown)
    return ", ".join(shown) + (f" and {hidden} more" if hidden > 0 else "")


def capacity_line(report: CapacityReport) -> str:
    """Who can take on a service: '*Capacity:* Bill Nguyen (2 of 4), …' or that nobody can."""
    free = report.with_capacity
    if not free:
        return "*Capacity:* Nobody has spare capacity."
    return f"*Capacity:* {_names(free, report.with_capacity_total, MAX_CAPACITY_NAMES, with_load=True)}"


def appointments_line(week: AppointmentsThisWeek) -> str:
    """'23 customer sessions · 8 internal · 47 hours'."""
    total = hours(week.total_hours)
    return (
        f"{plural(week.customer_sessions, 'customer session')} · {week.internal} internal · "
        f"{total} {'hour' if total == '1' else 'hours'}"
    )


def _more_people(hidden: int) -> str:
    return (
        f"and {plural(hidden, 'more person', 'more people')}, all less loaded than those above. "
        "Type `/delivery mine` for your own services and week."
    )


def _summary(report: CapacityReport) -> str:
    """The notification text: headline, who is overloaded, who has room, the week's appointments."""
    parts = [headline(report)]
    # Overloaded people come first, so the first few shown are the first few overloaded.
    overloaded = [p for p in report.people if p.state == LoadState.OVERLOADED]
    if overloaded:
        names = _names(overloaded, report.count(LoadState.OVERLOADED), MAX_TEXT_NAMES, with_load=False)
        parts.append(f"Overloaded: {names}.")
    if report.people_total:
        free = report.with_capacity
        parts.append(f"Capacity: {_names(free, report.with_capacity_total, MAX_TEXT_NAMES, with_load=False)}."
                     if free else "Nobody has spare capacity.")
    parts.append(f"Appointments this week: {appointments_line(report.appointments)}.")
    return " ".join(parts)


def capacity_message(report: CapacityReport, tz: ZoneInfo) -> Reply:
    blocks: list[Block] = [HeaderBlock(text=headline(report))]
    if report.people_total:
        blocks += [mrkdwn_section(capacity_line(report)), DividerBlock()]
    shown = report.people[:MAX_PEOPLE_ROWS]
    blocks += [mrkdwn_section(person_section_text(view)) for view in shown]
    hidden = report.people_total - len(shown)
    if hidden > 0:
        blocks.append(mrkdwn_section(_more_people(hidden)))
    week = f"{date_token(report.week_first_day, tz)} – {date_token(report.week_last_day, tz)}"
    blocks += [
        DividerBlock(),
        mrkdwn_section(f"*Appointments this week* ({week})\n{appointments_line(report.appointments)}"),
        context(
            f"As of {time_token(report.as_of)} · load = active services over max concurrent; "
            f"utilization = appointment hours over weekly capacity; billable target {TARGET} · "
            "`/delivery help` for more"
        ),
    ]
    return Reply(text=_summary(report), blocks=blocks)
