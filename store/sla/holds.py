"""Warnings not posted to someone, and why: quiet hours in their own time zone, or a mute they set on a
service's warnings. What is held is kept (`held_warnings`), so their morning digest and `/delivery
at-risk` list it: the bot never decides silently not to tell."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from store.changes import ChangeRefused, InvalidChange
from store.changes.actors import actor_person
from store.context import QueryContext
from store.models import Customer, HeldWarning, Person, Service, Ticket, WarningMute
from store.readmodels.sla import HeldWarningView, MuteApplied
from store.rules.sla import MUTE_FOR, HoldReason

# Warnings held since this long ago are listed (a person's morning digest covers the night before).
HELD_LOOKBACK = timedelta(hours=24)
# Who may mute: anyone linked to a person (a mute is their own).
MAY_MUTE = "people linked to someone in the delivery portfolio"


@dataclass(frozen=True)
class HoldFacts:
    """What decides whether a DM is held: each reader's time zone and their mutes."""

    zones: dict[str, ZoneInfo]
    muted: frozenset[tuple[str, int]]  # (Slack user id, service id)
    fallback: ZoneInfo

    def reason(self, ctx: QueryContext, slack_user_id: str, service_id: int | None) -> HoldReason | None:
        if service_id is not None and (slack_user_id, service_id) in self.muted:
            return HoldReason.MUTED
        quiet = ctx.sla.quiet
        if quiet is not None and quiet.contains(ctx.now, self.zones.get(slack_user_id, self.fallback)):
            return HoldReason.QUIET_HOURS
        return None


def _zone(name: str | None, fallback: ZoneInfo) -> ZoneInfo:
    try:
        return ZoneInfo(name) if name else fallback
    except (ZoneInfoNotFoundError, ValueError):
        return fallback


def hold_facts(session: Session, ctx: QueryContext, *, slack_user_ids: Iterable[str],
               service_ids: Iterable[int]) -> HoldFacts:
    """The readers' time zones (their Slack one, else the organisation's) and their live mutes: two statements."""
    people = sorted(set(slack_user_ids))
    services = sorted(set(service_ids))
    if not people:
        return HoldFacts({}, frozenset(), ctx.tz)
    zones = {slack_id: _zone(tz, ctx.tz) for slack_id, tz in session.execute(
        select(Person.slack_user_id, Person.slack_tz).where(Person.team_id == ctx.team_id,
                                                           Person.slack_user_id.in_(people))) if slack_id}
    muted: frozenset[tuple[str, int]] = frozenset()
    if services:
        muted = frozenset((slack_id, service_id) for slack_id, service_id in session.execute(
            select(WarningMute.slack_user_id, WarningMute.service_id).where(
                WarningMute.team_id == ctx.team_id, WarningMute.slack_user_id.in_(people),
                WarningMute.service_id.in_(services), WarningMute.until > ctx.now)))
    return HoldFacts(zones, muted, ctx.tz)


def record_held(session: Session, ctx: QueryContext, *, held: Sequence[tuple[int, int, str, HoldReason]]) -> None:
    """Keep each (ticket, level, place, reason) held now, in one statement."""
    if held:
        session.execute(insert(HeldWarning), [
            {"team_id": ctx.team_id, "ticket_id": ticket_id, "level": level, "place": place,
             "reason": reason.value, "held_at": ctx.now} for ticket_id, level, place, reason in held])


def mute_service_warnings(session: Session, ctx: QueryContext, *, actor_slack_user_id: str,
                          ticket_id: int) -> MuteApplied:
    """Mute the actor's SLA warnings by DM for the ticket's service, for a week from now."""
    person = actor_person(session, ctx, actor_slack_user_id)
    if person is None:
        raise ChangeRefused(MAY_MUTE, linked=False)
    found = session.execute(select(Service.id, Service.name).join(Ticket, Ticket.service_id == Service.id)
                            .where(Ticket.id == ticket_id, Ticket.team_id == ctx.team_id)).first()
    if found is None:
        raise InvalidChange("that ticket is on no service, so there is no service's warnings to mute")
    service_id, service_name = found
    until = ctx.now + MUTE_FOR
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(dialect.insert(WarningMute).values(
        team_id=ctx.team_id, slack_user_id=actor_slack_user_id, service_id=service_id, until=until,
        muted_at=ctx.now).on_conflict_do_update(index_elements=["team_id", "slack_user_id", "service_id"],
                                                set_={"until": until, "muted_at": ctx.now}))
    return MuteApplied(service_id=service_id, service_name=service_name, until=until)


def held_warnings(session: Session, ctx: QueryContext, *, since: datetime, place: str | None = None,
                  until: datetime | None = None, reason: HoldReason | None = None, open_only: bool = True,
                  limit: int = 10) -> tuple[list[HeldWarningView], int]:
    """Warnings held since `since` (and before `until`), of one place (a person's DMs, a channel) or
    everywhere, of one reason or any, of tickets still open unless `open_only` is False; newest first,
    and how many there are: two statements."""
    conditions = [HeldWarning.team_id == ctx.team_id, HeldWarning.held_at >= since]
    if open_only:
        conditions.append(Ticket.resolved_at.is_(None))
    if until is not None:
        conditions.append(HeldWarning.held_at < until)
    if place is not None:
        conditions.append(HeldWarning.place == place)
    if reason is not None:
        conditions.append(HeldWarning.reason == reason.value)
    total = session.execute(select(func.count()).select_from(HeldWarning)
                            .join(Ticket, Ticket.id == HeldWarning.ticket_id).where(*conditions)).scalar_one()
    if not total:
        return [], 0
    rows = session.execute(
        select(HeldWarning.ticket_id, HeldWarning.level, HeldWarning.place, HeldWarning.reason,
               HeldWarning.held_at, Ticket.title, Ticket.due_at, Ticket.resolved_at, Customer.name, Person.name)
        .join(Ticket, Ticket.id == HeldWarning.ticket_id)
        .join(Customer, Customer.id == Ticket.customer_id)
        .outerjoin(Person, (Person.team_id == ctx.team_id) & (Person.slack_user_id == HeldWarning.place))
        .where(*conditions).order_by(HeldWarning.held_at.desc(), HeldWarning.id.desc()).limit(limit))
    return [HeldWarningView(ticket_id=ticket_id, level=level, place=place, person_name=name,
                            reason=HoldReason(reason), held_at=held_at, title=title, due_at=due_at,
                            resolved_at=resolved_at, customer_name=customer)
            for ticket_id, level, place, reason, held_at, title, due_at, resolved_at, customer, name in rows], total


