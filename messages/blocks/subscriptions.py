"""Replies of `/delivery subscribe`, `unsubscribe`, `subscriptions` and `digest on|off`."""

from __future__ import annotations

from datetime import datetime

from messages.blocks.common import Reply, channel_mention, context, mrkdwn_section, time_token
from store.readmodels.subscriptions import SubscriptionView
from store.rules.schedule import schedule


def _when(sub: SubscriptionView) -> str:
    return schedule(sub.at_time, sub.days, sub.timezone).describe()


def _next_run(sub: SubscriptionView, now: datetime) -> str:
    plan = schedule(sub.at_time, sub.days, sub.timezone)
    upcoming = plan.trigger.get_next_fire_time(None, now)
    return f" Next: {time_token(upcoming)}." if upcoming else ""


def note(text: str) -> Reply:
    return Reply(text=text, blocks=[mrkdwn_section(text)], shareable=False)


def subscribed_message(sub: SubscriptionView, now: datetime) -> Reply:
    clear = " An all-clear is posted when there is nothing to report." if sub.all_clear else \
        " Nothing is posted on days with nothing to report."
    return note(f":white_check_mark: {channel_mention(sub.channel_id)} gets the *{sub.digest}* digest "
                f"{_when(sub)}.{_next_run(sub, now)}{clear}")


def subscriptions_message(subs: list[SubscriptionView], now: datetime) -> Reply:
    if not subs:
        return note("No channel gets a digest yet. In a channel, type `/delivery subscribe at-risk` (leads and ops).")
    rows = [f"• {channel_mention(s.channel_id)}: *{s.digest}* {_when(s)}{' · all-clear' if s.all_clear else ''}"
            for s in subs]
    text = "*Digest subscriptions*\n" + "\n".join(rows[:60])
    if len(rows) > 60:
        text += f"\nand {len(rows) - 60} more"
    reply = note(text)
    reply.blocks.append(context("`/delivery unsubscribe <digest>` in a channel stops its digest"
                                .replace("<", "&lt;").replace(">", "&gt;")))
    return reply
