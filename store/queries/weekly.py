"""The weekly portfolio digest: the dashboard with change against last week, in three slices.

Two kinds of comparison, each honest about what the database keeps:
- figures of a whole week (utilization, SLA compliance) compare the last whole week (Monday to
  Sunday, before this one) with the week before it;
- figures of a moment (on schedule, health) compare now with the same moment a week ago, rebuilt
  from dated facts (`store.queries.health_history`). Load and phases have no history, so they are
  shown as they are now.
Twenty-one statements whatever the portfolio size.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, case, func, not_, or_, select, union_all
from sqlalchemy.orm import Session

from store.clock import Week, local_today
from store.context import QueryContext
from store.enums import AppointmentKind, Health, Phase, ServiceStatus
from store.models import Appointment, Deliverable, Person, Service, Ticket
from store.queries.capacity import capacity_report
from store.queries.health_history import done_by, health_as_of
from store.queries.health_signals import assess_active_services, service_views
from store.queries.portfolio import deliverable_tally
from store.queries.tickets import SLA_TARGET, Window, count_if
from store.readmodels_digests import HealthChange, WeeklyPortfolio, WeekSla, WeekUtilization
from store.readmodels_tickets import SlaCompliance
from store.rules.capacity import BillableBand, LoadState, billable_band

ENGAGEMENT_RULE = "engagement_declining"
WEEK = timedelta(days=7)


def _window(week: Week) -> Window:
    return Window(week.start, week.end)


def _utilization(session: Session, ctx: QueryContext, weeks: tuple[Week, Week]) -> tuple[WeekUtilization, ...]:
    """Each person's appointment and billable minutes in both weeks, with their capacity: one statement."""
    windows = [_window(w) for w in weeks]
    columns = []
    for number, window in enumerate(windows):
        held = window.holds(Appointment.starts_at)
        billable = and_(held, Appointment.kind == AppointmentKind.CUSTOMER_SESSION)
        columns += [func.sum(case((held, Appointment.duration_minutes), else_=0)).label(f"held_{number}"),
                    func.sum(case((billable, Appointment.duration_minutes), else_=0)).label(f"billable_{number}")]
    # Aggregate the two weeks' appointments first (the team/starts_at index), then attach people:
    # joining people to appointments with the range in the ON clause made SQLite scan per person.
    per_person = (
        select(Appointment.person_id, *columns)
        .where(Appointment.team_id == ctx.team_id, Appointment.starts_at >= windows[1].start,
               Appointment.starts_at < windows[0].end)
        .group_by(Appointment.person_id)
        .subquery()
    )
    rows = session.execute(
        select(Person.id, Person.weekly_capacity_hours, *(per_person.c[c.name] for c in columns))
        .outerjoin(per_person, per_person.c.person_id == Person.id)
        .where(Person.team_id == ctx.team_id)
    ).all()
    results = []
    for index, week in enumerate(weeks):
        hours = billable_hours = capacity = 0.0
        people = in_band = 0
        for row in rows:
            person_capacity = float(row[1] or 0)
            if person_capacity <= 0:
                continue
            minutes, billable_minutes = int(row[2 + 2 * index] or 0), int(row[3 + 2 * index] or 0)
            people += 1
            capacity += person_capacity
            hours += minutes / 60
            billable_hours += billable_minutes / 60
            in_band += billable_band(billable_minutes / 60 / person_capacity) == BillableBand.WITHIN
        results.append(WeekUtilization(first_day=week.first_day, appointment_hours=hours,
                                       billable_hours=billable_hours, capacity_hours=capacity, people=people,
                                       in_band=in_band))
    return tuple(results)


def _sla(session: Session, ctx: QueryContext, weeks: tuple[Week, Week]) -> tuple[WeekSla, ...]:
    """SLA compliance of each whole week: one statement.

    Met: resolved in the week by its due time. Misses: resolved in the week after its due time, and
    due in the week but unresolved when the week ended (the open breaches of that week).
    """
    windows = [_window(w) for w in weeks]
    # The tickets that count, as two index ranges (an OR of the two in one WHERE reads every
    # ticket): resolved since the first week began (met, resolved, and breaches resolved late),
    # and unresolved ones due in either week (breaches still open).
    since = windows[1].start
    tickets = union_all(
        select(Ticket.resolved_at, Ticket.due_at).where(Ticket.team_id == ctx.team_id, Ticket.resolved_at >= since),
        select(Ticket.resolved_at, Ticket.due_at).where(
            Ticket.team_id == ctx.team_id, Ticket.resolved_at.is_(None), Ticket.due_at >= since,
            Ticket.due_at < windows[0].end),
    ).subquery()
    resolved_at, due_at = tickets.c.resolved_at, tickets.c.due_at
    columns = []
    for window in windows:
        resolved = window.holds(resolved_at)
        columns += [
            count_if(and_(resolved, resolved_at <= due_at)),
            count_if(resolved),
            count_if(and_(window.holds(due_at), or_(resolved_at.is_(None), resolved_at >= window.end))),
        ]
    row = session.execute(select(*columns).select_from(tickets)).one()
    return tuple(
        WeekSla(first_day=week.first_day,
                sla=SlaCompliance(met=int(row[3 * i] or 0), resolved=int(row[3 * i + 1] or 0),
                                  open_breaches=int(row[3 * i + 2] or 0), target=SLA_TARGET))
        for i, week in enumerate(weeks)
    )


def _on_schedule_at(session: Session, ctx: QueryContext, at: datetime) -> float | None:
    """The on-schedule share of today's deliverables of active services as it stood at `at`: one statement.

    Late then: due before that day and not done by then (done now and completed by then).
    """
    day = local_today(at, ctx.tz)
    late = and_(Deliverable.due_on < day, not_(done_by(at)))
    total, late_count = session.execute(
        select(func.count(), count_if(late))
        .join(Service, Service.id == Deliverable.service_id)
        .where(Service.team_id == ctx.team_id, Service.status == ServiceStatus.ACTIVE)
    ).one()
    return None if not total else (int(total) - int(late_count or 0)) / int(total)


def weekly_portfolio(session: Session, ctx: QueryContext) -> WeeklyPortfolio:
    last_week = ctx.week.previous(ctx.tz)
    weeks = (last_week, last_week.previous(ctx.tz))
    week_ago = ctx.now - WEEK
    services = assess_active_services(session, ctx.team_id, now=ctx.now, today=ctx.today, limits=ctx.limits)
    capacity = capacity_report(session, ctx)
    utilization = _utilization(session, ctx, weeks)
    sla = _sla(session, ctx, weeks)
    tally = deliverable_tally(session, ctx.team_id, today=ctx.today)
    on_schedule_then = _on_schedule_at(session, ctx, week_ago)
    then = {h.service_id: h for h in health_as_of(session, ctx, at=week_ago)}

    def counts(values) -> dict[Health, int]:
        tally_ = {health: 0 for health in Health}
        for value in values:
            tally_[value] += 1
        return tally_

    compared = [s for s in services if s.id in then]
    changed = {s.id for s in compared if s.assessment.computed != then[s.id].health}
    declining_ids = {s.id for s in services if any(f.rule == ENGAGEMENT_RULE for f in s.assessment.findings)}
    shown = changed | declining_ids
    views = service_views(session, [s for s in services if s.id in shown])
    changes = sorted(
        (HealthChange(service=view, before=then[view.service_id].health)
         for view in views if view.service_id in changed),
        key=lambda c: (-c.service.computed_health.severity, c.service.customer_name, c.service.service_name),
    )
    declining = [view for view in views if view.service_id in declining_ids]
    phases = {phase: 0 for phase in Phase}
    for service in services:
        phases[service.phase] += 1
    return WeeklyPortfolio(
        as_of=ctx.now, week_ago=week_ago,
        people=capacity.people_total,
        load_counts={state: capacity.count(state) for state in LoadState},
        overloaded=[p for p in capacity.people if p.state == LoadState.OVERLOADED],
        last_week=utilization[0], week_before=utilization[1],
        active_services=len(services), phase_counts=phases,
        deliverables=tally, on_schedule_week_ago=on_schedule_then,
        sla_last_week=sla[0], sla_week_before=sla[1],
        health_counts=counts(s.assessment.shown for s in services),
        computed_counts_now=counts(s.assessment.computed for s in compared),
        computed_counts_week_ago=counts(then[s.id].health for s in compared),
        compared=len(compared),
        health_changes=changes,
        engagement_declining=declining,
        engagement_declining_week_ago=sum(ENGAGEMENT_RULE in then[s.id].rules for s in compared),
        customer_org_flags=[s for s in declining if s.health != Health.ON_TRACK],
    )
