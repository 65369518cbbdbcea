"""The portfolio's health as answers use it: counts over every active service, and read models of the
first few services of a list, in an order.

Counting and ordering need each service's shown health and since when only. Those come from kept
health when it is current (`store.health.kept`) and from assessing the services with a signal or an
override otherwise; the read models of the services shown are built from full assessments, made for
the ones whose assessment was kept. Which of the two answered is never visible outside this module.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

from sqlalchemy import Row, func, select
from sqlalchemy.orm import Session

from store.enums import Health, Phase, ServiceStatus
from store.health.assessing import assess_active_services, assess_signalled, counts_with_quiet
from store.health.kept import read_kept, rules_key
from store.health.rules import Assessment
from store.models import Customer, Person, Service
from store.queries.id_lists import id_in
from store.readmodels import FindingView, PersonRef, ServiceHealthView

if TYPE_CHECKING:
    from store.context import QueryContext

# A Slack message holds at most 50 blocks, one per service at best: no answer shows more services
# than this, so read models are built for the first this many of a list, and the rest are counted.
MAX_SHOWN_SERVICES = 50


class Standing(NamedTuple):
    """A service's shown health and since when: what counting and ordering read (a tuple: thousands)."""

    id: int
    health: Health
    since: datetime | None


@dataclass(frozen=True)
class ServiceOrder:
    """An order of services: by their standing (`lead`), then by customer and service name. The lead
    needs no name, so the services that can come first are known before any is read."""

    lead: Callable[[Standing], tuple]

    def key(self, standing: Standing, customer_name: str, service_name: str) -> tuple:
        return *self.lead(standing), customer_name, service_name

    def may_be_first(self, standings: Collection[Standing], limit: int | None) -> Collection[Standing]:
        """The services that can be among the first `limit`: those whose lead is at most the
        `limit`-th smallest (every other one has at least `limit` services before it)."""
        if limit is None or len(standings) <= limit:
            return standings
        cut = sorted(self.lead(standing) for standing in standings)[limit - 1]
        return [standing for standing in standings if self.lead(standing) <= cut]


def _longest_in_state(standing: Standing) -> tuple:
    """Longest in its shown health first; a service with no start for it (an override) last."""
    return standing.since is None, standing.since


by_customer_and_name = ServiceOrder(lambda standing: ())
worst_first = ServiceOrder(lambda standing: (-standing.health.severity,))
longest_in_state_first = ServiceOrder(_longest_in_state)


@dataclass(frozen=True)
class ShownServices:
    """The first services of a list, as read models, and how many the whole list holds."""

    views: list[ServiceHealthView]
    total: int


# A shown service's id, name, customer name, owner name and Slack user id (SQLAlchemy types the outer
# joined owner's name as never None), action note and phase.
_ShownRow = Row[int, str, str, str, str | None, str | None, Phase]


def _first_rows(session: Session, standings: Collection[Standing], order: ServiceOrder,
                limit: int | None) -> list[_ShownRow]:
    """The names and owners of the first `limit` services in `order` (sorted in Python, so the order
    is the same on both databases), read for those that can be first only."""
    by_id = {standing.id: standing for standing in order.may_be_first(standings, limit)}
    rows = sorted(session.execute(
        select(Service.id, Service.name, Customer.name, Person.name, Person.slack_user_id, Service.action_note,
               Service.phase)
        .join(Customer, Customer.id == Service.customer_id)
        .outerjoin(Person, Person.id == Service.owner_id)
        .where(id_in(Service.id, by_id, "shown_ids"))
    ), key=lambda row: (*order.key(by_id[row[0]], row[2], row[1]), row[0]))
    return rows[:limit]


def _views(rows: list[_ShownRow], assessments: Mapping[int, Assessment]) -> list[ServiceHealthView]:
    """Read models of `rows`, those without an assessment (no longer active) left out. Built without
    validation (model_construct): every value is already typed, from the database and the rules."""
    views = []
    for service_id, name, customer_name, owner_name, owner_slack, note, phase in rows:
        assessment = assessments.get(service_id)
        if assessment is None:
            continue
        override = assessment.override
        views.append(ServiceHealthView.model_construct(
            service_id=service_id,
            service_name=name,
            customer_name=customer_name,
            phase=Phase(phase),
            owner=PersonRef.model_construct(name=owner_name, slack_user_id=owner_slack) if owner_name else None,
            action_note=note,
            health=assessment.shown,
            computed_health=assessment.computed,
            findings=[
                FindingView.model_construct(health=f.health, rule=f.rule, reason=f.reason, since=f.since)
                for f in assessment.findings
            ],
            health_since=assessment.since,
            override_reason=override.reason if override else None,
            override_expires_at=override.expires_at if override else None,
        ))
    return views


def views_of(session: Session, assessments: Mapping[int, Assessment], *, order: ServiceOrder = by_customer_and_name,
             limit: int | None = None) -> list[ServiceHealthView]:
    """Read models of these assessed services in `order` (the first `limit`, when given), in one statement."""
    standings = [Standing(service_id, a.shown, a.since) for service_id, a in assessments.items()]
    return _views(_first_rows(session, standings, order, limit), assessments)


def health_of(session: Session, ctx: QueryContext,
              service_ids: Collection[int] | None = None) -> list[ServiceHealthView]:
    """These services' health (those of them that are active; every active service when None), by
    customer and name, in six statements."""
    assessed = {s.id: s.assessment for s in assess_active_services(session, ctx, only=service_ids)}
    return views_of(session, assessed)


@dataclass(frozen=True)
class PortfolioHealth:
    """Counts over every active service, and the services whose shown health is not On Track."""

    active: int
    phase_counts: dict[Phase, int]
    health_counts: dict[Health, int]
    _needing: list[Standing] = field(repr=False)
    # Full assessments known so far (of some of `_needing`); the rest are assessed when shown.
    _assessed: dict[int, Assessment] = field(repr=False)
    _session: Session = field(repr=False, compare=False)
    _ctx: QueryContext = field(repr=False, compare=False)

    def not_on_track(self) -> list[Standing]:
        """The standing of every active service not On Track (every other active service is On Track)."""
        return list(self._needing)

    def needing_attention(self, *, order: ServiceOrder = worst_first,
                          limit: int | None = MAX_SHOWN_SERVICES) -> ShownServices:
        """The first services (in `order`) not On Track, and how many there are."""
        rows = _first_rows(self._session, self._needing, order, limit)
        return ShownServices(_views(rows, self._assessments_of(rows)), len(self._needing))

    def by_health(self, *, order: ServiceOrder = longest_in_state_first,
                  limit: int | None = MAX_SHOWN_SERVICES) -> dict[Health, ShownServices]:
        """The first services (in `order`) of each shown health other than On Track, At Risk first,
        `limit` of them in all (no message shows more), and how many each health has."""
        firsts: dict[Health, tuple[list[_ShownRow], int]] = {}
        room = limit
        for shown in (Health.AT_RISK, Health.NEEDS_ATTENTION):
            group = [standing for standing in self._needing if standing.health == shown]
            rows = _first_rows(self._session, group, order, room) if room is None or room > 0 else []
            firsts[shown] = rows, len(group)
            room = None if room is None else room - len(rows)
        assessments = self._assessments_of([row for rows, _ in firsts.values() for row in rows])
        return {shown: ShownServices(_views(rows, assessments), total) for shown, (rows, total) in firsts.items()}

    def _assessments_of(self, rows: list[_ShownRow]) -> dict[int, Assessment]:
        """Full assessments of the services in `rows`, assessing at once those known from kept health."""
        known = {row[0]: self._assessed[row[0]] for row in rows if row[0] in self._assessed}
        missing = [row[0] for row in rows if row[0] not in self._assessed]
        if missing:
            known.update((s.id, s.assessment) for s in assess_active_services(self._session, self._ctx, only=missing))
        return known


def portfolio_health(session: Session, ctx: QueryContext) -> PortfolioHealth:
    """The portfolio's health without assessing every service. From kept health, in two statements
    and the assessment of the few services changed since it was kept; else in six: the signals (4),
    active services by phase (1), and the services with a signal or an override (1). Every other
    active service is On Track by definition, so it is counted, never assessed."""
    kept = read_kept(session, ctx.team_id, now=ctx.now, today=ctx.today, rules=rules_key(ctx.limits, ctx.tz))
    phase_counts = {phase: 0 for phase in Phase}
    for phase, count in session.execute(
            select(Service.phase, func.count())
            .where(Service.team_id == ctx.team_id, Service.status == ServiceStatus.ACTIVE).group_by(Service.phase)):
        phase_counts[Phase(phase)] = int(count)
    total = sum(phase_counts.values())
    if kept is None:
        assessed = assess_signalled(session, ctx)
        standings = []
    else:
        assessed = ({s.id: s.assessment for s in assess_active_services(session, ctx, only=kept.stale)}
                    if kept.stale else {})
        standings = [Standing(service_id, k.shown, k.since) for service_id, k in kept.unhealthy.items()]
    standings += [Standing(service_id, a.shown, a.since) for service_id, a in assessed.items()]
    needing = [standing for standing in standings if standing.health != Health.ON_TRACK]
    return PortfolioHealth(active=total, phase_counts=phase_counts,
                           health_counts=counts_with_quiet((s.health for s in needing), total),
                           _needing=needing, _assessed=assessed, _session=session, _ctx=ctx)
