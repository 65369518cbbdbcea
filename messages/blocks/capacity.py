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
from store.readmodels.capacity import (
    AppointmentsThisWeek,
    CapacityReport,
    PersonCapacity,
    PersonRoom,
    PlannedWeek,
    Utilization,
)
from store.rules.capacity import BILLABLE_TARGET_HIGH, BILLABLE_TARGET_LOW, HoursSource, LoadState

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
FROM_APPOINTMENTS = "from appointments; no timesheets"


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


def _hours_of(worked: float, week: Utilization) -> str:
    """'36 of 40 h', or with time off '30 of 32 h available, 8 h off'."""
    away = week.away_hours
    if away > 0:
        return f"{hours(worked)} of {hours(week.available_hours)} h available, {hours(away)} h off"
    return f"{hours(worked)} of {hours(week.available_hours)} h"


def source_note(week: Utilization) -> str:
    """Where the hours came from, when not (only) from timesheets."""
    if week.source == HoursSource.TIMESHEETS:
        return ""
    if week.source == HoursSource.APPOINTMENTS:
        return f" · {FROM_APPOINTMENTS}"
    return f" · {week.from_appointments} of {week.people} {FROM_APPOINTMENTS}"


def utilization_text(week: Utilization) -> str:
    """'utilization 90% (36 of 40 h) · billable 80%, within the 70–80% target', and where the hours
    came from when a timesheet is missing."""
    if week.capacity_hours <= 0:
        return f"no weekly capacity hours set ({hours(week.hours)} h){source_note(week)}"
    if week.utilization is None or week.billable_share is None or week.band is None:
        return f"away all week ({hours(week.away_hours)} h off)"
    return (f"utilization {week.utilization:.0%} ({_hours_of(week.hours, week)}) · billable "
            f"{week.billable_share:.0%}, {week.band.value} the {TARGET} target{source_note(week)}")


def planned_text(week: PlannedWeek, capacity_hours: float) -> str:
    """'36 of 40 h scheduled · 4 h free', with time off '24 of 32 h scheduled (8 h off) · 8 h free'."""
    if capacity_hours <= 0:
        return f"no weekly capacity hours set ({hours(week.scheduled_hours)} h scheduled)"
    away = capacity_hours - week.available_hours
    off = f" ({hours(away)} h off)" if away > 0 else ""
    if week.available_hours <= 0:
        return f"away all week{off}"
    over = week.scheduled_hours - week.available_hours
    room = f"{hours(over)} h over" if over > 0 else f"{hours(week.free_hours)} h free"
    return f"{hours(week.scheduled_hours)} of {hours(week.available_hours)} h scheduled{off} · {room}"


def utilization_line(view: PersonCapacity) -> str:
    """'Last week: utilization 90% (36 of 40 h) · billable 80%, within the 70–80% target'."""
    assert view.last_week is not None
    return f"Last week: {utilization_text(view.last_week)}"


def planned_line(view: PersonCapacity) -> str:
    """'Next week: 36 of 40 h scheduled · 4 h free'."""
    assert view.next_week is not None
    return f"Next week: {planned_text(view.next_week, view.capacity_hours)}"


def work_line(view: PersonCapacity) -> str:
    return f"{plural(view.open_tickets, 'open ticket')} · {plural(view.blocked_deliverables, 'blocked deliverable')}"


def person_section_text(view: PersonCapacity) -> str:
    weeks = [line(view) for line, week in ((utilization_line, view.last_week), (planned_line, view.next_week))
             if week is not None]
    return "\n".join((load_line(view), *weeks, work_line(view)))


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


def _room_names(room: list[PersonRoom], total: int, limit: int, *, with_hours: bool) -> str:
    shown = [escape(r.person.name) + (f" ({hours(r.next_week.free_hours)} h free)" if with_hours else "")
             for r in room[:limit]]
    hidden = total - len(shown)
    return ", ".join(shown) + (f" and {hidden} more" if hidden > 0 else "")


def room_line(report: CapacityReport) -> str:
    """Who has free hours next week: '*Room next week:* Bill Nguyen (22 h free), …' or that nobody has."""
    if not report.room_next_week:
        return "*Room next week:* Nobody has free hours."
    names = _room_names(report.room_next_week, report.room_next_week_total, MAX_CAPACITY_NAMES, with_hours=True)
    return f"*Room next week:* {names}"


def team_line(report: CapacityReport, tz: ZoneInfo) -> str:
    """'*Team last week* (30 Nov): utilization 84% (194 of 232 h) · billable 73%, within … · 6 people'."""
    team = report.team_last_week
    since = date_token(report.last_week_first_day, tz)
    if not team.people:
        return f"*Team last week* (from {since}): nobody in the delivery team has weekly capacity hours."
    return (f"*Team last week* (from {since}): {utilization_text(team)} · "
            f"{plural(team.people, 'person', 'people')} in delivery (members and leads)")


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
        room = report.room_next_week
        names = _room_names(room, report.room_next_week_total, MAX_TEXT_NAMES, with_hours=False)
        parts.append(f"Room next week: {names}." if room else "Nobody has free hours next week.")
    parts.append(f"Appointments this week: {appointments_line(report.appointments)}.")
    return " ".join(parts)


def capacity_message(report: CapacityReport, tz: ZoneInfo) -> Reply:
    blocks: list[Block] = [HeaderBlock(text=headline(report))]
    if report.people_total:
        lines = (capacity_line(report), room_line(report), team_line(report, tz))
        blocks += [mrkdwn_section("\n".join(lines)), DividerBlock()]
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
            f"utilization = hours logged last week over available hours (capacity less time off); billable "
            f"target {TARGET}; scheduled = allocations and appointments · `/delivery help` for more"
        ),
    ]
    return Reply(text=_summary(report), blocks=blocks)
