"""Turn the demo spec into rows, with dates placed relative to `now`.

Everything "this week" lands between Monday 00:00 and `now` (for what has happened)
or later this week (for what is planned), in the organisation's time zone, so the
figures hold whenever the demo is loaded, early Monday included. Done deliverables were
completed at a steady pace over the whole weeks before this one that the milestone forecast
reads, and no later than a week ago.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from store.clock import Week, current_week, local_today, week_of
from store.demo import spec, timesheets
from store.demo.block_history import past_work
from store.enums import AppointmentKind, DeliverableStatus, DeliveryStatus, Role, ServiceStatus, Surface, TaskStatus
from store.models import (
    Appointment,
    Customer,
    Deliverable,
    EscalationStep,
    Milestone,
    Person,
    PersonSkill,
    Project,
    RoleRate,
    Service,
    ServiceSkill,
    StatusChange,
    Task,
    Ticket,
    TimeEntry,
)
from store.rules.escalation import step_words
from store.rules.forecast import HISTORY_WEEKS
from store.rules.sla import duration_words

KEY_PREFIX = "demo-"
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
WEEK = 7 * DAY
CREATED_DAYS_AGO = 90
# Deliverables are completed on a working day (Monday to Friday), in the afternoon, local time.
WORKDAYS = 5
COMPLETION_HOUR = 16
# Below this much elapsed week, this week's quick tickets are placed as carried over.
QUICK_TICKETS_NEED = timedelta(hours=12)


def demo_key(*parts: object) -> str:
    return KEY_PREFIX + "-".join(str(p) for p in parts)


@dataclass
class DemoRows:
    people: dict[str, Person] = field(default_factory=dict)
    customers: dict[str, Customer] = field(default_factory=dict)
    services: dict[str, Service] = field(default_factory=dict)
    rows: list[object] = field(default_factory=list)
    # Audit rows point at objects by id, which exists only once the rows are flushed.
    audit: list[tuple[StatusChange, Deliverable]] = field(default_factory=list)

    def add(self, row: object) -> None:
        self.rows.append(row)


@dataclass(frozen=True)
class Timeline:
    now: datetime
    tz: ZoneInfo

    @property
    def today(self) -> date:
        return local_today(self.now, self.tz)

    @property
    def week(self):
        return current_week(self.now, self.tz)

    @property
    def elapsed(self) -> timedelta:
        return self.now - self.week.start

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute), tzinfo=self.tz)

    def this_week(self, offset_days: int) -> date:
        """Today plus an offset, kept inside this week."""
        return min(self.today + timedelta(days=offset_days), self.week.last_day)

    def weeks_ago(self, weeks: int) -> Week:
        return week_of(self.week.first_day - weeks * WEEK, self.tz)


def build(team_id: str, now: datetime, tz: ZoneInfo) -> DemoRows:
    t = Timeline(now, tz)
    out = DemoRows()
    _people(out, team_id)
    _services(out, team_id, t)
    for service_spec in spec.SERVICES:
        _milestones_and_deliverables(out, team_id, t, service_spec)
    _blocked(out, team_id, t)
    out.audit += past_work(team_id, out.rows, demo_key("deliverable", "{}", "{}"))
    _customer_sessions(out, team_id, t)
    _internal_meetings(out, team_id, t)
    _tickets(out, team_id, t)
    _tasks(out, team_id, t)
    timesheets.time_entries(out, team_id, t.week.first_day, t.today, demo_key)
    timesheets.time_off(out, team_id, t.week.first_day, demo_key)
    timesheets.allocations(out, team_id, t.week.first_day, demo_key)
    _projects(out, team_id, t)
    _skills(out, team_id)
    return out


def _skills(out: DemoRows, team_id: str) -> None:
    """What people can do and what services need (store.rules.help normalises them: these already are)."""
    for person_key, skills in spec.PERSON_SKILLS.items():
        out.rows += [PersonSkill(team_id=team_id, person=out.people[person_key], skill=skill) for skill in skills]
    for service_key, skills in spec.SERVICE_SKILLS.items():
        out.rows += [ServiceSkill(team_id=team_id, service=out.services[service_key], skill=skill) for skill in skills]


def _projects(out: DemoRows, team_id: str, t: Timeline) -> None:
    """The completed projects, each with the time entries its service logged while it ran."""
    entries = [row for row in out.rows if isinstance(row, TimeEntry)]
    for p in spec.PROJECTS:
        service = out.services[p.service]
        starts = t.week.first_day - p.weeks_ago * 7 * DAY
        completed = starts + p.days * DAY
        project = Project(team_id=team_id, key=demo_key("project", p.key), service=service, name=p.name,
                          phase=p.phase, starts_on=starts, ends_on=starts + p.planned_days * DAY,
                          completed_on=completed, budget_hours=decimal_or_none(p.budget_hours))
        out.add(project)
        for entry in entries:
            if entry.service is service and starts <= entry.worked_on <= completed:
                entry.project = project


def _people(out: DemoRows, team_id: str) -> None:
    for p in spec.PEOPLE:
        person = Person(
            team_id=team_id,
            key=demo_key("person", p.key),
            name=p.name,
            email=p.email,
            slack_user_id=p.slack_user_id,
            role=p.role,
            weekly_capacity_hours=p.capacity_hours,
            max_concurrent_services=p.max_services,
            cost_rate=decimal_or_none(spec.PERSON_RATES.get(p.key, (None, None))[0]),
            bill_rate=decimal_or_none(spec.PERSON_RATES.get(p.key, (None, None))[1]),
        )
        out.people[p.key] = person
        out.add(person)
    for role, (cost, bill) in spec.ROLE_RATES.items():
        out.add(RoleRate(team_id=team_id, key=demo_key("rate", role), role=Role(role), cost_rate=decimal_or_none(cost),
                         bill_rate=decimal_or_none(bill)))


def decimal_or_none(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _services(out: DemoRows, team_id: str, t: Timeline) -> None:
    for s in spec.SERVICES:
        customer = Customer(team_id=team_id, key=demo_key("customer", s.key), name=s.customer)
        service = Service(
            team_id=team_id,
            key=demo_key("service", s.key),
            customer=customer,
            name=s.name,
            status=s.status,
            phase=s.phase,
            owner=out.people[s.owner],
            members=[out.people[m] for m in s.members],
            action_note=s.action_note,
            created_at=_created_at(t, s),
            budget_hours=decimal_or_none(s.budget_hours),
            budget_amount=decimal_or_none(s.budget_amount),
        )
        out.customers[s.key] = customer
        out.services[s.key] = service
        out.add(customer)
        out.add(service)


def _created_at(t: Timeline, s: spec.ServiceSpec) -> datetime:
    if s.started_weeks_ago is None:
        return t.now - CREATED_DAYS_AGO * DAY
    # On the Monday morning: the forecast counts the weeks that began on or after the day it was created.
    return t.at(t.weeks_ago(s.started_weeks_ago).first_day, 9)


def _history_weeks(s: spec.ServiceSpec) -> int:
    """The whole weeks before this one whose completions make the service's forecast."""
    return min(HISTORY_WEEKS, s.started_weeks_ago or HISTORY_WEEKS)


def _completion_weeks_ago(number: int, done: int, weeks: int) -> int:
    """In which of its `weeks` history weeks (1: last week) the service's done deliverable `number` of
    `done` was completed: evenly spread, at a steady pace, the lower numbers (due later) the more recent,
    number 1 last week."""
    return 1 + (number - 1) * weeks // done


def _completed_at(t: Timeline, number: int, done: int, weeks: int) -> datetime:
    """An afternoon of a working day in the week `_completion_weeks_ago` says, no later than a week ago."""
    week = t.weeks_ago(_completion_weeks_ago(number, done, weeks))
    planned = t.at(week.first_day + (number - 1) % WORKDAYS * DAY, COMPLETION_HOUR)
    week_ago = t.now - WEEK
    if planned <= week_ago:
        return planned
    # Early in the week, last week's afternoon is still to come "a week ago": it was done earlier that
    # week, so the weekly digest, which compares with a week ago, finds every done deliverable done
    # then too (and on schedule). Only in the first hour of the Monday after clocks go forward is there
    # no such time: a week ago was still the week before.
    return week.start + max(week_ago - week.start, timedelta(0)) / 2


def _milestones_and_deliverables(out: DemoRows, team_id: str, t: Timeline, s: spec.ServiceSpec) -> None:
    service = out.services[s.key]
    owner = out.people[s.owner]
    kickoff = Milestone(
        team_id=team_id, key=demo_key("milestone", s.key, "kickoff"), name="Kickoff",
        due_on=t.today - 60 * DAY, done_on=t.today - 59 * DAY,
    )
    kickoff.service = service
    out.add(kickoff)
    next_milestone = None
    if s.milestone_this_week:
        name, offset = s.milestone_this_week
        next_milestone = Milestone(
            team_id=team_id, key=demo_key("milestone", s.key, "this-week"), name=name, due_on=t.this_week(offset)
        )
    elif s.status == ServiceStatus.ACTIVE:
        next_milestone = Milestone(
            team_id=team_id, key=demo_key("milestone", s.key, "next"), name="Phase review",
            due_on=t.today + (21 + len(s.key)) * DAY,
        )
    if next_milestone is not None:
        next_milestone.service = service
        out.add(next_milestone)

    plan = s.deliverables
    linked_done, linked_open = plan.milestone_done, plan.milestone_open
    statuses = (
        [DeliverableStatus.COMPLETE] * plan.done
        + [DeliverableStatus.ACCEPTED] * plan.accepted
        + [DeliverableStatus.IN_PROGRESS] * plan.in_progress
        + [DeliverableStatus.NOT_STARTED] * plan.not_started
    )
    late_left = plan.late
    done = plan.done + plan.accepted
    for number, status in enumerate(statuses, start=1):
        milestone = None
        if status.is_done:
            due = t.today - (10 + number) * DAY
            if linked_done:
                milestone, linked_done = next_milestone, linked_done - 1
        elif status == DeliverableStatus.IN_PROGRESS and late_left:
            # Late work stays off the milestone, so lateness alone never moves health.
            due, late_left = t.today - (1 + late_left) * DAY, late_left - 1
        elif linked_open:
            assert next_milestone is not None, f"{s.key}: deliverables linked to a milestone it does not have"
            milestone, linked_open = next_milestone, linked_open - 1
            due = next_milestone.due_on
        else:
            due = t.today + (14 + number) * DAY
        completed = _completed_at(t, number, done, _history_weeks(s)) if status.is_done else None
        deliverable = Deliverable(
            team_id=team_id,
            key=demo_key("deliverable", s.key, number),
            name=f"{s.name} deliverable {number}",
            owner=owner,
            status=status,
            due_on=due,
            completed_at=completed,
            accepted_at=completed + DAY if completed and status == DeliverableStatus.ACCEPTED else None,
            estimate_hours=None if status.is_done else decimal_or_none(s.estimate_hours),
        )
        deliverable.service = service
        deliverable.milestone = milestone
        out.add(deliverable)
    if late_left:
        raise ValueError(f"demo spec for {s.key}: {late_left} late deliverables have no in-progress row to use")


def _blocked(out: DemoRows, team_id: str, t: Timeline) -> None:
    for number, b in enumerate(spec.BLOCKED, start=1):
        owner = out.services[b.service].owner
        since = t.now - b.days * DAY
        deliverable = Deliverable(
            team_id=team_id,
            key=demo_key("deliverable", b.service, "blocked", number),
            name=b.name,
            owner=owner,
            status=DeliverableStatus.BLOCKED,
            due_on=t.today - b.overdue_days * DAY,
            blocked_reason=b.reason,
            blocked_category=b.category.value,
            blocked_since=since,
            estimate_hours=decimal_or_none(b.estimate_hours),
        )
        deliverable.service = out.services[b.service]
        out.add(deliverable)
        change = _change(team_id, deliverable, owner, since, DeliverableStatus.IN_PROGRESS, b.reason)
        change.blocker_category = b.category.value
        out.audit.append((change, deliverable))
        _escalations(out, team_id, deliverable, b, since)


def _escalations(out: DemoRows, team_id: str, deliverable: Deliverable, b: spec.BlockedSpec, since: datetime) -> None:
    """The escalation steps on record, each posted (the demo posts nothing: the ledger says they were, so the
    scheduler never posts them) and audited as taken by the bot on the ladder's schedule."""
    told = {1: deliverable.owner, 2: out.services[b.service].owner}
    for step, days in enumerate(b.escalated_at_days, start=1):
        at = since + days * DAY
        out.add(EscalationStep(team_id=team_id, deliverable=deliverable, blocked_since=since, step=step,
                               told=told[step], status=DeliveryStatus.SENT.value, claimed_at=at, claimed_by="demo",
                               finished_at=at))
        change = StatusChange(team_id=team_id, object_type="deliverable", object_id=0, field="escalation",
                              from_value=step_words(step - 1) if step > 1 else None, to_value=step_words(step),
                              reason=f"blocked {duration_words(days * DAY.total_seconds())}", surface=Surface.SLACK,
                              changed_at=at)
        out.audit.append((change, deliverable))


def _change(team_id, deliverable, person, when, from_status, reason) -> StatusChange:
    change = StatusChange(
        team_id=team_id,
        object_type="deliverable",
        object_id=0,
        field="status",
        from_value=from_status.value,
        to_value=deliverable.status.value,
        reason=reason,
        changed_by_slack_user_id=person.slack_user_id,
        surface=Surface.SLACK,
        changed_at=when,
    )
    change.changed_by = person
    return change


def _appointment(team_id, key, person, kind, title, starts_at, minutes, service=None) -> Appointment:
    appointment = Appointment(
        team_id=team_id, key=key, kind=kind, title=title, starts_at=starts_at, duration_minutes=minutes
    )
    appointment.person = person
    if service is not None:
        appointment.service = service
        appointment.customer = service.customer
    return appointment


def _customer_sessions(out: DemoRows, team_id: str, t: Timeline) -> None:
    planned = [s for s in spec.SERVICES for _ in range(s.sessions_this_week)]
    for number, s in enumerate(planned):
        service = out.services[s.key]
        day = t.week.first_day + (number % 5) * DAY
        minutes = spec.SHORT_SESSION_MINUTES if number >= len(planned) - spec.SHORT_SESSIONS else spec.SESSION_MINUTES
        out.add(_appointment(
            team_id, demo_key("session", s.key, number), service.owner, AppointmentKind.CUSTOMER_SESSION,
            f"{s.customer} working session", t.at(day, 9 + number % 7), minutes, service,
        ))
    for s in spec.SERVICES:
        service = out.services[s.key]
        # History sits before this week (at least 8 days back), so it never counts as "this week".
        for n in range(s.sessions_recent):
            out.add(_appointment(
                team_id, demo_key("session", s.key, "recent", n), service.owner, AppointmentKind.CUSTOMER_SESSION,
                f"{s.customer} check-in", t.now - (8 + n) * DAY, 60, service,
            ))
        for n in range(s.sessions_prior):
            out.add(_appointment(
                team_id, demo_key("session", s.key, "prior", n), service.owner, AppointmentKind.CUSTOMER_SESSION,
                f"{s.customer} check-in", t.now - (15 + 2 * n) * DAY, 60, service,
            ))


def _internal_meetings(out: DemoRows, team_id: str, t: Timeline) -> None:
    for number, (title, who, weekday, hour, minutes) in enumerate(spec.INTERNAL_MEETINGS):
        day = t.week.first_day + weekday * DAY
        out.add(_appointment(
            team_id, demo_key("meeting", number), out.people[who], AppointmentKind.INTERNAL, title,
            t.at(day, hour), minutes,
        ))


def _ticket(out: DemoRows, team_id: str, label: str, number: int, opened: datetime,
            resolved: datetime | None, due: datetime) -> None:
    active = [s for s in spec.SERVICES if s.status == ServiceStatus.ACTIVE and s.key != "beta"]
    s = active[number % len(active)]
    service = out.services[s.key]
    ticket = Ticket(
        team_id=team_id,
        key=demo_key("ticket", label, number),
        title=spec.TICKET_TOPICS[number % len(spec.TICKET_TOPICS)],
        type=spec.TICKET_TYPES[number % len(spec.TICKET_TYPES)],
        priority=spec.TICKET_PRIORITIES[number % len(spec.TICKET_PRIORITIES)],
        opened_at=opened,
        due_at=due,
        resolved_at=resolved,
    )
    ticket.customer = service.customer
    ticket.service = service
    ticket.owner = service.owner
    out.add(ticket)


def _open_ticket_due(number: int, opened: datetime, t: Timeline) -> datetime:
    """The SLA warnings' story: the first open tickets are 60% and 80% through their SLA now, the third
    breaches later today (18:00, or an hour from now when that is later), the rest are due in days."""
    if number < len(spec.SLA_SHARES_NOW):
        return opened + (t.now - opened) / spec.SLA_SHARES_NOW[number]
    if number == len(spec.SLA_SHARES_NOW):
        return max(t.at(t.today, spec.BREACH_LATER_TODAY_HOUR), t.now + HOUR)
    return t.now + (1 + number) * DAY


def _tickets(out: DemoRows, team_id: str, t: Timeline) -> None:
    start, span = t.week.start, t.elapsed
    sla = 24 * HOUR
    quick_fits = span >= QUICK_TICKETS_NEED
    for i, hours in enumerate(spec.THIS_WEEK_QUICK):
        duration = hours * HOUR
        if quick_fits:
            opened = start + (span - duration) * (i + 1) / (len(spec.THIS_WEEK_QUICK) + 1)
        else:
            # Too early in the week to open and resolve it here: it was opened last week,
            # and a fresh open ticket takes its place among this week's openings.
            opened = start + span * (i + 1) / (len(spec.THIS_WEEK_QUICK) + 2) - duration
            _ticket(out, team_id, "early", i, start + span * (i + 1) / (len(spec.THIS_WEEK_QUICK) + 2),
                    None, t.now + 2 * DAY)
        _ticket(out, team_id, "quick", i, opened, opened + duration, opened + sla)
    for i, hours in enumerate(spec.THIS_WEEK_CARRIED):
        duration = hours * HOUR
        resolved = start + min(duration / 2, span * (i + 1) / (len(spec.THIS_WEEK_CARRIED) + 1))
        _ticket(out, team_id, "carried", i, resolved - duration, resolved, resolved - duration + sla)
    for i in range(spec.OPEN_THIS_WEEK):
        opened = start + span * (i + 1) / (spec.OPEN_THIS_WEEK + 1)
        _ticket(out, team_id, "open", i, opened, None, _open_ticket_due(i, opened, t))
    last = t.week.previous(t.tz)
    for i, hours in enumerate(spec.LAST_WEEK_QUICK):
        opened = last.start + (i % 5) * DAY + 9 * HOUR
        _ticket(out, team_id, "lastweek", i, opened, opened + hours * HOUR, opened + sla)
    for i, hours in enumerate(spec.LAST_WEEK_CARRIED):
        resolved = last.start + hours * HOUR / 2
        _ticket(out, team_id, "lastweek-carried", i, resolved - hours * HOUR, resolved,
                resolved - hours * HOUR + sla)


def _tasks(out: DemoRows, team_id: str, t: Timeline) -> None:
    for number, (who, title, offset) in enumerate(spec.TASKS):
        task = Task(
            team_id=team_id, key=demo_key("task", number), title=title, due_on=t.this_week(offset),
            status=TaskStatus.OPEN,
        )
        task.owner = out.people[who]
        out.add(task)
