"""`/delivery subscribe|unsubscribe|subscriptions` and `/delivery digest off|on`."""

from __future__ import annotations

from handlers.commands.answers_base import CommandRequest
from handlers.commands.parse import SubscriptionOptions
from messages.blocks.common import Reply, channel_mention, escape
from messages.blocks.subscriptions import (
    ALERT_WORDS,
    note,
    subscribed_alert_message,
    subscribed_escalations_message,
    subscribed_message,
    subscriptions_message,
    unsubscribed_alert_text,
)
from messages.views import digest_has_charts
from store.changes import ChangeRefused
from store.digests import DEFAULTS, alert_kind, set_personal_digest, subscribe, subscriptions, unsubscribe
from store.enums import AlertKind, DigestKind
from store.rules.schedule import parse_days

DIGEST_NAMES = {kind.value for kind in DigestKind}


def _subscription(request: CommandRequest) -> SubscriptionOptions:
    """The digest options; the parser always sets them for subscribe and unsubscribe."""
    options = request.command.subscription
    if options is None:
        raise ValueError(f"/delivery {request.command.subcommand.value} was parsed without a digest")
    return options


def subscribe_answer(request: CommandRequest) -> Reply:
    options = _subscription(request)
    if alert_kind(options.digest) is not None:
        return _subscribe_alert(request, options)
    default = DEFAULTS[DigestKind(options.digest)]
    charted = digest_has_charts(DigestKind(options.digest))
    if options.charts is not None and not charted:
        return note(f"The {escape(options.digest)} digest has no charts, so `charts` and `no-charts` do not apply. "
                    "Nothing was changed.")
    try:
        sub = request.workspace.change(
            subscribe, digest=options.digest, channel_id=request.channel_id,
            at_time=options.at_time or default.at_time,
            days=options.days or ",".join(parse_days(default.days)),
            timezone=options.timezone or request.workspace.tz.key, all_clear=options.all_clear,
            charts=options.charts, actor_slack_user_id=request.user_id,
        )
    except ChangeRefused as refused:
        return note(f"Only {escape(refused.who_can)} can subscribe a channel to a digest. Nothing was changed.")
    return subscribed_message(sub, request.workspace.clock.now(), charted=charted)


def _subscribe_alert(request: CommandRequest, options: SubscriptionOptions) -> Reply:
    """An alert has no schedule: the store keeps placeholders in its schedule columns."""
    alert = AlertKind(options.digest)
    try:
        sub = request.workspace.change(subscribe, digest=options.digest, channel_id=request.channel_id,
                                       timezone=request.workspace.tz.key, actor_slack_user_id=request.user_id)
    except ChangeRefused as refused:
        return note(f"Only {escape(refused.who_can)} can subscribe a channel to {ALERT_WORDS[alert]}. "
                    "Nothing was changed.")
    if alert == AlertKind.ESCALATIONS:
        return subscribed_escalations_message(sub, request.workspace.escalation.days)
    return subscribed_alert_message(sub, request.workspace.sla.levels)


def unsubscribe_answer(request: CommandRequest) -> Reply:
    digest = _subscription(request).digest
    try:
        removed = request.workspace.change(unsubscribe, digest=digest, channel_id=request.channel_id,
                                           actor_slack_user_id=request.user_id)
    except ChangeRefused as refused:
        return note(f"Only {escape(refused.who_can)} can unsubscribe a channel. Nothing was changed.")
    alert = alert_kind(digest)
    what = ALERT_WORDS[alert] if alert else f"the {escape(digest)} digest"
    if not removed:
        return note(f"{channel_mention(request.channel_id)} was not subscribed to {what}; nothing to stop.")
    if alert:
        return note(unsubscribed_alert_text(request.channel_id, alert))
    return note(f"{channel_mention(request.channel_id)} no longer gets {what}.")


def subscriptions_answer(request: CommandRequest) -> Reply:
    subs = request.workspace.read(subscriptions)
    charted = {sub.digest for sub in subs if sub.digest in DIGEST_NAMES and digest_has_charts(DigestKind(sub.digest))}
    return subscriptions_message(subs, request.workspace.clock.now(), charted=charted)


def digest_answer(request: CommandRequest) -> Reply:
    turned = request.workspace.change(set_personal_digest, slack_user_id=request.user_id,
                                      enabled=bool(request.command.turn_on))
    if turned is None:
        return note("You are not linked to anyone in the delivery portfolio, so there is no personal digest to "
                    "turn on or off. Ask an ops person to add your Slack user ID to the people list.")
    if turned:
        return note(":sunrise: Your personal digest is on: weekdays at 08:30 in your own time zone, by DM.")
    return note("Your personal digest is off. `/delivery digest on` brings it back.")
