"""Each active service's shown health, kept between refreshes, for the answers that count and order
the services not On Track.

`/delivery status` and `/delivery at-risk` need every active service's shown health to count them,
yet all but a few hundred are On Track. A refresh (`store.health.keeping`) assesses every
service and keeps, per service:

- its shown health, and since when its shown health's rules have held, as a moment (a block) or as
  a calendar day (a milestone date: the moment then moves with `now`, see `health.days_ago`);
- `valid_until`, the first moment at which time alone could change its signals: an open ticket
  falling due, a blocked deliverable reaching the rule's days, a customer session crossing an
  engagement window's edge, its override expiring, the next local midnight.

Any change to what a service's health is assessed from marks it in `health_changes`, in the
writing transaction (the triggers of migration 0010). So a kept row is exact at `now` unless its
service is marked or `now` has reached its `valid_until`: readers assess those few again, and take
every other one as kept. The kept rows, the marks and the rules they were kept under are read in
one statement (one snapshot on both databases), so a refresh landing in between cannot mix them.

A refresh removes only the marks it saw, and only if no change moved them since (`mark` grows with
each change): a change landing during a refresh stays marked and is assessed again by readers.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from functools import cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BindParameter,
    CompoundSelect,
    Integer,
    bindparam,
    case,
    delete,
    func,
    insert,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from store.clock import local_midnight, local_today
from store.db import mapped_table
from store.enums import AppointmentKind, DeliverableStatus, Health
from store.health.rules import Assessment, HealthThresholds, days_ago
from store.models import (
    Appointment,
    Deliverable,
    HealthChange,
    HealthCheckpoint,
    KeptHealth,
    Service,
    Ticket,
    UTCDateTime,
)
from store.queries.id_lists import id_in

# More services than this to assess again, and an answer reads none of the kept rows: assessing
# them one by one would cost more than assessing the portfolio (after midnight, every row expires).
MAX_STALE = 300
NOT_ON_TRACK = (Health.NEEDS_ATTENTION, Health.AT_RISK)


def rules_key(limits: HealthThresholds, tz: ZoneInfo) -> str:
    """What kept health depends on besides the data: the thresholds, and the time zone (`today`)."""
    return ";".join([str(tz), *(f"{f.name}={getattr(limits, f.name)}" for f in fields(limits))])


class KeptAssessment(NamedTuple):
    """What a kept row tells of a service's assessment: its shown health, and since when (as
    `Assessment.since` would say at `now`). Not its findings: those are assessed for the services
    an answer shows."""

    shown: Health
    since: datetime | None


@dataclass(frozen=True)
class Kept:
    """The kept services not On Track (and not stale), and the services to assess again."""

    unhealthy: dict[int, KeptAssessment]
    stale: set[int]


@cache
def _kept_statement() -> CompoundSelect:
    """(service_id, health, since_at, since_day, source): the kept rows not On Track and not expired
    (source 0), the expired and the marked services (1), and a row telling that the rules match (2)."""
    team_id: BindParameter[str] = bindparam("team_id")
    now: BindParameter[datetime] = bindparam("now", type_=UTCDateTime())
    unhealthy = select(KeptHealth.service_id, KeptHealth.health, KeptHealth.since_at, KeptHealth.since_day,
                       literal_column("0", Integer()).label("source")).where(
        KeptHealth.team_id == team_id, KeptHealth.health.in_(NOT_ON_TRACK), KeptHealth.valid_until > now)
    expired = select(KeptHealth.service_id, null(), null(), null(), literal_column("1", Integer())).where(
        KeptHealth.team_id == team_id, KeptHealth.valid_until <= now)
    marked = select(HealthChange.service_id, null(), null(), null(), literal_column("1", Integer())).where(
        HealthChange.team_id == team_id)
    rules = select(literal_column("0", Integer()), null(), null(), null(), literal_column("2", Integer())).where(
        HealthCheckpoint.team_id == team_id, HealthCheckpoint.rules == bindparam("rules"))
    return union_all(unhealthy, expired, marked, rules)


def read_kept(session: Session, team_id: str, *, now: datetime, today: date, rules: str) -> Kept | None:
    """The team's kept health at `now`; None when there is none under these rules, or when too many
    services would need assessing again."""
    rows = session.execute(_kept_statement(), {"team_id": team_id, "now": now, "rules": rules}).all()
    if not any(row[4] == 2 for row in rows):
        return None
    stale = {row[0] for row in rows if row[4] == 1}
    if len(stale) > MAX_STALE:
        return None
    unhealthy = {}
    for service_id, health, since_at, since_day, source in rows:
        if source == 0 and service_id not in stale:
            since = since_at
            if since_day is not None:
                moved = days_ago(now, today, since_day)
                since = moved if since is None or moved < since else since
            unhealthy[service_id] = KeptAssessment(health, since)
    return Kept(unhealthy, stale)


def kept_parts(assessment: Assessment) -> tuple[datetime | None, date | None]:
    """(since_at, since_day) of an assessment: its shown health's findings' starts, by kind."""
    if assessment.override is not None:
        return None, None
    shown = [f for f in assessment.findings if f.health == assessment.shown]
    moments = [f.since for f in shown if f.since is not None and f.since_day is None]
    days = [f.since_day for f in shown if f.since is not None and f.since_day is not None]
    return (min(moments) if moments else None), (min(days) if days else None)


def valid_until(session: Session, team_id: str, *, now: datetime, tz: ZoneInfo, limits: HealthThresholds,
                only: Collection[int] | None = None) -> tuple[datetime, dict[int, datetime]]:
    """The next local midnight, and for each service (of `only`, when given) with an earlier one, the
    first moment from `now` at which time alone could change its signals. Every event at `now` or
    later counts, so a kept row is never used at or past the moment its signals move."""
    midnight = local_midnight(local_today(now, tz) + timedelta(days=1), tz)
    window = timedelta(days=limits.engagement_window_days)
    blocked_for = timedelta(days=limits.blocked_days)

    def of(column):
        return [] if only is None else [id_in(column, only, "kept_ids")]

    # (service id, moment): every query below leaves out rows without a service.
    events: list[tuple[int | None, datetime | None]] = []
    events += session.execute(
        select(Ticket.service_id, func.min(Ticket.due_at))
        .where(Ticket.team_id == team_id, Ticket.resolved_at.is_(None), Ticket.due_at >= now,
               Ticket.service_id.is_not(None), *of(Ticket.service_id))
        .group_by(Ticket.service_id)).all()
    events += [(sid, since and since + blocked_for) for sid, since in session.execute(
        select(Deliverable.service_id, func.min(Deliverable.blocked_since))
        .where(Deliverable.team_id == team_id, Deliverable.status == DeliverableStatus.BLOCKED,
               Deliverable.blocked_since >= now - blocked_for, *of(Deliverable.service_id))
        .group_by(Deliverable.service_id))]
    session_events = session.execute(
        select(Appointment.service_id,
               func.min(case((Appointment.starts_at >= now, Appointment.starts_at))),
               func.min(case((Appointment.starts_at >= now - window, Appointment.starts_at))),
               func.min(Appointment.starts_at))
        .where(Appointment.team_id == team_id, Appointment.kind == AppointmentKind.CUSTOMER_SESSION,
               Appointment.starts_at >= now - 2 * window, Appointment.service_id.is_not(None),
               *of(Appointment.service_id))
        .group_by(Appointment.service_id))
    for sid, starts, leaves_recent, leaves_prior in session_events:
        events += [(sid, starts), (sid, leaves_recent and leaves_recent + window),
                   (sid, leaves_prior and leaves_prior + 2 * window)]
    events += session.execute(
        select(Service.id, Service.health_override_expires_at)
        .where(Service.team_id == team_id, Service.health_override_expires_at >= now, *of(Service.id))).all()
    first: dict[int, datetime] = {}
    for sid, moment in events:
        if sid is not None and moment is not None and moment < first.get(sid, midnight):
            first[sid] = moment
    return midnight, first


def read_marks(session: Session, team_id: str) -> dict[int, int]:
    """The team's marked services and their marks. On PostgreSQL, locked for this transaction, less
    those a writer holds (skipped, not waited for: they stay marked for the next refresh), so
    writers marking them meanwhile wait for this refresh to commit and then mark them again."""
    query = select(HealthChange.service_id, HealthChange.mark).where(HealthChange.team_id == team_id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return dict(session.execute(query).all())


def expired_services(session: Session, team_id: str, now: datetime) -> set[int]:
    return set(session.scalars(select(KeptHealth.service_id).where(
        KeptHealth.team_id == team_id, KeptHealth.valid_until <= now)))


def replace_kept(session: Session, team_id: str, assessed: Iterable[tuple[int, Assessment]], *,
                 now: datetime, tz: ZoneInfo, limits: HealthThresholds, only: Collection[int] | None,
                 seen_marks: dict[int, int]) -> None:
    """Keep these assessments (of every active service, or of `only` those) in place of the kept rows
    before, and remove the marks seen, unless they moved since."""
    midnight, events = valid_until(session, team_id, now=now, tz=tz, limits=limits, only=only)
    stored = delete(KeptHealth).where(KeptHealth.team_id == team_id)
    session.execute(stored if only is None else stored.where(id_in(KeptHealth.service_id, only, "kept_ids")))
    rows = []
    for service_id, assessment in assessed:
        since_at, since_day = kept_parts(assessment)
        rows.append({"team_id": team_id, "service_id": service_id, "health": assessment.shown,
                     "since_at": since_at, "since_day": since_day,
                     "valid_until": events.get(service_id, midnight)})
    if rows:
        session.execute(insert(KeptHealth), rows)
    if seen_marks:
        table = mapped_table(HealthChange)
        marks = table.c
        session.execute(
            delete(table).where(marks.team_id == team_id,
                                marks.service_id == bindparam("sid", type_=Integer()),
                                marks.mark == bindparam("seen", type_=Integer())),
            [{"sid": sid, "seen": mark} for sid, mark in seen_marks.items()])


def stamp(session: Session, team_id: str, *, rules: str, now: datetime) -> None:
    session.merge(HealthCheckpoint(team_id=team_id, rules=rules, as_of=now))


def forget(session: Session, team_id: str) -> None:
    """No kept health for the team (readers assess every service) until the next refresh."""
    session.execute(delete(HealthCheckpoint).where(HealthCheckpoint.team_id == team_id))

