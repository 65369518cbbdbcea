"""`/delivery trends` and its charts: how delivery has moved over the last eight weeks (issue 22).

- The health mix: computed health at the end of each of the last seven whole weeks and now, by the
  weekly digest's comparison with a week ago (`store.health.signalled_as_of`: the rules applied to the
  facts as the database dates them), over the services active now and created by each moment. Only the
  services with a signal at a moment are assessed; the rest are counted as On Track, never built.
- On schedule at the end of each of the last eight whole weeks (two statements) and SLA compliance of
  each of those weeks (`store.queries.weekly.sla_by_week`, one statement), against their targets.
- Billable share by person in the last whole week (`store.queries.utilization.people_week`) against the
  70-80% band: the team's sums, how many are below, within and above, and the people furthest outside.

What belongs to weeks that have ended (everything but "now") is kept per team
(`store.queries.kept_reports`), so an answer reads only the present: a few statements, where reading the
past too takes forty-seven whatever the portfolio size. A past week's figures move only when the past is
rewritten: a bulk write drops the kept row; a service paused or deleted since shows at most `KEPT_FOR`
late. Definitions
are in `store.metrics`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, func, not_, or_, select
from sqlalchemy.orm import Session, sessionmaker

from store.clock import Week, local_today
from store.context import QueryContext
from store.enums import DONE_STATUSES, ServiceStatus
from store.health import HealthThen, counts_with_quiet, done_by, signalled_as_of
from store.models import Deliverable, Person, Service
from store.queries.id_lists import id_in
from store.queries.kept_reports import keep_report, read_report
from store.queries.tickets import SLA_TARGET, count_if
from store.queries.utilization import people_week
from store.queries.weekly import sla_by_week
from store.readmodels import ReadModel
from store.readmodels.trends import BillableSpread, CompliancePoint, HealthPoint, PersonBillable, Trends
from store.rules.capacity import BillableBand

WEEKS = 8
# The on-schedule target: no definition gave one, so the project success target's 90% (DESIGN.md) is
# used, the share of work that lands on time the portfolio aims for.
ON_SCHEDULE_TARGET = 0.90
# A chart of people stays readable with this many bars; the rest are counted in its alt text.
MAX_CHARTED_PEOPLE = 20
# The past weeks are read from the kept report for at most this long after they were counted: the health
# mix counts the services active now, so pausing one moves the past points; the scheduler counts them
# again at half this age.
KEPT_FOR = timedelta(minutes=10)
REPORT = "trends"  # its name among the kept reports


def whole_weeks(ctx: QueryContext, weeks: int = WEEKS) -> list[Week]:
    """The last `weeks` whole weeks, oldest first."""
    found = [ctx.week.previous(ctx.tz)]
    while len(found) < weeks:
        found.append(found[-1].previous(ctx.tz))
    return found[::-1]


def _active(ctx: QueryContext):
    return Service.team_id == ctx.team_id, Service.status == ServiceStatus.ACTIVE


def _health_at(session: Session, ctx: QueryContext, moments: list[datetime]) -> list[tuple[int, list[HealthThen]]]:
    """For each moment: the services compared (active now, created by then) and the computed health of
    those of them with a signal then. Five statements a moment, and two."""
    signalled = [signalled_as_of(session, ctx, at=at) for at in moments]
    existed = session.execute(select(*[count_if(Service.created_at <= at) for at in moments])
                              .where(*_active(ctx))).one()
    ids = {service_id for then in signalled for service_id in then}
    created = dict(session.execute(select(Service.id, Service.created_at)
                                   .where(*_active(ctx), id_in(Service.id, ids, "trend_ids"))).all()) if ids else {}
    return [(int(count or 0), [h for service_id, h in then.items()
                               if service_id in created and created[service_id] <= at])
            for at, then, count in zip(moments, signalled, existed, strict=True)]


def _points(moments: list[datetime], read: list[tuple[int, list[HealthThen]]], weeks: int) -> list[HealthPoint]:
    return [HealthPoint(at=at, weeks_ago=weeks - index, counts=counts_with_quiet((h.health for h in then), compared),
                        compared=compared)
            for index, (at, (compared, then)) in enumerate(zip(moments, read, strict=True))]


def _on_schedule_at_ends(session: Session, ctx: QueryContext, weeks: list[Week]) -> tuple[int, list[int]]:
    """Today's deliverables of active services, and of them those late at each week's end: two statements.

    Late then: due before the Monday the week ends on, and not done by then (as on_schedule_week_ago).
    Only deliverables due before the last of those Mondays and open now or completed since the first
    week ended can be late at any of them, so only those are tested, eight times each."""
    of_active = (Service.team_id == ctx.team_id, Service.status == ServiceStatus.ACTIVE)
    total = session.execute(select(func.count()).select_from(Deliverable)
                            .join(Service, Service.id == Deliverable.service_id).where(*of_active)).scalar_one()
    days = [local_today(week.end, ctx.tz) for week in weeks]
    late = [count_if(and_(Deliverable.due_on < day, not_(done_by(week.end)))) for day, week in zip(days, weeks,
                                                                                                  strict=True)]
    maybe_late = or_(Deliverable.status.not_in(DONE_STATUSES), Deliverable.completed_at > weeks[0].end)
    row = session.execute(select(*late).join(Service, Service.id == Deliverable.service_id)
                          .where(*of_active, Deliverable.due_on < max(days), maybe_late)).one()
    return int(total or 0), [int(value or 0) for value in row]


class _PastWeeks(ReadModel):
    """What belongs to weeks that have ended: kept (see the module's docstring)."""

    health: list[HealthPoint]
    compliance: list[CompliancePoint]
    billable: BillableSpread


def _compliance(session: Session, ctx: QueryContext, weeks: list[Week]) -> list[CompliancePoint]:
    total, late = _on_schedule_at_ends(session, ctx, weeks)
    slas = sla_by_week(session, ctx, weeks)
    return [
        CompliancePoint(first_day=week.first_day, on_schedule=(total - late_then) / total if total else None,
                        deliverables=total, sla=sla.sla)
        for week, late_then, sla in zip(weeks, late, slas, strict=True)
    ]


def _billable(session: Session, ctx: QueryContext, week: Week) -> BillableSpread:
    """The delivery team's billable shares in `week`: four statements, and one for their names."""
    people = people_week(session, ctx, week)
    shares = {pid: u.billable_share for pid, u in people.by_person.items()
              if pid in people.delivery and u.billable_share is not None}
    bands = {pid: people.by_person[pid].band for pid in shares}
    names = dict(session.execute(select(Person.id, Person.name).where(id_in(Person.id, shares, "billable_ids")))
                 .all()) if shares else {}
    everyone = [PersonBillable(name=names.get(pid, "someone"), share=share, band=bands[pid] or BillableBand.WITHIN)
                for pid, share in shares.items() if share is not None]
    # Furthest outside the band first; ties by name, so the same people are charted each time.
    everyone.sort(key=lambda p: (-p.outside_by, p.name.casefold(), p.name))
    return BillableSpread(
        first_day=week.first_day, team=people.team().team, counted=len(everyone),
        below=sum(p.band == BillableBand.BELOW for p in everyone),
        within=sum(p.band == BillableBand.WITHIN for p in everyone),
        above=sum(p.band == BillableBand.ABOVE for p in everyone),
        shown=everyone[:MAX_CHARTED_PEOPLE])


def _read_past(session: Session, ctx: QueryContext, weeks: list[Week]) -> _PastWeeks:
    ends = [week.end for week in weeks[1:]]  # the health mix: seven week ends, then now
    return _PastWeeks(health=_points(ends, _health_at(session, ctx, ends), len(ends)),
                      compliance=_compliance(session, ctx, weeks), billable=_billable(session, ctx, weeks[-1]))


def _kept_past(session: Session, ctx: QueryContext, weeks: list[Week], *, kept_for: timedelta) -> _PastWeeks | None:
    return read_report(session, ctx, REPORT, len(weeks), first_day=weeks[0].first_day, model=_PastWeeks,
                       kept_for=kept_for)


def keep_trends(sessions: sessionmaker[Session], ctx: QueryContext, *, weeks: int = WEEKS) -> bool:
    """Count the past weeks again when the kept ones are missing, of an earlier period, or half their
    `KEPT_FOR` old (the scheduler's housekeeping, and after bulk writes); whether it counted."""
    whole = whole_weeks(ctx, weeks)
    return keep_report(sessions, ctx, REPORT, weeks, first_day=whole[0].first_day, model=_PastWeeks,
                       kept_for=KEPT_FOR, count=lambda session: _read_past(session, ctx, whole))


def trends(session: Session, ctx: QueryContext, weeks: int = WEEKS) -> Trends:
    whole = whole_weeks(ctx, weeks)
    past = _kept_past(session, ctx, whole, kept_for=KEPT_FOR)
    if past is None:
        past = _read_past(session, ctx, whole)
    now = _points([ctx.now], _health_at(session, ctx, [ctx.now]), 0)
    return Trends(as_of=ctx.now, health=[*past.health, *now], compliance=past.compliance,
                  on_schedule_target=ON_SCHEDULE_TARGET, sla_target=SLA_TARGET, billable=past.billable)
