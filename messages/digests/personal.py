"""The personal morning DM: my blocked deliverables (with their menus), my overdue tickets (with
theirs), my tasks due today and my appointments today. Nothing at all means no message."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from messages.blocks.common import Reply, context, date_token, mrkdwn_section, time_token
from messages.blocks.deliverables import deliverable_section
from messages.blocks.digest import MAX_DIGEST_BLOCKS, header, listing_section, share_rows, within_budget
from messages.blocks.sla_warning import held_line
from messages.blocks.ticket_rows import ticket_section
from messages.blocks.tickets import overdue_line
from messages.digests.copy import say
from messages.ids import ViewKind, ViewRef
from store.readmodels.digests import PersonalDigestData

T = "personal.j2"
VIEW = ViewRef(k=ViewKind.DIGEST_PERSONAL)
COMMAND = "/delivery mine"


def _more(hidden: int) -> str:
    return say("common.j2", "more", hidden=hidden, command=COMMAND)


def _counts(data: PersonalDigestData) -> dict[str, int]:
    return {"blocked": data.blocked_total, "overdue": data.overdue_total, "tasks": data.tasks_total,
            "appointments": data.appointments_total}


def _lists(data: PersonalDigestData, tz: ZoneInfo) -> list:
    """Tasks and appointments: one section each, when there are any."""
    sections = []
    if data.tasks_total:
        lines = [say(T, "task_line", title=t.title, due=date_token(t.due_on, tz) if t.due_on else "",
                     late=t.due_on is not None and t.due_on < data.today, service=t.service_label)
                 for t in data.tasks]
        sections.append(listing_section(say(T, "tasks_heading", total=data.tasks_total), lines,
                                        total=data.tasks_total, more=_more))
    if data.held_total:
        sections.append(listing_section(say(T, "held_heading", total=data.held_total),
                                        [held_line(h, with_person=False) for h in data.held],
                                        total=data.held_total, more=lambda hidden: say(T, "held_more", hidden=hidden)))
    if data.appointments_total:
        lines = [say(T, "appointment_line", time=time_token(a.starts_at, "{time}"), title=a.title,
                     minutes=a.duration_minutes) for a in data.appointments]
        sections.append(listing_section(say(T, "appointments_heading", total=data.appointments_total), lines,
                                        total=data.appointments_total, more=_more))
    return sections


def render(data: PersonalDigestData, tz: ZoneInfo, *, all_clear: bool = False) -> Reply | None:
    footer = context(say(T, "footer", time=time_token(data.as_of)))
    if data.person is None or data.is_empty:
        if not all_clear:
            return None
        return Reply(text=say(T, "all_clear_fallback"), shareable=False, view=VIEW,
                     blocks=[header(say(T, "title")), mrkdwn_section(say(T, "all_clear")), footer])
    blocks = [header(say(T, "title")), mrkdwn_section(say(T, "intro", name=data.person.name, **_counts(data)))]
    tail = [*_lists(data, tz), footer]
    frames = (1 if data.blocked else 0) + (1 if data.overdue_tickets else 0)  # the two headings
    shown_blocked, shown_tickets = share_rows(
        MAX_DIGEST_BLOCKS - len(blocks) - len(tail) - frames,
        [(len(data.blocked), data.blocked_total), (len(data.overdue_tickets), data.overdue_total)],
    )
    if data.blocked:
        blocks.append(mrkdwn_section(say(T, "blocked_heading", total=data.blocked_total)))
        blocks += [deliverable_section(b.deliverable, now=data.as_of, tz=tz, view=VIEW, show_owner=False,
                                       service_label=b.service.label) for b in data.blocked[:shown_blocked]]
        if data.blocked_total > shown_blocked:
            blocks.append(mrkdwn_section(_more(data.blocked_total - shown_blocked)))
    if data.overdue_tickets:
        blocks.append(mrkdwn_section(say(T, "tickets_heading", total=data.overdue_total)))
        blocks += [ticket_section(overdue_line(t), ticket_id=t.ticket_id, version=t.version, view=VIEW)
                   for t in data.overdue_tickets[:shown_tickets]]
        if data.overdue_total > shown_tickets:
            blocks.append(mrkdwn_section(_more(data.overdue_total - shown_tickets)))
    blocks += tail
    shows = ({("service", b.service.service_id) for b in data.blocked[:shown_blocked]}
             | {("service", t.service_id) for t in data.overdue_tickets[:shown_tickets] if t.service_id is not None})
    return Reply(text=say(T, "fallback", **_counts(data)), blocks=within_budget(blocks), shareable=False, view=VIEW,
                 shows=frozenset(shows))
