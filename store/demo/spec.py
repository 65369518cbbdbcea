"""The demo portfolio as data: people, customers and services, and what happens to them.

Only facts go here (who owns what, which deliverable is blocked and why, how many
sessions took place). Health, counts and shares are never written down: they come out
of the rules and queries, like for any other portfolio.
"""

from __future__ import annotations

from dataclasses import dataclass

from store.enums import BlockerCategory, Phase, Role, ServiceStatus


@dataclass(frozen=True)
class PersonSpec:
    key: str
    name: str
    slack_user_id: str
    role: Role
    capacity_hours: int
    max_services: int

    @property
    def email(self) -> str:
        return f"{self.key}@acme.example"


@dataclass(frozen=True)
class DeliverablePlan:
    """How many deliverables a service has in each state.

    `late` of the in-progress ones are past their due date. `milestone_*` counts
    the deliverables linked to the service's milestone this week (if it has one):
    how many of them are done, and how many are not.
    """

    done: int
    accepted: int = 0
    in_progress: int = 0
    not_started: int = 0
    late: int = 0
    milestone_done: int = 0
    milestone_open: int = 0


@dataclass(frozen=True)
class ServiceSpec:
    key: str
    customer: str
    name: str
    phase: Phase
    owner: str
    deliverables: DeliverablePlan
    status: ServiceStatus = ServiceStatus.ACTIVE
    members: tuple[str, ...] = ()
    action_note: str | None = None
    # Name and day offset (from today, capped at Sunday) of a milestone due this week.
    milestone_this_week: tuple[str, int] | None = None
    sessions_this_week: int = 0
    # Customer sessions in the last 14 days (before this week) and in the 14 days before.
    sessions_recent: int = 2
    sessions_prior: int = 2
    # What the engagement may take (hours, money), and the hours each open deliverable is expected
    # to take in all (decimal strings); None: not set.
    budget_hours: str | None = None
    budget_amount: str | None = None
    estimate_hours: str | None = None
    # Created at the start of the week this many whole weeks before this one, so that many weeks of
    # completions make its forecast's history; None: created 90 days ago, before all of it.
    started_weeks_ago: int | None = None


@dataclass(frozen=True)
class BlockedSpec:
    service: str
    name: str
    reason: str
    days: int
    overdue_days: int
    estimate_hours: str | None = None
    # The escalation steps on record (store/rules/escalation.py), at these days blocked: step 1 told its
    # owner by DM, step 2 the service's lead, each on the ladder's schedule.
    escalated_at_days: tuple[int, ...] = ()
    category: BlockerCategory = BlockerCategory.OTHER


@dataclass(frozen=True)
class PastBlockSpec:
    """A block episode of a done deliverable (its service's `number`), on record in the audit trail: blocked
    for `days`, unblocked the day before it was completed (so never blocked a week ago, as health then reads)."""

    service: str
    number: int
    category: BlockerCategory
    reason: str
    days: int


@dataclass(frozen=True)
class TimesheetSpec:
    """What a person logs in a usual week: hours in all, and of them billable (on their active
    services, evenly); the rest is internal time, on no service. With these, Ryan logs 90% of his
    hours, Bill 50%, and the delivery team (leads and members) bills 170 of its 232 hours (73%)."""

    logged: str  # hours a week, as a decimal string ("36")
    billable: str


@dataclass(frozen=True)
class TimeOffSpec:
    person: str
    weeks_ago: int  # 0: this week, negative: a week ahead
    weekday: int  # 0 Monday
    days: int
    hours_per_day: str
    note: str


PEOPLE = (
    PersonSpec("ryan", "Ryan Ortiz", "U0RYAN", Role.LEAD, 40, 4),
    PersonSpec("bill", "Bill Nguyen", "U0BILL", Role.MEMBER, 40, 4),
    PersonSpec("chris", "Chris Patel", "U0CHRIS", Role.LEAD, 40, 4),
    PersonSpec("dana", "Dana Whitfield", "U0DANA", Role.OPS, 40, 2),
    PersonSpec("priya", "Priya Raman", "U0PRIYA", Role.LEAD, 40, 5),
    PersonSpec("marcus", "Marcus Bell", "U0MARCUS", Role.MEMBER, 40, 5),
    PersonSpec("elena", "Elena Sousa", "U0ELENA", Role.MEMBER, 32, 4),
)

_STEADY = DeliverablePlan(done=3, accepted=1, in_progress=1, not_started=1, late=1)
_STEADY_ON_TIME = DeliverablePlan(done=3, accepted=1, in_progress=1, not_started=1)

SERVICES = (
    ServiceSpec(
        "delta", "Delta Corp", "Integration Rollout", Phase.BUILD, "ryan",
        DeliverablePlan(done=4, accepted=1, in_progress=2),
        action_note="Escalation meeting scheduled",
        sessions_this_week=2,
        # The blocked SSO work burns the budget: 104 of 120 hours spent on a Monday (Ryan logs 8 a week
        # on it), 5 of 8 deliverables done, and 64 hours of estimates still open.
        budget_hours="120", budget_amount="23400", estimate_hours="12",
    ),
    ServiceSpec(
        "precision", "Precision Components", "ERP Go-Live", Phase.BUILD, "ryan",
        DeliverablePlan(done=9, accepted=3, in_progress=3, milestone_done=5, milestone_open=1),
        milestone_this_week=("Go-Live Readiness", 2),
        sessions_this_week=2,
        # Healthy on budget: 104 of 160 hours spent on a Monday with 12 of 15 deliverables done, and
        # 18 hours of estimates open. Its 12 completions, one or two in each of the eight weeks before
        # this one, forecast the milestone's last open deliverable done this week.
        budget_hours="160", budget_amount="31200", estimate_hours="6",
    ),
    ServiceSpec("summit", "Summit Bank", "Payments Integration", Phase.BUILD, "ryan", _STEADY, sessions_this_week=2),
    ServiceSpec("orion", "Orion Logistics", "Fleet Tracking Build", Phase.BUILD, "ryan", _STEADY,
                sessions_this_week=2),
    ServiceSpec("northwind", "Northwind Traders", "Customer Portal Build", Phase.BUILD, "bill", _STEADY,
                sessions_this_week=2),
    ServiceSpec("atlas", "Atlas Manufacturing", "MES Build", Phase.BUILD, "chris", _STEADY, sessions_this_week=2),
    ServiceSpec(
        "gamma", "Gamma LLC", "Platform Discovery", Phase.DISCOVERY, "chris",
        # Two completions in eight weeks (0.25 a week) against three open on the milestone due this week:
        # the one milestone forecast to slip.
        DeliverablePlan(done=2, in_progress=3, not_started=1, late=1, milestone_done=1, milestone_open=3),
        members=("bill",),
        action_note="Resource reallocation in progress",
        milestone_this_week=("Discovery Wrap-up", 1),
        sessions_this_week=2,
    ),
    ServiceSpec("helix", "Helix Health", "Data Discovery", Phase.DISCOVERY, "chris", _STEADY, sessions_this_week=2),
    ServiceSpec(
        "beta", "Beta Corp", "Admin Training Program", Phase.TRAINING, "priya",
        DeliverablePlan(done=4, in_progress=1, not_started=1, milestone_done=3, milestone_open=1),
        action_note="Customer Org notified",
        milestone_this_week=("Training Complete", 3),
        sessions_recent=1,
        sessions_prior=6,
        # A short program: one module completed each of its four weeks, so its last open one is forecast
        # done this week, on time (four completions spread over eight weeks would make it slip).
        started_weeks_ago=4,
    ),
    ServiceSpec("cascade", "Cascade Retail", "Store Staff Training", Phase.TRAINING, "priya", _STEADY,
                sessions_this_week=2),
    ServiceSpec("evergreen", "Evergreen Energy", "Field Team Training", Phase.TRAINING, "priya", _STEADY,
                sessions_this_week=1),
    ServiceSpec("ironclad", "Ironclad Insurance", "Claims Team Training", Phase.TRAINING, "marcus", _STEADY,
                sessions_this_week=1),
    ServiceSpec("juniper", "Juniper Media", "Workflow Optimization", Phase.OPTIMIZATION, "marcus", _STEADY,
                sessions_this_week=1),
    ServiceSpec("keystone", "Keystone Foods", "Supply Chain Optimization", Phase.OPTIMIZATION, "elena",
                DeliverablePlan(done=2, accepted=1, in_progress=1, not_started=1), sessions_this_week=1),
    ServiceSpec("quartz", "Quartz Analytics", "Reporting Rollout", Phase.BUILD, "elena", _STEADY_ON_TIME,
                status=ServiceStatus.PAUSED, sessions_recent=0, sessions_prior=0),
    ServiceSpec("redwood", "Redwood Partners", "CRM Migration", Phase.OPTIMIZATION, "bill",
                DeliverablePlan(done=4, accepted=2), status=ServiceStatus.COMPLETE,
                sessions_recent=0, sessions_prior=0),
    ServiceSpec("lumen", "Lumen Telecom", "Support Optimization", Phase.OPTIMIZATION, "elena", _STEADY_ON_TIME,
                sessions_this_week=1),
)

# The demo ops channel's digests: (digest, HH:MM, days), in the organisation's time zone.
DEMO_OPS_CHANNEL = "C0OPS"
DEMO_SUBSCRIPTIONS = (("at-risk", "08:30", "weekdays"), ("overdue-tickets", "09:00", "weekdays"),
                      ("sla-warnings", "00:00", "daily"))

BLOCKED = (
    # Escalated to its owner at 2 days blocked and to its lead at 4 (Ryan is both): the channels hear at 6.
    BlockedSpec("delta", "SSO integration", "Waiting on the customer's identity provider credentials", days=5,
                overdue_days=2, estimate_hours="40", escalated_at_days=(2, 4), category=BlockerCategory.ACCESS),
)

# `/delivery patterns`' story: in the last four weeks Beta Corp's training waited on the customer twice and
# Delta's integration on access (its SSO work still does); in the four before, a third party, an environment
# and a scope change held others. Done deliverable `number` of a steady service was completed 1, 3, 5 and 7
# weeks ago for 1 to 4 (Beta's 1, 2, 3 and 4 weeks ago; Gamma's 1 and 5).
PAST_BLOCKS = (
    PastBlockSpec("beta", 1, BlockerCategory.WAITING_ON_CUSTOMER, "Training room dates not confirmed by Beta Corp", 3),
    PastBlockSpec("beta", 2, BlockerCategory.WAITING_ON_CUSTOMER, "Trainee list not sent by Beta Corp", 5),
    PastBlockSpec("delta", 1, BlockerCategory.ACCESS, "Test tenant admin rights not granted", 4),
    PastBlockSpec("atlas", 1, BlockerCategory.ENVIRONMENT, "Test PLC rig offline", 2),
    PastBlockSpec("orion", 3, BlockerCategory.THIRD_PARTY, "Telematics vendor API keys pending", 4),
    PastBlockSpec("northwind", 3, BlockerCategory.ENVIRONMENT, "Staging portal down after upgrade", 2),
    PastBlockSpec("summit", 4, BlockerCategory.SCOPE_CHANGE, "Payment methods added to scope", 3),
)
# Days from start (its audited move to In progress) to completion of the demo's done deliverables, by their
# service's phase, plus 0-2 by number: the cycle times `/delivery patterns` reports.
CYCLE_DAYS = {Phase.DISCOVERY: 6, Phase.BUILD: 10, Phase.TRAINING: 4, Phase.OPTIMIZATION: 7}

# What an hour costs and is billed at, by role, and for the people whose rates are their own
# (decimal strings, the organisation's currency): Ryan bills more than a lead's rate.
ROLE_RATES = {"member": ("70", "150"), "lead": ("90", "180"), "ops": ("60", None)}
PERSON_RATES = {"ryan": ("95", "195")}

# Internal coordination this week: (title, person, weekday 0=Monday, hour, minutes).
INTERNAL_MEETINGS = (
    ("Delivery planning", "dana", 0, 10, 120),
    ("Resourcing review", "dana", 1, 14, 120),
    ("Delta Corp escalation prep", "ryan", 1, 9, 120),
    ("Build team sync", "chris", 2, 11, 120),
    ("Training curriculum review", "priya", 2, 15, 120),
    ("Optimization retro", "marcus", 3, 10, 120),
    ("Ops standup", "dana", 3, 9, 60),
    ("Ops standup", "dana", 4, 9, 60),
)

# Customer sessions this week last 90 minutes, except the last few, which last 60.
SESSION_MINUTES = 90
SHORT_SESSIONS = 3
SHORT_SESSION_MINUTES = 60

# Ticket resolution times in hours.
#   resolved this week, opened this week     resolved this week, opened last week
THIS_WEEK_QUICK = (2, 3, 3, 4, 4, 5, 5, 6)
THIS_WEEK_CARRIED = (6, 7, 8, 8, 9, 10, 10)
OPEN_THIS_WEEK = 4
# Of those, how far through their SLA the first ones are when the demo is loaded (warned at 50% and 75%),
# and the local hour at which the next breaches (the overdue-ticket story stays "none" until then).
SLA_SHARES_NOW = (0.6, 0.8)
BREACH_LATER_TODAY_HOUR = 18
#   opened and resolved last week           resolved last week, opened the week before
LAST_WEEK_QUICK = (4, 6, 7, 8, 8, 9, 10)
LAST_WEEK_CARRIED = (7, 8, 8, 9, 10, 10)

TICKET_TYPES = ("request", "issue", "request", "question")
TICKET_PRIORITIES = ("normal", "high", "normal", "low")
TICKET_TOPICS = (
    "Access request for new users",
    "Report export times out",
    "Change to approval workflow",
    "Question about invoice fields",
    "Sandbox refresh",
    "Login loop after password reset",
    "Add custom field to intake form",
    "Dashboard shows stale numbers",
)

TASKS = (
    ("ryan", "Prepare Delta Corp escalation agenda", 0),
    ("ryan", "Review Precision go-live checklist", 1),
    ("bill", "Hand over Gamma discovery notes", 1),
    ("chris", "Draft Gamma discovery summary", 2),
    ("priya", "Send Beta Corp engagement recap", 0),
    ("marcus", "Update Ironclad training schedule", 3),
    ("elena", "Keystone optimization report", 4),
    ("dana", "Confirm Bill's reallocation to Gamma", 0),
)

# Thirteen weeks of timesheets before this week, and this week's working days before today.
TIMESHEET_WEEKS = 13
TIMESHEETS = {
    "ryan": TimesheetSpec("36", "32"),
    "bill": TimesheetSpec("20", "16"),
    "chris": TimesheetSpec("34", "30"),
    "dana": TimesheetSpec("36", "0"),  # ops: coordination, not billed
    "priya": TimesheetSpec("38", "34"),
    "marcus": TimesheetSpec("36", "32"),
    "elena": TimesheetSpec("30", "26"),
}
# Hours a week each person is planned for, split evenly over their active services, since the
# timesheets began and with no end: what they usually bill. Bill has the most room next week.
ALLOCATED = {"ryan": "32", "bill": "16", "chris": "30", "priya": "34", "marcus": "32", "elena": "26"}


@dataclass(frozen=True)
class ProjectSpec:
    """A project finished within the timesheets' weeks: from the Monday `weeks_ago` weeks before this
    week, planned to end after `planned_days` and completed after `days` (the hours its service logged
    in between are the project's), with a budget in hours."""

    key: str
    service: str
    name: str
    phase: Phase
    weeks_ago: int
    planned_days: int
    days: int
    budget_hours: str


# Ten completed projects, nine of them on time and within budget (the 90% target): Orion's telematics
# pilot finished four days late. Summit's sandbox was completed last week: a week ago, 8 of 9 (89%)
# when today is early in the week.
PROJECTS = (
    ProjectSpec("precision-discovery", "precision", "Discovery workshops", Phase.DISCOVERY, 12, 11, 11, "20"),
    ProjectSpec("precision-design", "precision", "Solution design", Phase.BUILD, 10, 18, 16, "30"),
    ProjectSpec("summit-discovery", "summit", "Payments discovery", Phase.DISCOVERY, 11, 11, 9, "20"),
    ProjectSpec("orion-pilot", "orion", "Telematics pilot", Phase.BUILD, 4, 14, 18, "30"),
    ProjectSpec("northwind-wireframes", "northwind", "Portal wireframes", Phase.DISCOVERY, 9, 11, 11, "20"),
    ProjectSpec("atlas-discovery", "atlas", "Shop-floor discovery", Phase.DISCOVERY, 12, 11, 10, "25"),
    ProjectSpec("atlas-integration", "atlas", "PLC integration design", Phase.BUILD, 7, 18, 18, "36"),
    ProjectSpec("delta-discovery", "delta", "Integration discovery", Phase.DISCOVERY, 12, 11, 11, "25"),
    ProjectSpec("gamma-kickoff", "gamma", "Kickoff and scoping", Phase.DISCOVERY, 3, 4, 4, "24"),
    ProjectSpec("summit-sandbox", "summit", "Sandbox setup", Phase.BUILD, 1, 4, 3, "10"),
)
TIME_OFF = (
    TimeOffSpec("marcus", 5, 0, 5, "8", "Vacation"),
    TimeOffSpec("elena", 9, 3, 2, "8", "Conference"),
    TimeOffSpec("priya", -1, 4, 1, "8", "Public holiday"),
)

# What each person can do, and what some services need (issue 21's "Find help"): Gamma's discovery
# needs discovery workshops, data modeling and solution architecture, and Bill, already on its team
# with room to spare, has the first two.
PERSON_SKILLS = {
    "ryan": ("solution architecture", "sso", "system integration"),
    "bill": ("discovery workshops", "data modeling", "react"),
    "chris": ("discovery workshops", "manufacturing systems", "data modeling"),
    "dana": ("resourcing", "delivery planning"),
    "priya": ("training design", "facilitation"),
    "marcus": ("training design", "process optimization", "discovery workshops"),
    "elena": ("process optimization", "data modeling", "reporting"),
}
SERVICE_SKILLS = {
    "gamma": ("discovery workshops", "data modeling", "solution architecture"),
    "delta": ("sso", "system integration"),
    "beta": ("training design", "facilitation"),
    "keystone": ("process optimization", "reporting"),
}
