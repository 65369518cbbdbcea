"""The one place that defines every figure the bot shows.

Queries compute these figures; this module says what each one means: formula,
denominator, time window. `docs/metrics.md` explains them for people and a test keeps
it in step with this list; `delivery-bot ask --explain` prints the ones an answer uses.
Weeks run Monday 00:00 to the next Monday 00:00 in the organisation's time zone;
"today" is the organisation's date; "active" means a service with status Active.
"""

from __future__ import annotations

from dataclasses import dataclass

from store.health.rules import HealthThresholds
from store.rules.relationship import RELATIONSHIP_THRESHOLDS as _REL

# The relationship thresholds are defined in store/rules/relationship.py; the definitions below are
# worded from them (and the engagement rule's defaults), so the docs cannot drift from the rule.
_ENGAGEMENT = HealthThresholds()
_TICKET_WEEKS = f"{_REL.ticket_window_days // 7} weeks ({_REL.ticket_window_days} days)"


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    formula: str
    window: str
    denominator: str | None = None


_ALL = (
    # Portfolio
    Metric("active_services", "Active services", "count of services with status Active", "now"),
    Metric("services_by_health", "On track / need attention / at risk",
           "active services counted by shown health", "now"),
    Metric("services_by_phase", "By phase", "active services counted by phase", "now"),
    Metric("deliverables_by_status", "Deliverables complete / in progress / blocked / not started",
           "deliverables of active services counted by status; complete counts Complete and Accepted", "now"),
    Metric("on_schedule_share", "On schedule",
           "deliverables of active services that are not late, where late = not Complete/Accepted and due "
           "before today", "today", "all deliverables of active services"),
    Metric("overdue_tickets", "Overdue tickets", "tickets not resolved whose SLA due time is before now", "now"),
    Metric("milestones_this_week", "Milestones this week",
           "milestones of active services due Monday to Sunday of this week", "this week"),
    # Health
    Metric("days_blocked", "Days blocked", "whole 24-hour days since the deliverable was blocked", "now"),
    Metric("shown_health", "Health",
           "a lead's override while it has not expired, else the worst finding of the health rules "
           "(On Track when none)", "now"),
    Metric("health_since", "In this state for",
           "time since the earliest moment the shown health's rules held: blocked since + threshold, day after "
           "a missed due date, window start before a pressured milestone, or the override's start", "now"),
    # Capacity
    Metric("service_load", "Load",
           "active services the person owns or is a team member of, over their maximum concurrent services",
           "now", "max concurrent services"),
    Metric("load_state", "Capacity state",
           "overloaded above 100% load, at capacity at 100%, scheduled from 75%, available below 75%", "now"),
    Metric("available_hours", "Available hours",
           "the person's weekly capacity hours less their time off in the week (each spell's Monday-to-Friday "
           "days in the week times its hours a day), never below zero", "the week shown"),
    Metric("utilization", "Utilization",
           "hours the person logged on timesheets in the last whole week over their available hours that week; "
           "a person who logged nothing that week is read from their appointments starting in it instead, and "
           "the line says 'from appointments; no timesheets'", "last whole week", "available hours"),
    Metric("billable_share", "Billable",
           "billable hours the person logged in the last whole week (customer-session hours when read from "
           "appointments) over their available hours that week; target band 70-80%", "last whole week",
           "available hours"),
    Metric("scheduled_next_week", "Next week: scheduled / free",
           "hours scheduled next week: each allocation's hours a week times the share of next week's five "
           "working days it covers, plus appointments starting next week; free = available hours next week "
           "less scheduled hours, never below zero ('over' when scheduled exceeds available)", "next week",
           "available hours next week"),
    Metric("room_next_week", "Room next week",
           "people of the delivery team (members and leads) who are not overloaded and have free hours next "
           "week (scheduled_next_week), most free hours first", "next week"),
    Metric("appointments_this_week", "Appointments this week",
           "appointments starting this week: customer sessions, internal coordination, and their total hours",
           "this week"),
    Metric("person_open_tickets", "Open tickets", "tickets owned by the person and not resolved", "now"),
    Metric("person_blocked_deliverables", "Blocked deliverables",
           "deliverables of active services owned by the person with status Blocked", "now"),
    # Budgets and money (money figures are shown only to a service's lead and ops)
    Metric("budget_burn", "Spent",
           "an hours budget: hours logged on the service to date over its budget hours; a money budget alone: "
           "money earned to date (each person's billable hours times their bill rate, their own else their "
           "role's) over the budget amount", "to date", "the service's budget"),
    Metric("complete_share", "Complete",
           "the service's deliverables Complete or Accepted over all its deliverables", "now",
           "all the service's deliverables"),
    Metric("remaining_hours", "Hours to come",
           "the sum of the open deliverables' estimates when any open deliverable has one; else the mean hours "
           "a week logged on the service over the last 4 whole weeks times the weeks until its last open "
           "deliverable is due (none when that day has passed); else no forecast. The line says which",
           "now (last 4 whole weeks for the burn)"),
    Metric("estimate_at_completion", "Forecast (EAC)",
           "spent + hours to come; for a money budget alone, money earned + hours to come times what an hour "
           "logged on the service has earned so far", "to completion"),
    Metric("forecast_overrun", "Forecast over / under",
           "estimate at completion over the budget, minus 1 (negative: under); above DELIVERY_BUDGET_OVERRUN_MAX "
           "(10%) it is a health finding, Needs Attention", "to completion", "the service's budget"),
    Metric("service_margin", "Margin",
           "(earned - cost) / earned over the service's hours to date: earned = billable hours times bill rate, "
           "cost = all hours times cost rate (each person's own rate, else their role's; hours with no cost rate "
           "add no cost); target 40%+", "to date", "money earned"),
    Metric("portfolio_margin", "Portfolio margin",
           "service_margin's sums over every active service with a budget (a sum over sums)", "to date",
           "money earned on them"),
    Metric("customer_margin", "Customer margin",
           "service_margin's sums over the customer's active services with a budget", "to date",
           "money earned on them"),
    Metric("week_margin", "Services margin of a whole week",
           "(earned - cost) / earned over the hours logged on services in the week (internal time is no "
           "service's): earned = billable hours times bill rate, cost = hours times cost rate; the weekly "
           "digest shows the last whole week against the week before, as a percentage only; target 40%+",
           "last whole week (and the week before)", "money earned in the week"),
    Metric("project_success_rate", "Project success",
           "completed projects finished on time (completed on or before their planned end, when they have one) "
           "and within budget (hours logged on the project within its budget hours, else money earned within its "
           "budget amount, when it has a budget), over completed projects; target 90%+; a week ago counts the "
           "projects completed on or before the day seven days ago", "to date (and a week ago)",
           "completed projects"),
    # Tickets
    Metric("tickets_opened", "Opened", "tickets opened this week (up to now)", "this week"),
    Metric("tickets_resolved", "Resolved", "tickets resolved this week (up to now)", "this week"),
    Metric("avg_resolution_hours", "Average resolution",
           "mean of resolved time minus opened time, in hours, over tickets resolved this week", "this week",
           "tickets resolved this week"),
    Metric("tickets_change", "Change against last week",
           "this week's figure minus the same figure for the whole of last week", "this week and last week"),
    Metric("overdue_ticket_age", "Overdue by", "now minus the ticket's SLA due time", "now"),
    Metric("sla_compliance", "SLA compliance",
           "tickets resolved this week by their due time, over tickets resolved this week plus open tickets "
           "whose due time passed this week (still-open breaches count as misses)", "this week",
           "resolved this week + open breaches this week"),
    Metric("sla_elapsed_share", "Share of the SLA gone",
           "time from the ticket's opening to now (or to its resolution) over the time from its opening to its due "
           "time; with working hours (DELIVERY_SLA_WORKING_HOURS) only the hours inside them count on both sides. "
           "1 (100%) at the due time, whatever the hours", "now"),
    Metric("sla_warning_level", "SLA warning",
           "the highest threshold an open ticket has crossed: each of DELIVERY_SLA_WARN_AT (50% and 75% by default) "
           "of the SLA gone, and 100% (breached) at its due time. 50%: a DM to the owner (or, unowned, the service's "
           "lead); 75%: the owner and the lead; breached: the channels subscribed to sla-warnings. A ticket resolved "
           "before a threshold is never warned of it; one that crossed two between the scheduler's ticks is warned "
           "once, at the higher", "now"),
    Metric("sla_channel_budget", "SLA warnings past a channel's budget",
           "a channel gets at most DELIVERY_CHANNEL_WARNINGS_PER_HOUR (6) SLA warning posts in a clock hour, counted "
           "from the posts the bot remembers; the warnings beyond are listed in one summary message for that hour, "
           "posted once and updated in place as more roll in, and in /delivery at-risk", "the clock hour (UTC)"),
    Metric("sla_resolved_margin", "Resolved before its SLA",
           "the ticket's due time minus its resolution time, in hours and minutes (after its SLA when negative)",
           "at resolution"),
    Metric("ticket_breakdown", "Breakdown",
           "per customer, type or owner: open now, opened this week, resolved this week", "this week"),
    # Following blocked deliverables through (store/rules/escalation.py)
    Metric("escalation_step", "Escalated to",
           "a blocked deliverable of an active service escalates once per blocked episode (from its blocked since) "
           "at each of DELIVERY_ESCALATION_DAYS (2, 4 and 6 days blocked by default): step 1 a DM to its owner (the "
           "service's lead when it has no owner in Slack), step 2 a DM to the service's lead, step 3 the channels "
           "subscribed to escalations; each step no sooner after the one before than the gap between their days, "
           "and none while it is snoozed. 'Escalate now' takes the next step at once. Rows show the episode's "
           "latest step that told someone, with its day", "the blocked episode"),
    Metric("deliverable_snooze", "Snoozed until",
           "a blocked deliverable's snooze: until 09:00 in the organisation's time zone on the day chosen (tomorrow, "
           "in 3 days, next Monday, or a date within 60 days), by whom, why. While it holds, the deliverable is "
           "left out of the at-risk digest's list (counted as snoozed) and its escalation waits; it still counts as "
           "blocked in health, tallies and every other figure. At its end its owner is told by DM", "now"),
    # Milestones and personal
    Metric("milestone_window", "Milestones",
           "milestones of active services due in the window (this week, next week), or not done and due before "
           "today (overdue)", "the chosen window"),
    Metric("my_work", "Mine",
           "my active services (owner or team member), deliverables I own by status, my overdue tickets, my open "
           "tasks due by Sunday, my appointments today", "now, this week, today"),
    # Forecasts (store/rules/forecast.py)
    Metric("weekly_throughput", "Completions a week",
           "the service's deliverables Complete or Accepted whose completion time falls in the week, for each of "
           "the last 8 whole weeks before this week that began on or after the day the service was created (its "
           "history weeks); 'a week' is their mean. Fewer than 4 history weeks: 'not enough history', no dates; "
           "none completed in any of them: 'no completions in the last 8 weeks', no dates",
           "last 8 whole weeks (and this week so far)"),
    Metric("forecast_open_work", "Open",
           "for a milestone, its deliverables not Complete/Accepted; for a service as a whole, all its deliverables "
           "not Complete/Accepted. None open: nothing to forecast", "now"),
    Metric("forecast_dates", "Likely / 85%",
           "Monte Carlo, 1,000 trials: each draws a week's completions at random from the service's history weeks "
           "(with replacement), this week first, week after week, until the drawn total reaches the open work; "
           "this week's draw counts only what it draws beyond the completions made so far this week. A trial's "
           "finish date is the Sunday ending the week it reached the open work (this week: week 1). Likely = the "
           "earliest such date by which half the trials finished, 85% = by which 85% did (nearest rank); a trial "
           "stops after 104 weeks, and a date past them reads 'more than two years'. The trials are seeded with "
           "the week (its Monday) and the service's throughput (history weeks' completions, completions this "
           "week), so the same facts give the same dates all week and more open work of a service is never "
           "forecast sooner. A milestone is forecast with its service's whole throughput", "this week onwards"),
    Metric("milestone_slip", "Forecast to slip",
           "open milestones (not done) whose 85% date falls after the Sunday ending the week they are due (forecasts "
           "are in whole weeks, so a milestone due midweek and 85% likely done that week is not counted); worst "
           "first by days late = 85% date minus due date (past 104 weeks first of all). /delivery forecast "
           "counts the open milestones of active services, those with open work, those without enough history or "
           "throughput, and those forecast to slip", "now"),
    # Find help and reallocations (store/rules/help.py, store/rules/reallocation.py)
    Metric("help_free_hours", "Free over the next two weeks",
           "for next week and the week after, each week's free hours as scheduled_next_week counts them "
           "(available hours less allocations and appointments in that week, never below zero), added up",
           "the two whole weeks after this one"),
    Metric("help_skills", "Skills",
           "the skills the service needs (its skills) that the person has, names compared trimmed, with single "
           "spaces and in lower case; 10 points each in help_rank", "now"),
    Metric("help_customer", "Worked with the customer",
           "hours the person logged on any of the customer's services to date, or their place (owner or team "
           "member) on another of the customer's services, whatever its status; 10 points in help_rank", "to date"),
    Metric("help_billable_room", "Billable room",
           "80% of the person's available hours in the last whole week less the billable hours they logged in it "
           "(billable_share's hours), never below zero: hours a week still billable under the 80% ceiling; an "
           "hour a point in help_rank, up to 10", "last whole week"),
    Metric("help_rank", "Who could help",
           "people of the delivery team (members and leads, not the service's lead) who are not overloaded, "
           "would not be once on its team (load_state with one service more, unless on it already) and have "
           "help_free_hours; ranked by points: help_free_hours up to 40 (an hour a point) + 10 per help_skills "
           "skill + 10 for help_customer + help_billable_room up to 10; ties by more free hours, then name; the "
           "first 5 shown", "now, the next two weeks, last whole week"),
    Metric("reallocation_expiry", "Proposal expires",
           "a reallocation proposal not decided 3 days after it was made, or by the end of its last day if that "
           "comes first, expires: nothing changes (a scheduler's tick, or the first click after, marks it); "
           "approved, the person joins the service's team with an allocation of the hours a week asked, from "
           "the day of approval to the last day asked (scheduled_next_week counts it)", "from the proposal"),
    # Patterns (store/rules/patterns.py): /delivery patterns [N weeks] and the patterns digest
    Metric("pattern_period", "Period",
           "the last N whole weeks (Monday 00:00 to Monday 00:00) before this week, N from 1 to 26 (4 by default and "
           "in the weekly digest), against the N whole weeks before them; this week so far is left out, so an "
           "answer is the same all week. Deliverables and tickets of every service count, whatever its status now",
           "the last N whole weeks and the N before"),
    Metric("blocker_days", "Blocked days by category",
           "for each blocker category (waiting on customer, access or credentials, environment, third party, scope "
           "change, internal dependency, other), the hours of its block episodes inside the period, over 24. An "
           "episode runs from a deliverable's move to Blocked until its next status move (from the audit trail), "
           "or until now while it is still blocked (from the deliverable: its blocked since and category). A block "
           "from before categories, or with none, reads as other", "each period"),
    Metric("blocker_episodes", "Block episodes by category",
           "block episodes (as in blocker_days) overlapping the period: begun before its end and not ended before "
           "its start; one that spans both periods counts in both", "each period"),
    Metric("recurring_tickets", "Recurring tickets",
           "pairs of customer and ticket type with 3 or more tickets opened in the period within 4 weeks (28 "
           "days) of each other; shown most tickets first, counting all the pair's tickets opened in the period",
           "the period"),
    Metric("near_duplicate_tickets", "Near-duplicate titles",
           "groups of 3 or more tickets of one customer, opened in the period, whose titles are the same or near "
           "duplicates: titles compared in lower case as sets of words (punctuation dropped), grouped with the "
           "group's most frequent title when their token-set similarity (rapidfuzz) is 85 or more. Looked for "
           "among the 50 customers with the most tickets opened in the period (ties: the earliest created)",
           "the period"),
    Metric("reopen_rate", "Reopened deliverables",
           "deliverables reopened in the period (an audited move from Complete or Accepted back to In progress) "
           "over deliverables completed in the period (completion time in it) or reopened in it. Tickets have no "
           "reopen rate: a resolved ticket cannot be reopened in the bot and nothing records a reopening, so the "
           "answer says it is not measured", "each period", "deliverables completed or reopened in the period"),
    Metric("cycle_time", "Cycle time",
           "mean days (24 hours) from a deliverable's start to its completion time, over deliverables Complete or "
           "Accepted whose completion time falls in the period. Start = its first audited status move out of Not "
           "started; deliverables with none recorded (created in progress, or moved before the audit trail) are "
           "left out and counted ('N of M have a recorded start'). By phase: its service's phase now (phases are "
           "not dated). By deliverable type: deliverables have no type field, so the name stands for it: names "
           "compared in lower case with numbers and extra spaces dropped; a name needs 3 measured completions to "
           "be listed, the 5 with the most shown", "the period (mean also for the period before)",
           "completions with a recorded start"),
    Metric("phase_on_time", "On time by phase",
           "deliverables completed in the period (completion time in it) on or before their due date (the "
           "completion's date in the organisation's time zone), over those completed in it with a due date; by "
           "their service's phase now", "each period", "completions in the period with a due date"),
    Metric("what_works", "What works",
           "owners (a deliverable's owner now) and services with at least 5 deliverables completed in the period "
           "with a due date, ranked by on-time rate (phase_on_time's rule), then fewest blocked days (blocker_days "
           "of their deliverables' episodes in the period), then more completions; the first 3 of each shown",
           "the period", "completions in the period with a due date"),
    # Digests (messages/digests: DIGEST_FIGURES)
    Metric("milestones_in_trouble", "Milestones due this week in trouble",
           "milestones of active services due this week, not done, and either due before today or with under "
           "half (DELIVERY_MILESTONE_MIN_DONE_SHARE) of their linked deliverables Complete/Accepted; a milestone "
           "with no linked deliverables is judged by its date only", "this week"),
    Metric("tickets_yesterday", "Yesterday: opened / resolved",
           "tickets opened, and tickets resolved, from midnight to midnight of the previous calendar day",
           "yesterday"),
    Metric("personal_digest", "Your day",
           "deliverables of active services I own with status Blocked, tickets I own that are overdue, my open "
           "tasks due today or before, my appointments starting today", "now, today"),
    Metric("team_utilization", "Team utilization",
           "the delivery team's (members and leads with weekly capacity hours; ops are not counted) hours in "
           "the week, each person's as in utilization (timesheets, else appointments), over the sum of their "
           "available hours: a sum over sums, not an average of percentages; /delivery capacity shows the last "
           "whole week, the weekly digest the last whole week against the week before",
           "last whole week (and the week before)", "the delivery team's available hours"),
    Metric("team_billable_share", "Team billable",
           "the delivery team's billable hours in the week (as billable_share) over the sum of their available "
           "hours; target band 70-80%", "last whole week (and the week before)",
           "the delivery team's available hours"),
    Metric("billable_in_band", "Within the target",
           "people of the delivery team whose billable share of the week is within 70-80%",
           "last week and the week before", "the delivery team (members and leads with weekly capacity hours)"),
    Metric("on_schedule_week_ago", "On schedule a week ago",
           "on_schedule_share of the same deliverables as it stood 7 days ago: late then = due before that day "
           "and not done by then (done now and completed by then; done with no completion time counts as done)",
           "now minus 7 days", "all deliverables of active services"),
    Metric("sla_compliance_week", "SLA compliance of a whole week",
           "tickets resolved in the week by their due time, over tickets resolved in the week plus tickets due "
           "in the week still unresolved at its end; the last whole week against the week before (/delivery "
           "trends: each of the last 8 whole weeks)",
           "last week and the week before", "resolved in the week + open breaches at its end"),
    Metric("health_week_ago", "Health a week ago",
           "the health rules (without overrides) applied to the facts as of 7 days ago: deliverables blocked "
           "then (blocked since, or the audit trail), milestones by due and done dates with deliverables done by "
           "their completion time, customer sessions by start time, tickets overdue then by opened, due and "
           "resolved times; services active now and created by then", "now minus 7 days"),
    Metric("health_change", "Health changes",
           "active services whose computed health now differs from health_week_ago (a lead's override is noted, "
           "not compared: overrides keep no start time)", "now and 7 days ago"),
    Metric("engagement_declining", "Engagement declining",
           "active services whose engagement rule holds (customer sessions in the last 14 days under half of "
           "those in the 14 before), now and a week ago", "now and 7 days ago"),
    Metric("customer_org_flags", "Flag to the Customer Org",
           "active services whose engagement is declining and whose shown health is not On Track", "now"),
    # Trends (store/queries/trends.py): /delivery trends and its charts, the weekly digest's charts
    Metric("health_mix_weekly", "Health mix, last 8 weeks",
           "the health rules (without overrides) applied to the facts as of each moment, as health_week_ago: at "
           "the start (00:00) of each of the last 7 Mondays and now; services active now and created by then, "
           "counted on track, needing attention and at risk. The 7 past moments are kept for up to 10 minutes",
           "the start of each of the last 7 Mondays, and now", "services active now and created by then"),
    Metric("on_schedule_week_end", "On schedule at a week's end",
           "on_schedule_share as it stood at the end of each of the last 8 whole weeks (the Monday 00:00 after "
           "it): late then = due before that Monday and not done by then (done now and completed by then; done "
           "with no completion time counts as done); kept for up to 10 minutes", "the last 8 whole weeks",
           "all deliverables of active services"),
    Metric("on_schedule_target", "On-schedule target",
           "90% of deliverables on schedule: the project success target, as no other was set", "—"),
    Metric("billable_by_person", "Billable by person",
           "billable_share of each person of the delivery team (members and leads with weekly capacity hours) "
           "who had available hours in the last whole week, against the 70-80% band: how many are below, within "
           "and above, and the 20 furthest outside it (everyone when 20 or fewer), furthest first; kept for up to "
           "10 minutes", "last whole week", "available hours"),
    # Customers (store/rules/relationship.py): /delivery customers and a customer's card
    Metric("relationship_health", "Relationship health",
           "each customer with active services: struggling when one of them is At Risk, its engagement is "
           f"declining (customer_sessions), it has {_REL.sla_misses_struggling}+ SLA misses "
           f"(customer_sla_misses) or {_REL.concerns_struggling}+ concerns at once; a concern is a service "
           "that Needs Attention, ticket volume rising (customer_tickets_trend), an SLA miss, an overdue "
           "deliverable. Thriving: none of these and at least one customer session in the last "
           f"{_ENGAGEMENT.engagement_window_days} days. Steady: everything else. Listed struggling, steady, "
           "thriving, by name within each, each with its reasons", "now"),
    Metric("customer_services_health", "Services by health",
           "the customer's active services counted by shown health (shown_health)", "now"),
    Metric("customer_sessions", "Engagement",
           "customer sessions on the customer's active services (appointments of kind customer session) in the "
           f"last {_ENGAGEMENT.engagement_window_days} days against the {_ENGAGEMENT.engagement_window_days} "
           "before, counted per service as the engagement health rule counts them and summed; declining when "
           f"under {_ENGAGEMENT.engagement_min_ratio:.0%} of the earlier count (not when it was 0)",
           f"the last {2 * _ENGAGEMENT.engagement_window_days} days"),
    Metric("customer_tickets_trend", "Ticket volume",
           f"the customer's tickets opened in the last {_TICKET_WEEKS} against the {_REL.ticket_window_days} "
           f"days before; rising when at least {_REL.tickets_rising_ratio:g} times as many and at least "
           f"{_REL.tickets_rising_min} more (not when the earlier count was 0: a trend needs a baseline)",
           f"the last {2 * _REL.ticket_window_days} days"),
    Metric("customer_sla_misses", "SLA misses",
           f"the customer's tickets resolved in the last {_TICKET_WEEKS} after their due time, plus those due "
           "in that time and still open (a miss as sla_compliance counts one)", f"the last {_TICKET_WEEKS}"),
    Metric("customer_overdue_deliverables", "Overdue deliverables",
           "deliverables of the customer's active services not Complete or Accepted and due before today (late, "
           "as on_schedule_share counts them)", "today"),
)

METRICS: dict[str, Metric] = {metric.key: metric for metric in _ALL}


def explain(keys: list[str]) -> str:
    lines = []
    for key in keys:
        metric = METRICS[key]
        line = f"{metric.label}: {metric.formula}"
        if metric.denominator:
            line += f" (denominator: {metric.denominator})"
        lines.append(f"{line} [{metric.window}]")
    return "\n".join(lines)


DOC_HEADER = """# Metric definitions

Every figure the bot shows is computed from the database by one of these definitions.
This file is generated from `store/metrics.py` (`python -m store.metrics > docs/metrics.md`);
a test fails when the two differ.

- **Time zone**: "today", "this week" and "last week" are taken in the organisation's time
  zone (`DELIVERY_TIMEZONE`, default UTC). A week runs from Monday 00:00 to the next Monday 00:00.
- **Active** means a service with status Active; paused and complete services are left out
  unless a definition says otherwise.
- **Timestamps** are stored in UTC and shown with Slack's date tokens, so each reader sees
  their own time zone.
- **Health rules** (thresholds from settings, defaults shown): a deliverable Blocked for 3+
  days, or a milestone past its due date and not done, makes a service **At Risk**; a milestone
  due within 7 days with under half its linked deliverables complete ("timeline pressure"),
  customer sessions in the last 14 days under half of those in the 14 days before
  ("engagement declining"; not applied when the earlier window had none), more than 2
  overdue tickets, a forecast more than 10% over its budget (`forecast_overrun`; hours and
  percentages only in the reason, never money), or an open milestone due today or later forecast
  to slip (`milestone_slip`: its 85% date's week ends after the week it is due; the reason names
  the latest one, its due date and its 50% and 85% dates) make it **Needs Attention**. Each
  finding is listed in plain words. Health a week ago applies the rules the database dates:
  budgets and estimates keep no history, and a forecast made a week ago would need the open work
  of then, so the weekly digest compares health without the budget and slip findings.

| figure | definition | denominator | window |
|---|---|---|---|
"""


def markdown() -> str:
    rows = [
        f"| {m.label} (`{m.key}`) | {m.formula} | {m.denominator or '—'} | {m.window} |" for m in METRICS.values()
    ]
    return DOC_HEADER + "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(markdown(), end="")
