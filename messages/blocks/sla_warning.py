"""A ticket's SLA warning: one message per place it is posted, drawn again as the ticket moves from
50% to 75% to breached, and once it is resolved ("Resolved 2 h before its SLA", the buttons gone)."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement

from messages.blocks.common import (
    Reply,
    channel_mention,
    context,
    escape,
    escape_clipped,
    mrkdwn_section,
    plural,
    time_token,
    user_mention,
)
from messages.ids import ActionId, TicketAction, TicketActionValue, ViewKind, ViewRef
from store.readmodels.sla import HeldWarningView, SlaRollupView, SlaWarningView
from store.rules.sla import duration_words

TITLE_CHARS = 150


def _headline(view: SlaWarningView) -> tuple[str, str]:
    """(emoji and words in mrkdwn, the same for the notification), both free of user text."""
    before = view.resolved_before_due
    if before is not None:
        words = (f"Resolved {duration_words(before)} before its SLA" if before >= 0
                 else f"Resolved {duration_words(before)} after its SLA was breached")
        return f":white_check_mark: *{words}*", words
    if view.breached:
        words = f"SLA breached {duration_words(view.seconds_left)} ago"
        return f":rotating_light: *{words}*", words
    left = f"{duration_words(view.seconds_left)} left"
    if view.level is None:
        return f":hourglass_flowing_sand: *{view.share:.0%} of its SLA gone*, {left}", f"{view.share:.0%} of SLA gone"
    return f":warning: *{view.level}% of its SLA gone*, {left}", f"{view.level}% of SLA gone, {left}"


def _details(view: SlaWarningView) -> str:
    owner = user_mention(view.owner.slack_user_id, view.owner.name) if view.owner else "_unassigned_"
    lines = [f"*{escape_clipped(view.title, TITLE_CHARS)}*",
             f"{escape(view.customer_name)} · {escape(view.priority)} priority · {escape(view.type)}",
             f"Opened {time_token(view.opened_at)} · due {time_token(view.due_at)}",
             f"Owner: {owner}"]
    if view.service_name is not None:
        lead = f" (lead {user_mention(view.lead.slack_user_id, view.lead.name)})" if view.lead else ""
        lines[-1] += f" · Service: {escape(view.service_name)}{lead}"
    return "\n".join(lines)


def _buttons(view: SlaWarningView, ref: ViewRef) -> ActionsBlock:
    return ActionsBlock(elements=[
        ButtonElement(text=action.label, action_id=f"{ActionId.TICKET_ACTION.value}:{view.ticket_id}:{action.value}",
                      value=TicketActionValue(a=action, t=view.ticket_id, v=view.version, w=ref).model_dump_json(),
                      style="primary" if action == TicketAction.RESOLVE else None)
        for action in TicketAction])


def _policy(view: SlaWarningView) -> str:
    levels = ", ".join(f"{level}%" for level in view.levels)
    hours = f" · SLA time counts {escape(view.working_hours)}" if view.working_hours else ""
    return f"Warned at {levels} of the SLA and at its breach{hours} · As of {time_token(view.as_of)}"


def held_line(held: HeldWarningView, *, with_person: bool) -> str:
    """A warning not posted by DM, as digests and at-risk list it."""
    place = escape(held.person_name) if held.person_name else channel_mention(held.place)
    who = f"{place}: " if with_person else ""
    return (f"• {who}*{escape_clipped(held.title, TITLE_CHARS)}* ({escape(held.customer_name)}) · "
            f"{held.level}% of its SLA gone at {time_token(held.held_at, '{time}')} · due {time_token(held.due_at)}"
            f" · {held.reason.words}")


def sla_rollup_message(rollup: SlaRollupView, _tz: ZoneInfo) -> Reply:
    """The hour's summary of a channel's warnings past its budget."""
    ref = ViewRef(k=ViewKind.SLA_ROLLUP, c=rollup.channel_id, h=int(rollup.hour.timestamp()) // 3600)
    lines = [held_line(item, with_person=False) + (" · _resolved_" if item.resolved_at else "")
             for item in rollup.items]
    hidden = rollup.total - len(rollup.items)
    head = (f":rotating_light: *And {plural(rollup.total, 'more SLA warning')} this hour* "
            f"({time_token(rollup.hour, '{time}')} to {time_token(rollup.hour + timedelta(hours=1), '{time}')})")
    text = "\n".join([head, *lines] + ([f"and {hidden} more; `/delivery at-risk` lists them"] if hidden else []))
    blocks: list[Block] = [mrkdwn_section(text), context(
        f"This channel gets at most {rollup.posts_per_hour} SLA warning posts an hour; the rest are listed here, "
        f"updated as they come · As of {time_token(rollup.as_of)}")]
    shows = frozenset(("ticket", item.ticket_id) for item in rollup.items)
    return Reply(text=f"And {plural(rollup.total, 'more SLA warning')} this hour", blocks=blocks, shareable=False,
                 view=ref, shows=shows)


def sla_warning_message(view: SlaWarningView, _tz: ZoneInfo) -> Reply:
    ref = ViewRef(k=ViewKind.SLA_WARNING, t=view.ticket_id)
    headline, said = _headline(view)
    blocks: list[Block] = [mrkdwn_section(f"{headline}\n{_details(view)}")]
    if view.resolved_at is None:
        blocks.append(_buttons(view, ref))
    if view.snoozed_until is not None:
        who = user_mention(view.snoozed_by.slack_user_id, view.snoozed_by.name) if view.snoozed_by else "someone"
        blocks.append(context(f":zzz: Warnings snoozed until {time_token(view.snoozed_until)} by {who}: "
                              f"{escape_clipped(view.snooze_reason or '', 500)}"))
    blocks.append(context(_policy(view)))
    shows = {("ticket", view.ticket_id)} | ({("service", view.service_id)} if view.service_id is not None else set())
    text = f"{said}: {escape_clipped(view.title, TITLE_CHARS)} ({escape(view.customer_name)})"
    return Reply(text=text, blocks=blocks, shareable=False, view=ref, shows=frozenset(shows))
