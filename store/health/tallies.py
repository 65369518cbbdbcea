"""Customer sessions per service in the engagement windows, from tallies kept at a checkpoint.

The engagement rule compares each service's customer sessions in the last N days with the N days
before, two windows that end at the current second. Counted from the appointments, that is every
customer session of 2N days (75,000 at 10,000 services), the largest part of `/delivery status` and
`/delivery at-risk`. Instead each service's two counts are kept as of a checkpoint T0
(`refresh_engagement_tallies`), and at any `now` near T0 they follow exactly from those and the
sessions that crossed a window's edge in between:

    recent(now) = recent(T0) + sessions in (T0, now]     - sessions in (T0 - N, now - N]
    prior(now)  = prior(T0)  + sessions in (T0 - N, now - N] - sessions in (T0 - 2N, now - 2N]

(with the signs turned when `now` is before T0): a few hundred sessions for an hour, not 75,000.

The tallies are never read after their sessions changed: any insert, delete or update of a
customer session clears its team's checkpoint in the same transaction (the triggers of migration
0007), and readers then count from the appointments (`None` here) until the next refresh. A
refresh holds off writers of appointments while it counts, so no change can fall between its count
and its checkpoint. Refreshes run after the bulk writers (demo, import) and on the scheduler.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import (
    BindParameter,
    CompoundSelect,
    Float,
    Integer,
    Select,
    and_,
    bindparam,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    literal_column,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session, sessionmaker

from store.enums import AppointmentKind, ServiceStatus
from store.health.rules import HealthThresholds
from store.models import Appointment, EngagementCheckpoint, EngagementTally, Service, UTCDateTime
from store.tally_checkpoints import HORIZON, count_holding_writers, crossing_parameters

# A refresh waits this long at most for writers of appointments to commit (PostgreSQL).
LOCK_WAIT = "5s"
SESSION = AppointmentKind.CUSTOMER_SESSION


def _windows(now: datetime, limits: HealthThresholds) -> tuple[datetime, datetime]:
    window = timedelta(days=limits.engagement_window_days)
    return now - window, now - 2 * window


def session_counts_at(team_id: str, now: datetime, limits: HealthThresholds, services: Select | None = None) -> Select:
    """(service_id, recent, prior) of every service of the team (or of `services`, a select of ids)
    with a customer session in either window ending at `now`, counted from the appointments."""
    recent_start, prior_start = _windows(now, limits)
    return (
        select(Appointment.service_id,
               func.sum(case((Appointment.starts_at > recent_start, 1), else_=0)),
               func.sum(case((Appointment.starts_at <= recent_start, 1), else_=0)))
        .where(
            # Each service's sessions are one range of ix_appointments_service_kind_starts.
            Appointment.service_id.in_(select(Service.id).where(Service.team_id == team_id)
                                       if services is None else services),
            Appointment.kind == SESSION,
            Appointment.starts_at > prior_start,
            Appointment.starts_at <= now,
        )
        .group_by(Appointment.service_id)
    )


def refresh_engagement_tallies(sessions: sessionmaker[Session], team_id: str, *, now: datetime,
                               limits: HealthThresholds) -> bool:
    """Count the team's tallies at `now` and make that the checkpoint, in one transaction. False
    (and nothing changed) when it could not: writers held the appointments too long, or the
    database was busy; answers are then counted from the appointments, as before."""
    def count(session: Session) -> None:
        session.execute(delete(EngagementTally).where(EngagementTally.team_id == team_id))
        counts = session_counts_at(team_id, now, limits).subquery()
        session.execute(insert(EngagementTally).from_select(
            ["team_id", "service_id", "recent", "prior"], select(literal(team_id), *counts.c)))
        session.merge(EngagementCheckpoint(team_id=team_id, as_of=now, window_days=limits.engagement_window_days))

    return count_holding_writers(sessions, table="appointments", lock_wait=LOCK_WAIT,
                                 what=f"engagement tallies of {team_id}", count=count)


def _as_of(session: Session, team_id: str, limits: HealthThresholds) -> datetime | None:
    return session.scalar(select(EngagementCheckpoint.as_of).where(
        EngagementCheckpoint.team_id == team_id,
        EngagementCheckpoint.window_days == limits.engagement_window_days))


def tallies_age(session: Session, team_id: str, *, now: datetime, limits: HealthThresholds) -> timedelta | None:
    """How far `now` is from the team's checkpoint; None when there is none for these windows."""
    as_of = _as_of(session, team_id, limits)
    return None if as_of is None else abs(now - as_of)


def _checkpoint(session: Session, team_id: str, now: datetime, limits: HealthThresholds) -> datetime | None:
    as_of = _as_of(session, team_id, limits)
    return as_of if as_of is not None and abs(now - as_of) <= HORIZON else None


def _crossed(edge: int, recent: int, prior: int) -> Select:
    """The customer sessions that started between the edge's two moments (see `_declining`), each
    adding `recent` and `prior`."""
    return select(Appointment.service_id, literal_column(str(recent)).label("recent"),
                  literal_column(str(prior)).label("prior")).where(
        # Not a session without a service: NOT IN below would then exclude every service.
        Appointment.team_id == bindparam("team_id"), Appointment.kind == SESSION, Appointment.service_id.is_not(None),
        Appointment.starts_at > bindparam(f"low{edge}", type_=UTCDateTime()),
        Appointment.starts_at <= bindparam(f"high{edge}", type_=UTCDateTime()))


@cache
def _declining() -> Select:
    """(service_id, recent, prior) of the active services whose engagement is declining, from the
    tallies and the sessions that crossed an edge since; and a row with no service while the
    checkpoint is the one read. Built once: its parameters are bound at each execution."""
    team_id: BindParameter[str] = bindparam("team_id")
    sign: BindParameter[int] = bindparam("sign", type_=Integer())
    # Edge 0 is the recent window's end, 1 the recent window's start (the prior's end), 2 the prior's start.
    crossed = union_all(_crossed(0, 1, 0), _crossed(1, -1, 1), _crossed(2, 0, -1)).subquery()
    delta = (select(crossed.c.service_id, (func.sum(crossed.c.recent) * sign).label("recent"),
                    (func.sum(crossed.c.prior) * sign).label("prior"))
             .group_by(crossed.c.service_id).cte("delta"))
    tally, ratio = EngagementTally, bindparam("ratio", type_=Float())
    recent = func.coalesce(tally.recent, 0) + delta.c.recent
    prior = func.coalesce(tally.prior, 0) + delta.c.prior
    # Only the services in `delta` can have moved since the checkpoint: every other one is
    # declining now exactly when its tally is (a test on each row, without grouping them).
    unmoved = select(tally.service_id, tally.recent, tally.prior).where(
        tally.team_id == team_id, tally.prior > 0, tally.recent < tally.prior * ratio,
        tally.service_id.not_in(select(delta.c.service_id)))
    moved = (select(delta.c.service_id, recent, prior)
             .select_from(delta.outerjoin(tally, and_(tally.team_id == team_id,
                                                      tally.service_id == delta.c.service_id)))
             .where(prior > 0, recent < prior * ratio))
    # In this same statement (one snapshot on both databases), it tells that the tallies read are
    # those of the checkpoint read before: a refresh in between would have changed `as_of`.
    still = select(null(), literal_column("0", Integer()), literal_column("0", Integer())).where(
        EngagementCheckpoint.team_id == team_id,
        EngagementCheckpoint.as_of == bindparam("as_of", type_=UTCDateTime()),
        EngagementCheckpoint.window_days == bindparam("window_days", type_=Integer()))
    declining = union_all(unmoved, moved, still).subquery()
    active = select(Service.id).where(Service.team_id == team_id, Service.status == ServiceStatus.ACTIVE)
    return select(*declining.c).where(or_(declining.c[0].is_(None), declining.c[0].in_(active)))


def declining_from_tallies(session: Session, team_id: str, *, now: datetime,
                           limits: HealthThresholds) -> dict[int, tuple[int, int]] | None:
    """(recent, prior) sessions of the team's active services whose engagement is declining, from
    the tallies; None when there is no usable checkpoint."""
    as_of = _checkpoint(session, team_id, now, limits)
    if as_of is None:
        return None
    crossings = crossing_parameters(as_of, now, timedelta(days=limits.engagement_window_days))
    found = session.execute(_declining(), {
        "team_id": team_id, "ratio": limits.engagement_min_ratio, "as_of": as_of,
        "window_days": limits.engagement_window_days, **crossings,
    }).all()
    if not any(row[0] is None for row in found):
        return None
    return {int(sid): (int(r), int(p)) for sid, r, p in found if sid is not None}


@cache
def _all_counts() -> CompoundSelect:
    """(service_id, recent, prior) of every service of the team with a tally or a session that crossed
    an edge since the checkpoint, from the tallies and those sessions; and a row with no service while
    the checkpoint is the one read (as in `_declining`). Built once: its parameters are bound at each
    execution."""
    team_id: BindParameter[str] = bindparam("team_id")
    sign: BindParameter[int] = bindparam("sign", type_=Integer())
    crossed = union_all(_crossed(0, 1, 0), _crossed(1, -1, 1), _crossed(2, 0, -1)).subquery()
    tally = EngagementTally
    rows = union_all(
        select(tally.service_id, tally.recent, tally.prior).where(tally.team_id == team_id),
        select(crossed.c.service_id, crossed.c.recent * sign, crossed.c.prior * sign),
    ).subquery()
    still = select(null(), literal_column("0", Integer()), literal_column("0", Integer())).where(
        EngagementCheckpoint.team_id == team_id,
        EngagementCheckpoint.as_of == bindparam("as_of", type_=UTCDateTime()),
        EngagementCheckpoint.window_days == bindparam("window_days", type_=Integer()))
    # As integers: PostgreSQL sums integers to numeric, which reaches Python as Decimal, slow to convert.
    summed = (select(rows.c.service_id, cast(func.sum(rows.c.recent), Integer), cast(func.sum(rows.c.prior), Integer))
              .group_by(rows.c.service_id))
    return union_all(summed, still)


def session_counts(session: Session, team_id: str, *, now: datetime,
                   limits: HealthThresholds) -> dict[int, tuple[int, int]]:
    """(recent, prior) customer sessions of every service of the team with one in either engagement window
    ending at `now`, as the engagement rule counts them: from the tallies when a checkpoint is near (a
    row per service and the sessions that crossed an edge since), else counted from the appointments."""
    as_of = _checkpoint(session, team_id, now, limits)
    if as_of is not None:
        crossings = crossing_parameters(as_of, now, timedelta(days=limits.engagement_window_days))
        found = session.execute(_all_counts(), {
            "team_id": team_id, "as_of": as_of, "window_days": limits.engagement_window_days, **crossings,
        }).all()
        if any(row[0] is None for row in found):
            return {sid: (r, p) for sid, r, p in found if sid is not None and (r or p)}
    return {int(sid): (int(r or 0), int(p or 0))
            for sid, r, p in session.execute(session_counts_at(team_id, now, limits))}
