"""Digest and alert subscriptions, and who gets a personal digest (the SQL side of `digests/`; the ledger
is `store.ledger`).

A channel subscribes to a digest (sent on its schedule) or to an alert (`AlertKind`: posted as things
happen). Both are rows of `DigestSubscription`, whose `digest` holds the kind's value."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select, union, update
from sqlalchemy.orm import Session

from store.changes import ChangeRefused, rows_matched
from store.changes.actors import actor_person
from store.context import QueryContext
from store.enums import AlertKind, DigestKind, Role
from store.models import DigestSubscription, Person, Service
from store.readmodels.subscriptions import Recipient, SubscriptionView
from store.rules.schedule import parse_days


@dataclass(frozen=True)
class DefaultSchedule:
    at_time: str
    days: str


# Each digest's default rhythm, used when a subscription does not say otherwise.
DEFAULTS = {
    DigestKind.AT_RISK: DefaultSchedule("08:30", "weekdays"),
    DigestKind.OVERDUE_TICKETS: DefaultSchedule("09:00", "weekdays"),
    DigestKind.WEEKLY_PORTFOLIO: DefaultSchedule("08:00", "mon"),
    DigestKind.PATTERNS: DefaultSchedule("09:00", "mon"),
    # In each person's own Slack time zone, by DM.
    DigestKind.PERSONAL: DefaultSchedule("08:30", "weekdays"),
}
# Channels subscribe to these; the personal digest goes to everyone linked, unless they turn it off.
CHANNEL_DIGESTS = (DigestKind.AT_RISK, DigestKind.OVERDUE_TICKETS, DigestKind.WEEKLY_PORTFOLIO,
                   DigestKind.PATTERNS)
# Channels subscribe to these too: posted as they happen, never on a schedule.
CHANNEL_ALERTS = tuple(AlertKind)
# What an alert subscription's schedule columns hold (they are NOT NULL): nothing reads them, since the
# digest runner never plans an alert (digests/plan.py); only its time zone is the one it was made in.
ALERT_SCHEDULE = DefaultSchedule("00:00", "daily")

MAY_SUBSCRIBE = "leads and ops"


def alert_kind(digest: str) -> AlertKind | None:
    """The alert a subscription's `digest` names; None for a digest (or anything else)."""
    return next((kind for kind in AlertKind if kind.value == digest), None)


def _view(sub: DigestSubscription) -> SubscriptionView:
    return SubscriptionView(id=sub.id, digest=sub.digest, channel_id=sub.channel_id, at_time=sub.at_time,
                            days=sub.days, timezone=sub.timezone, all_clear=sub.all_clear,
                            charts=sub.charts if sub.charts is not None else True)


def subscriptions(session: Session, ctx: QueryContext, *, channel_id: str | None = None) -> list[SubscriptionView]:
    query = select(DigestSubscription).where(DigestSubscription.team_id == ctx.team_id)
    if channel_id is not None:
        query = query.where(DigestSubscription.channel_id == channel_id)
    return [_view(s) for s in session.scalars(query.order_by(DigestSubscription.channel_id, DigestSubscription.digest))]


def _require_lead_or_ops(session: Session, ctx: QueryContext, slack_user_id: str | None) -> None:
    if slack_user_id is None:
        return  # the CLI and the demo act as the operator
    person = actor_person(session, ctx, slack_user_id)
    if person is None or person.role not in (Role.LEAD, Role.OPS):
        raise ChangeRefused(MAY_SUBSCRIBE, linked=person is not None)


def alert_channels(session: Session, ctx: QueryContext, *, kind: AlertKind) -> list[str]:
    """The channels of the team subscribed to the alert `kind`, sorted."""
    return list(session.scalars(select(DigestSubscription.channel_id).where(
        DigestSubscription.team_id == ctx.team_id, DigestSubscription.digest == kind.value,
    ).order_by(DigestSubscription.channel_id)))


def subscribe(session: Session, ctx: QueryContext, *, digest: str, channel_id: str, at_time: str | None = None,
              days: str | None = None, timezone: str, all_clear: bool = False, charts: bool | None = None,
              actor_slack_user_id: str | None = None) -> SubscriptionView:
    """Create the channel's subscription to `digest`, or change its schedule if it has one.

    `digest` is a digest (`DigestKind`) or an alert (`AlertKind`). A digest without `at_time` or `days`
    gets its default (DEFAULTS). An alert has no schedule: it stores ALERT_SCHEDULE, no all-clear, and
    `timezone`, whatever `at_time`, `days` and `all_clear` say; those columns are unused for alerts.
    Only leads and ops may, as for digests. `charts` None keeps the subscription's choice (on when new).
    """
    _require_lead_or_ops(session, ctx, actor_slack_user_id)
    if alert_kind(digest) is not None:
        at_time, days, all_clear = ALERT_SCHEDULE.at_time, ALERT_SCHEDULE.days, False
    elif at_time is None or days is None:
        default = DEFAULTS[DigestKind(digest)]
        at_time = at_time or default.at_time
        days = days or ",".join(parse_days(default.days))
    sub = session.scalars(select(DigestSubscription).where(
        DigestSubscription.team_id == ctx.team_id, DigestSubscription.digest == digest,
        DigestSubscription.channel_id == channel_id,
    )).first()
    if sub is None:
        sub = DigestSubscription(team_id=ctx.team_id, digest=digest, channel_id=channel_id, created_at=ctx.now,
                                 created_by_slack_user_id=actor_slack_user_id)
        session.add(sub)
    sub.at_time, sub.days, sub.timezone, sub.all_clear = at_time, days, timezone, all_clear
    if charts is not None:
        sub.charts = charts
    elif sub.charts is None:
        sub.charts = True  # a new row: the column's default, set now so the view below can read it
    session.flush()
    return _view(sub)


def unsubscribe(session: Session, ctx: QueryContext, *, digest: str, channel_id: str,
                actor_slack_user_id: str | None = None) -> bool:
    _require_lead_or_ops(session, ctx, actor_slack_user_id)
    removed = rows_matched(session.execute(delete(DigestSubscription).where(
        DigestSubscription.team_id == ctx.team_id, DigestSubscription.digest == digest,
        DigestSubscription.channel_id == channel_id,
    )))
    return removed > 0


def set_personal_digest(session: Session, ctx: QueryContext, *, slack_user_id: str, enabled: bool) -> bool | None:
    """Turn someone's personal digest on or off; None when they are not linked to a Person."""
    changed = rows_matched(session.execute(
        update(Person).where(Person.team_id == ctx.team_id, Person.slack_user_id == slack_user_id)
        .values(personal_digest=enabled)
    ))
    return enabled if changed else None


def personal_recipients(session: Session, ctx: QueryContext) -> list[Recipient]:
    rows = session.execute(select(Person.id, Person.slack_user_id, Person.slack_tz).where(
        Person.team_id == ctx.team_id, Person.personal_digest.is_(True), Person.slack_user_id.is_not(None),
    ).order_by(Person.id))
    # The query already leaves out people with no Slack user id; the check tells the type checker.
    return [Recipient(person_id=pid, slack_user_id=uid, timezone=tz) for pid, uid, tz in rows if uid is not None]


def teams_with_digests(session: Session) -> list[str]:
    """Every team with something a scheduler may send: a channel subscription or a personal digest.

    The one query across workspaces: the scheduler of a multi-workspace deployment asks it once
    per tick, then works in each team's own Workspace.
    """
    subscribed = select(DigestSubscription.team_id)
    personal = select(Person.team_id).where(Person.personal_digest.is_(True), Person.slack_user_id.is_not(None))
    return sorted(session.scalars(union(subscribed, personal)))










def ops_people(session: Session, ctx: QueryContext) -> list[str]:
    return list(session.scalars(select(Person.slack_user_id).where(
        Person.team_id == ctx.team_id, Person.role == Role.OPS, Person.slack_user_id.is_not(None),
    )))




def teams_with_services(session: Session) -> list[str]:
    """Every team with a service: the teams whose kept tallies the scheduler refreshes."""
    return sorted(session.scalars(select(Service.team_id).distinct()))
