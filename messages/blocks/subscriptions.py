"""Replies of `/delivery subscribe`, `unsubscribe`, `subscriptions` and `digest on|off`."""

from __future__ import annotations

from datetime import datetime

from messages.blocks.common import Reply, channel_mention, context, escape, mrkdwn_section, time_token
from store.digests import alert_kind
from store.enums import AlertKind
from store.readmodels.subscriptions import SubscriptionView
from store.rules.schedule import schedule

# When each alert is posted, in place of a digest's schedule (an alert subscription's schedule columns
# are unused).
ALERT_WHEN = {AlertKind.SLA_WARNINGS: "as tickets breach their SLA",
              AlertKind.ESCALATIONS: "as blocked deliverables reach the last step of their escalation"}
# What an alert is called in replies.
ALERT_WORDS = {AlertKind.SLA_WARNINGS: "SLA warnings", AlertKind.ESCALATIONS: "escalations"}


def _when(sub: SubscriptionView) -> str:
    alert = alert_kind(sub.digest)
    if alert is not None:
        return ALERT_WHEN[alert]
    return schedule(sub.at_time, sub.days, sub.timezone).describe()


def _percentages(levels: tuple[int, ...]) -> str:
    """50% and 75%; 50%, 75% and 90%."""
    shown = [f"{level}%" for level in levels]
    return shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} and {shown[-1]}"


def _next_run(sub: SubscriptionView, now: datetime) -> str:
    plan = schedule(sub.at_time, sub.days, sub.timezone)
    upcoming = plan.trigger.get_next_fire_time(None, now)
    return f" Next: {time_token(upcoming)}." if upcoming else ""


def note(text: str) -> Reply:
    return Reply(text=text, blocks=[mrkdwn_section(text)], shareable=False)


def _charts_note(sub: SubscriptionView) -> str:
    return (" Its charts are attached (`no-charts` for text only)." if sub.charts
            else " Text only, no charts (`charts` attaches them again).")


def subscribed_message(sub: SubscriptionView, now: datetime, *, charted: bool = False) -> Reply:
    """A digest subscription's confirmation (alerts: `subscribed_alert_message`). `charted`: the digest
    has charts, so the subscription's choice is told."""
    clear = " An all-clear is posted when there is nothing to report." if sub.all_clear else \
        " Nothing is posted on days with nothing to report."
    return note(f":white_check_mark: {channel_mention(sub.channel_id)} gets the *{escape(sub.digest)}* digest "
                f"{_when(sub)}.{_next_run(sub, now)}{clear}{_charts_note(sub) if charted else ''}")


def subscribed_alert_message(sub: SubscriptionView, levels: tuple[int, ...]) -> Reply:
    """An alert subscription's confirmation: when it is posted, and no next run (it has no schedule).
    `levels` are the warnings before the breach, in percent of a ticket's SLA."""
    earlier = (f" Earlier warnings, at {_percentages(levels)} of the SLA, go by DM to the ticket's owner (the "
               "service's lead when it has none), and at the last of them to the lead too, not to the channel."
               if levels else "")
    return note(f":white_check_mark: {channel_mention(sub.channel_id)} gets *SLA warnings*: a post when an open "
                f"ticket breaches its SLA.{earlier} `/delivery unsubscribe {escape(sub.digest)}` stops them.")


def subscribed_escalations_message(sub: SubscriptionView, days: tuple[int, ...]) -> Reply:
    """The escalations alert's confirmation: which step is posted there, and the earlier ones that are not."""
    shown = [str(day) for day in days]
    return note(f":white_check_mark: {channel_mention(sub.channel_id)} gets *escalations*: a post when a deliverable "
                f"has been blocked {shown[-1]} days (the ladder's last step), updated in place until it is unblocked. "
                f"At {shown[0]} and {shown[1]} days its owner and then the service's lead are told by DM, not the "
                f"channel. `/delivery unsubscribe {escape(sub.digest)}` stops them.")


def unsubscribed_alert_text(channel: str, alert: AlertKind) -> str:
    if alert == AlertKind.ESCALATIONS:
        return (f"{channel_mention(channel)} no longer gets escalations: the last step of a blocked deliverable's "
                "escalation has nowhere to go until a channel subscribes.")
    return (f"{channel_mention(channel)} no longer gets SLA warnings: nothing is posted there when a ticket "
            "breaches its SLA.")


def _charts_shown(sub: SubscriptionView, charted: set[str]) -> str:
    if sub.digest not in charted:
        return ""
    return " · with charts" if sub.charts else " · no charts"


def subscriptions_message(subs: list[SubscriptionView], now: datetime, *, charted: set[str] | None = None) -> Reply:
    """Every subscription; `charted`: the digests that have charts, whose choice is shown."""
    if not subs:
        return note("No channel gets a digest yet. In a channel, type `/delivery subscribe at-risk` (leads and ops).")
    rows = [f"• {channel_mention(s.channel_id)}: *{escape(s.digest)}* {_when(s)}"
            f"{' · all-clear' if s.all_clear else ''}{_charts_shown(s, charted or set())}" for s in subs]
    text = "*Digest subscriptions*\n" + "\n".join(rows[:60])
    if len(rows) > 60:
        text += f"\nand {len(rows) - 60} more"
    reply = note(text)
    reply.blocks.append(context("`/delivery unsubscribe <digest>` in a channel stops its digest (or its SLA warnings)"
                                .replace("<", "&lt;").replace(">", "&gt;")))
    return reply
