"""Gather health signals for many services at once and assess them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Generic, NamedTuple, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Row, and_, case, func, or_, select
from sqlalchemy.orm import QueryableAttribute, Session

from store.aggregates.engagement import declining_from_tallies, session_counts_at
from store.aggregates.kept_health import KeptAssessment, read_kept, rules_key
from store.enums import DeliverableStatus, Health, Phase, ServiceStatus
from store.models import Customer, Deliverable, Milestone, Person, Service, Ticket
from store.queries.id_lists import id_in
from store.readmodels import FindingView, PersonRef, ServiceHealthView
from store.rules.health import (
    Assessment,
    BlockedDeliverable,
    HealthSignals,
    HealthThresholds,
    MilestoneProgress,
    Override,
    assess,
)

DONE_STATUSES = (DeliverableStatus.COMPLETE, DeliverableStatus.ACCEPTED)


def _active_services(team_id: str, only: Collection[int] | None = None):
    query = select(Service.id).where(Service.team_id == team_id, Service.status == ServiceStatus.ACTIVE)
    return query if only is None else query.where(id_in(Service.id, only, "only_ids"))


def of_active_services(service_id: QueryableAttribute[int | None], team_id: str) -> ColumnElement[bool]:
    """`service_id` is one of the team's active services, for rows that carry the team themselves.
    Written as "none of the services not active", which are few: the databases then read the rows
    by their own team's index, where "one of 9,000 active services" led SQLite to seek each active
    service in turn (17 ms instead of 7 for the blocked deliverables at 10,000 services)."""
    return service_id.not_in(
        select(Service.id).where(Service.team_id == team_id, Service.status != ServiceStatus.ACTIVE))


def _rows_of(model, team_id: str, only: Collection[int] | None) -> tuple:
    """Conditions that a `model` row is of one of the team's active services (of `only` those, when
    given). For the whole portfolio, by the team's own index; for a few services, by each one's own
    rows (their service's index), the services checked to be the team's and active: through the
    team's index, SQLite read every overdue ticket of the team to find those of 50 services."""
    if only is None:
        return model.team_id == team_id, of_active_services(model.service_id, team_id)
    return (model.service_id.in_(_active_services(team_id, only)),)


def _blocked(session: Session, team_id: str, now: datetime, limits: HealthThresholds, only):
    cutoff = now - timedelta(days=limits.blocked_days)
    rows = session.execute(
        select(Deliverable.service_id, Deliverable.name, Deliverable.blocked_since).where(
            *_rows_of(Deliverable, team_id, only),
            Deliverable.status == DeliverableStatus.BLOCKED,
            Deliverable.blocked_since <= cutoff,
        )
    )
    found: dict[int, list[BlockedDeliverable]] = defaultdict(list)
    for service_id, name, since in rows:
        assert since is not None  # `blocked_since <= cutoff` matches no NULL
        found[service_id].append(BlockedDeliverable(name=name, since=since))
    return found


def _open_milestones(session: Session, team_id: str, today: date, limits: HealthThresholds, only):
    """Open milestones that may raise a finding: overdue ones, and those due within the window with
    at most the rule's share done (a superset of the timeline rule's test, which decides; in SQL,
    so the many milestones on track never reach Python)."""
    done = func.sum(case((Deliverable.status.in_(DONE_STATUSES), 1), else_=0))
    total = func.count(Deliverable.id)
    rows = session.execute(
        select(Milestone.service_id, Milestone.name, Milestone.due_on, total, done)
        .outerjoin(Deliverable, Deliverable.milestone_id == Milestone.id)
        .where(
            *_rows_of(Milestone, team_id, only),
            Milestone.done_on.is_(None),
            Milestone.due_on <= today + timedelta(days=limits.milestone_window_days),
        )
        .group_by(Milestone.id, Milestone.service_id, Milestone.name, Milestone.due_on)
        .having(or_(Milestone.due_on < today, and_(total > 0, done <= total * limits.milestone_min_done_share)))
    )
    overdue: dict[int, list[MilestoneProgress]] = defaultdict(list)
    upcoming: dict[int, list[MilestoneProgress]] = defaultdict(list)
    for service_id, name, due_on, linked, done_count in rows:
        progress = MilestoneProgress(name, due_on, int(done_count or 0), int(linked))
        (overdue if due_on < today else upcoming)[service_id].append(progress)
    return overdue, upcoming


def _sessions(session: Session, team_id: str, now: datetime, limits: HealthThresholds, only):
    """Customer sessions in the recent and the prior engagement window, of the services whose
    engagement is declining only (the rule's own test, in SQL): the rest raise no finding, and
    leaving them out keeps Python's work proportional to the problems, not to the portfolio. From
    the engagement tallies when the whole portfolio is asked for and they are current; else (and
    for a few services, which are a few index ranges) from the appointments."""
    if only is None:
        tallied = declining_from_tallies(session, team_id, now=now, limits=limits)
        if tallied is not None:
            return tallied
    counts = session_counts_at(team_id, now, limits, _active_services(team_id, only)).subquery()
    service_id, recent, prior = counts.c
    rows = session.execute(
        select(service_id, recent, prior).where(prior > 0, recent < prior * limits.engagement_min_ratio)
    )
    return {service_id: (int(r or 0), int(p or 0)) for service_id, r, p in rows}


def _overdue_tickets(session: Session, team_id: str, now: datetime, limits: HealthThresholds, only):
    """Overdue tickets per service, of the services with more than the rule allows."""
    rows = session.execute(
        select(Ticket.service_id, func.count())
        .where(
            *_rows_of(Ticket, team_id, only),
            Ticket.resolved_at.is_(None),
            Ticket.due_at < now,
        )
        .group_by(Ticket.service_id)
        .having(func.count() > limits.overdue_tickets_max)
    )
    return dict(rows.all())


def gather_signals(
    session: Session, team_id: str, *, now: datetime, today: date, limits: HealthThresholds,
    only: Collection[int] | None = None,
) -> dict[int, HealthSignals]:
    """Signals of the workspace's active services (or of `only` those), in four statements."""
    blocked = _blocked(session, team_id, now, limits, only)
    overdue, upcoming = _open_milestones(session, team_id, today, limits, only)
    sessions = _sessions(session, team_id, now, limits, only)
    tickets = _overdue_tickets(session, team_id, now, limits, only)
    service_ids = set(blocked) | set(overdue) | set(upcoming) | set(sessions) | set(tickets)
    return {
        service_id: HealthSignals(
            blocked=blocked.get(service_id, []),
            overdue_milestones=overdue.get(service_id, []),
            upcoming_milestones=upcoming.get(service_id, []),
            sessions_recent=sessions.get(service_id, (0, 0))[0],
            sessions_prior=sessions.get(service_id, (0, 0))[1],
            overdue_tickets=tickets.get(service_id, 0),
        )
        for service_id in service_ids
    }


AssessmentT_co = TypeVar("AssessmentT_co", bound=Assessment | KeptAssessment, covariant=True)


class AssessedService(NamedTuple, Generic[AssessmentT_co]):
    """One active service's phase and assessment, before any read model is built. From kept health,
    the assessment tells only the shown health and since when (`KeptAssessment`), and the phase is
    not known: the read models assess the services they show (`service_views`). A tuple: answers
    make thousands."""

    id: int
    phase: Phase | None
    assessment: AssessmentT_co


# A service assessed in full by the rules, or known from kept health only.
AnyAssessedService = AssessedService[Assessment | KeptAssessment]


def assess_rows(rows, signals: dict[int, HealthSignals], *, now: datetime, today: date,
                 limits: HealthThresholds) -> list[AssessedService[Assessment]]:
    """Assess (id, phase, override health, reason, expiry) rows; a service with no signal and no
    override is On Track without running the rules (they would find nothing)."""
    quiet = assess(HealthSignals(), now=now, today=today, limits=limits)
    assessed = []
    for service_id, phase, override_health, override_reason, override_expires in rows:
        found = signals.get(service_id)
        if found is None and override_health is None:
            assessment = quiet
        else:
            override = (Override(override_health, override_reason, override_expires)
                        if override_health is not None else None)
            assessment = assess(found or HealthSignals(), now=now, today=today, limits=limits, override=override)
        assessed.append(AssessedService(service_id, phase, assessment))
    return assessed


def _assessment_columns():
    return (Service.id, Service.phase, Service.health_override, Service.health_override_reason,
            Service.health_override_expires_at)


def assess_active_services(
    session: Session, team_id: str, *, now: datetime, today: date, limits: HealthThresholds,
    only: Collection[int] | None = None,
) -> list[AssessedService[Assessment]]:
    """Active services (all, or `only` those) with their assessment, in five statements. Names are
    not read here: most answers show only some of them (`service_views`)."""
    signals = gather_signals(session, team_id, now=now, today=today, limits=limits, only=only)
    query = select(*_assessment_columns()).where(Service.team_id == team_id, Service.status == ServiceStatus.ACTIVE)
    rows = session.execute(query if only is None else query.where(Service.id.in_(only)))
    return assess_rows(rows, signals, now=now, today=today, limits=limits)


# Assessments of some active services by id (those of them still active), for the ones an answer shows.
Assessor = Callable[[Collection[int]], dict[int, Assessment]]


@dataclass(frozen=True)
class PortfolioHealth:
    """Counts over every active service, and the assessed services that are not On Track."""

    active: int
    phase_counts: dict[Phase, int]
    health_counts: dict[Health, int]
    needing_attention: list[AnyAssessedService]
    # Set when some of `needing_attention` come from kept health: it assesses them in full.
    assess_fully: Assessor | None = None


def portfolio_health(
    session: Session, team_id: str, *, now: datetime, today: date, limits: HealthThresholds,
    tz: ZoneInfo | None = None,
) -> PortfolioHealth:
    """The portfolio's health without assessing every service. With kept health (under `tz`'s rules),
    in two statements and the assessment of the few services changed since it was kept; else in six:
    the signals (4), active services by phase (1), and the services with a signal or an override (1).
    Every other active service is On Track by definition, so it is counted, never assessed."""
    kept = read_kept(session, team_id, now=now, today=today, rules=rules_key(limits, tz)) if tz else None
    active = (Service.team_id == team_id, Service.status == ServiceStatus.ACTIVE)
    phase_counts = {phase: 0 for phase in Phase}
    for phase, count in session.execute(select(Service.phase, func.count()).where(*active).group_by(Service.phase)):
        phase_counts[Phase(phase)] = int(count)
    total = sum(phase_counts.values())
    assessed: Sequence[AnyAssessedService]
    if kept is None:
        signals = gather_signals(session, team_id, now=now, today=today, limits=limits)
        candidates = session.execute(
            select(*_assessment_columns()).where(
                *active, or_(Service.health_override.is_not(None), id_in(Service.id, signals, "signalled_ids")))
        )
        assessed = assess_rows(candidates, signals, now=now, today=today, limits=limits)
        assess_fully = None
    else:
        from_kept: list[AnyAssessedService] = [
            AssessedService(service_id, None, assessment) for service_id, assessment in kept.unhealthy.items()]
        if kept.stale:
            from_kept += assess_active_services(session, team_id, now=now, today=today, limits=limits,
                                                only=kept.stale)
        assessed = from_kept

        def assess_fully(ids: Collection[int]) -> dict[int, Assessment]:
            return {s.id: s.assessment for s in assess_active_services(
                session, team_id, now=now, today=today, limits=limits, only=ids)}
    needing = [s for s in assessed if s.assessment.shown != Health.ON_TRACK]
    return PortfolioHealth(active=total, phase_counts=phase_counts,
                           health_counts=counts_with_quiet((s.assessment.shown for s in needing), total),
                           needing_attention=needing, assess_fully=assess_fully)


def counts_with_quiet(healths: Iterable[Health], total: int) -> dict[Health, int]:
    """Services by health, from the healths of those assessed (the ones with a signal or an override)
    and, of `total` services, every other one On Track: a service with nothing for the rules to find."""
    counted = {health: 0 for health in Health}
    for health in healths:
        counted[health] += 1
    counted[Health.ON_TRACK] = total - sum(n for health, n in counted.items() if health != Health.ON_TRACK)
    return counted


# A Slack message holds at most 50 blocks, one per service at best: no answer shows more services
# than this, so read models are built for the first this many of a list, and the rest are counted.
MAX_SHOWN_SERVICES = 50


@dataclass(frozen=True)
class ServiceOrder:
    """An order of services: by what their assessment says (`lead`), then by customer and service
    name. The lead needs no name, so the services that can come first are known before any is read."""

    lead: Callable[[AnyAssessedService], tuple]

    def key(self, service: AnyAssessedService, customer_name: str, service_name: str) -> tuple:
        return *self.lead(service), customer_name, service_name

    def may_be_first(self, assessed: Collection[AnyAssessedService],
                     limit: int | None) -> Collection[AnyAssessedService]:
        """The services that can be among the first `limit`: those whose lead is at most the
        `limit`-th smallest (every other one has at least `limit` services before it)."""
        if limit is None or len(assessed) <= limit:
            return assessed
        cut = sorted(self.lead(service) for service in assessed)[limit - 1]
        return [service for service in assessed if self.lead(service) <= cut]


def _no_lead(_service: AnyAssessedService) -> tuple:
    return ()


def _worst(service: AnyAssessedService) -> tuple:
    return (-service.assessment.shown.severity,)


def _longest_in_state(service: AnyAssessedService) -> tuple:
    """Longest in its shown health first; a service with no start for it (an override) last."""
    since = service.assessment.since
    return since is None, since


by_customer_and_name = ServiceOrder(_no_lead)
worst_first = ServiceOrder(_worst)
longest_in_state_first = ServiceOrder(_longest_in_state)


# A shown service's id, name, customer name, owner name and Slack user id (SQLAlchemy types the outer
# joined owner's name as never None), action note and phase.
_ShownRow = Row[int, str, str, str, str | None, str | None, Phase]


def _first_rows(session: Session, assessed: Collection[AnyAssessedService], order: ServiceOrder,
                limit: int | None) -> tuple[list[_ShownRow], dict[int, Assessment | KeptAssessment]]:
    """The names and owners of the first `limit` services in `order` (sorted in Python, so the order
    is the same on both databases), read for those that can be first only, and their assessments."""
    by_id = {service.id: service for service in order.may_be_first(assessed, limit)}
    rows = sorted(session.execute(
        select(Service.id, Service.name, Customer.name, Person.name, Person.slack_user_id, Service.action_note,
               Service.phase)
        .join(Customer, Customer.id == Service.customer_id)
        .outerjoin(Person, Person.id == Service.owner_id)
        .where(id_in(Service.id, by_id, "shown_ids"))
    ), key=lambda row: (*order.key(by_id[row[0]], row[2], row[1]), row[0]))
    return rows[:limit], {service_id: service.assessment for service_id, service in by_id.items()}


def _assess_kept(rows, assessments: dict, assess_fully: Assessor | None) -> None:
    """Replace the kept assessments of the services in `rows` by full ones, in one pass."""
    kept = [row[0] for row in rows if isinstance(assessments[row[0]], KeptAssessment)]
    if kept:
        if assess_fully is None:
            raise ValueError("services from kept health need `assess_fully` to be shown")
        assessments.update(assess_fully(kept))


def _views(rows, assessments: dict) -> list[ServiceHealthView]:
    # Built without validation (model_construct): every value is already typed, from the
    # database and the rules.
    views = []
    for service_id, name, customer_name, owner_name, owner_slack, note, phase in rows:
        assessment = assessments[service_id]
        if isinstance(assessment, KeptAssessment):
            continue  # no longer active: changed since its health was read
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


def service_views(session: Session, assessed: Collection[AnyAssessedService], *,
                  order: ServiceOrder = by_customer_and_name, limit: int | None = None,
                  assess_fully: Assessor | None = None) -> list[ServiceHealthView]:
    """Read models of these assessed services in `order`, of the first `limit` only when given: one
    statement for the names and owners of those that can be first, and through `assess_fully` the
    findings of those shown whose assessment was kept."""
    rows, assessments = _first_rows(session, assessed, order, limit)
    _assess_kept(rows, assessments, assess_fully)
    return _views(rows, assessments)


@dataclass(frozen=True)
class ShownServices:
    """The first services of a list, as read models, and how many the whole list holds."""

    views: list[ServiceHealthView]
    total: int


def shown_services(session: Session, assessed: Collection[AnyAssessedService], *, order: ServiceOrder,
                   limit: int = MAX_SHOWN_SERVICES, assess_fully: Assessor | None = None) -> ShownServices:
    return ShownServices(service_views(session, assessed, order=order, limit=limit, assess_fully=assess_fully),
                         len(assessed))


def active_service_health(
    session: Session, team_id: str, *, now: datetime, today: date, limits: HealthThresholds,
    only: Collection[int] | None = None,
) -> list[ServiceHealthView]:
    """Active services (all, or `only` those) with their assessed health, in six statements."""
    return service_views(session, assess_active_services(
        session, team_id, now=now, today=today, limits=limits, only=only))


def services_needing_attention(
    session: Session, team_id: str, *, now: datetime, today: date, limits: HealthThresholds,
    order: ServiceOrder = worst_first, limit: int = MAX_SHOWN_SERVICES, tz: ZoneInfo | None = None,
) -> tuple[PortfolioHealth, ShownServices]:
    """The portfolio's health, and the first services (in `order`) whose shown health is not On Track."""
    health = portfolio_health(session, team_id, now=now, today=today, limits=limits, tz=tz)
    return health, shown_services(session, health.needing_attention, order=order, limit=limit,
                                  assess_fully=health.assess_fully)


def attention_by_health(
    session: Session, team_id: str, *, now: datetime, today: date, limits: HealthThresholds,
    order: ServiceOrder = longest_in_state_first, limit: int = MAX_SHOWN_SERVICES, tz: ZoneInfo | None = None,
) -> dict[Health, ShownServices]:
    """The first services (in `order`) of each shown health other than On Track, At Risk first, `limit`
    of them in all (no message shows more), and how many each health has; the kept ones shown
    assessed in full at once."""
    health = portfolio_health(session, team_id, now=now, today=today, limits=limits, tz=tz)
    firsts, assessments, room = {}, {}, limit
    for shown in (Health.AT_RISK, Health.NEEDS_ATTENTION):
        group = [s for s in health.needing_attention if s.assessment.shown == shown]
        rows, group_assessments = _first_rows(session, group, order, room) if room > 0 else ([], {})
        firsts[shown] = rows, len(group)
        assessments.update(group_assessments)
        room -= len(rows)
    _assess_kept([row for rows, _ in firsts.values() for row in rows], assessments, health.assess_fully)
    return {shown: ShownServices(_views(rows, assessments), total) for shown, (rows, total) in firsts.items()}
