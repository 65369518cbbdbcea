"""`/delivery mine` and the personal part of App Home."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block, HeaderBlock

from messages.blocks.capacity import planned_text, utilization_text
from messages.blocks.common import (
    Reply,
    context,
    date_token,
    escape,
    escape_clipped,
    mrkdwn_section,
    plural,
    time_token,
)
from messages.blocks.deliverables import deliverable_section, tally_line
from messages.blocks.health import HEALTH_EMOJI
from messages.blocks.ticket_rows import ticket_section
from messages.ids import ViewKind, ViewRef
from store.readmodels import MyWork
from store.readmodels.capacity import MyWeek


def not_linked_blocks(work: MyWork) -> list[Block]:
    return [
        mrkdwn_section(
            f":information_source: You (`{escape(work.slack_user_id)}`) are not linked to anyone in the delivery "
            "portfolio yet, so there is nothing to show as yours. Ask an ops person to add your Slack user ID "
            "(or your email) to the people list; everything else, like `/delivery status`, works already."
        )
    ]


def _services(work: MyWork) -> str:
    if not work.services:
        return "*My services*\nNone active"
    rows = [f"{HEALTH_EMOJI[s.health]} {escape(s.customer_name)} · {escape(s.service_name)}" for s in work.services]
    return "*My services*\n" + "\n".join(rows[:20]) + (f"\nand {len(rows) - 20} more" if len(rows) > 20 else "")


MINE_VIEW = ViewRef(k=ViewKind.MINE)


def _deliverables(work: MyWork, tz: ZoneInfo) -> list[Block]:
    blocks: list[Block] = [mrkdwn_section(f"*My deliverables*: {tally_line(work.deliverables)}")]
    blocks += [deliverable_section(d, now=work.as_of, tz=tz, view=MINE_VIEW, show_owner=False)
               for d in work.open_deliverables]
    hidden = work.deliverables.total - work.deliverables.done - len(work.open_deliverables)
    if hidden > 0:
        blocks.append(mrkdwn_section(f"and {hidden} more open; `/delivery status &lt;service&gt;` lists them all"))
    return blocks


def _tickets(work: MyWork) -> list[Block]:
    """My overdue tickets, each with its menu ("Assign to me", "Resolve")."""
    if not work.overdue_tickets:
        return [mrkdwn_section("*My overdue tickets*\nNone")]
    blocks: list[Block] = [mrkdwn_section(f"*My overdue tickets* ({work.overdue_ticket_count})")]
    blocks += [
        ticket_section(f":warning: {escape(t.title)} · {escape(t.customer_name)} · was due {time_token(t.due_at)}",
                       ticket_id=t.ticket_id, version=t.version, view=MINE_VIEW)
        for t in work.overdue_tickets
    ]
    hidden = work.overdue_ticket_count - len(work.overdue_tickets)
    if hidden > 0:
        blocks.append(mrkdwn_section(f"and {hidden} more; `/delivery tickets by owner` shows them"))
    return blocks


def _tasks(work: MyWork, tz: ZoneInfo) -> str:
    if not work.tasks_due:
        return "*My tasks due this week*\nNone"
    rows = [
        f"• {escape(t.title)}" + (f" · {date_token(t.due_on, tz)}" if t.due_on else "")
        + (f" · {escape(t.service_label)}" if t.service_label else "")
        for t in work.tasks_due
    ]
    return "*My tasks due this week*\n" + "\n".join(rows)


def _appointments(work: MyWork) -> str:
    if not work.appointments_today:
        return "*My appointments today*\nNone"
    rows = [f"• {time_token(a.starts_at, '{time}')} {escape(a.title)} ({a.duration_minutes} min)"
            for a in work.appointments_today]
    return "*My appointments today*\n" + "\n".join(rows)


def _week(week: MyWeek, tz: ZoneInfo) -> str:
    """'*My week*', last week's utilization and next week's scheduled hours."""
    return (f"*My week*\nLast week (from {date_token(week.last_week_first_day, tz)}): "
            f"{utilization_text(week.last_week)}\nNext week (from {date_token(week.next_week_first_day, tz)}): "
            f"{planned_text(week.next_week, week.capacity_hours)}")


def my_work_blocks(work: MyWork, tz: ZoneInfo) -> list[Block]:
    if work.person is None:
        return not_linked_blocks(work)
    week = [mrkdwn_section(_week(work.week, tz))] if work.week is not None else []
    return [
        mrkdwn_section(_services(work)),
        *week,
        *_deliverables(work, tz),
        *_tickets(work),
        mrkdwn_section(_tasks(work, tz)),
        mrkdwn_section(_appointments(work)),
    ]


def mine_message(work: MyWork, tz: ZoneInfo) -> Reply:
    title = f"{escape(work.person.name)}'s work" if work.person else "Your work"
    header = escape_clipped(f"{work.person.name}'s work", 150) if work.person else title
    blocks = [HeaderBlock(text=header), *my_work_blocks(work, tz),
              context("`/delivery status` for the whole portfolio")]
    if work.person is None:
        return Reply(text="You are not linked to anyone in the delivery portfolio yet.", blocks=blocks,
                     shareable=False)
    summary = (f"{plural(len(work.services), 'active service')}, {work.deliverables.blocked} blocked, "
               f"{plural(work.overdue_ticket_count, 'overdue ticket')}, {plural(len(work.tasks_due), 'task')} due")
    return Reply(text=f"{title}: {summary}.", blocks=blocks, view=MINE_VIEW,
                 shows=frozenset(("service", s.service_id) for s in work.services))
