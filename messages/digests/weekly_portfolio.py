"""The Monday portfolio digest: the dashboard with change against last week, in three slices.

Team: load now, utilization and billable share of the last whole week against the week before.
Business: on schedule now against a week ago, SLA compliance and the services' margin of the last
two whole weeks, the project success rate now and a week ago, phases.
Customer: services whose computed health changed since a week ago, engagement declining, and the
relationships to flag to the Customer Org. What is compared is said in the digest's footer.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from messages.blocks.capacity import TARGET, hours, source_note
from messages.blocks.common import Reply, context, date_token, mrkdwn_section, time_token
from messages.blocks.deliverables import tally_line
from messages.blocks.digest import divider, header, listing_section, within_budget
from messages.blocks.health import HEALTH_EMOJI
from messages.digests.copy import points, say
from messages.ids import ViewKind, ViewRef
from store.enums import Health, Phase
from store.health.rules import UNDATED_RULES
from store.queries.weekly import ENGAGEMENT_RULE
from store.readmodels.digests import WeeklyPortfolio, WeekSla
from store.rules.budget import MARGIN_TARGET
from store.rules.capacity import LoadState

T = "weekly_portfolio.j2"
VIEW = ViewRef(k=ViewKind.DIGEST_WEEKLY_PORTFOLIO)
MAX_NAMES = 10
MAX_LINES = 25


def _team(data: WeeklyPortfolio, tz: ZoneInfo) -> str:
    last, before = data.last_week, data.week_before
    loads = data.load_counts
    return say(
        T, "team", people=data.people, overloaded=loads[LoadState.OVERLOADED],
        at_capacity=loads[LoadState.AT_CAPACITY], scheduled=loads[LoadState.SCHEDULED],
        available=loads[LoadState.AVAILABLE],
        overloaded_names=[(p.person.name, f"{p.active_services} of {p.max_services}")
                          for p in data.overloaded[:MAX_NAMES]],
        hidden_names=max(0, loads[LoadState.OVERLOADED] - min(len(data.overloaded), MAX_NAMES)),
        week=date_token(last.first_day, tz),
        utilization=last.utilization, utilization_before=before.utilization,
        utilization_change=points(last.utilization, before.utilization),
        hours=hours(last.team.hours), available_hours=hours(last.team.available_hours),
        team_people=last.team.people, source=source_note(last.team),
        billable=last.billable_share, billable_before=before.billable_share,
        billable_change=points(last.billable_share, before.billable_share),
        in_band=last.in_band, in_band_before=before.in_band, target=TARGET,
    )


def _sla(week: WeekSla) -> str:
    sla = week.sla
    return say(T, "sla", share=sla.share, met=sla.met, denominator=sla.denominator, target=sla.target)


def _business(data: WeeklyPortfolio, tz: ZoneInfo) -> str:
    now = data.deliverables.on_schedule_share
    return say(
        T, "business", on_schedule=now, on_schedule_before=data.on_schedule_week_ago,
        on_schedule_change=points(now, data.on_schedule_week_ago), tally=tally_line(data.deliverables),
        week=date_token(data.sla_last_week.first_day, tz), sla_last=_sla(data.sla_last_week),
        week_before=date_token(data.sla_week_before.first_day, tz), sla_before=_sla(data.sla_week_before),
        target=data.sla_last_week.sla.target, phases=[(phase.label, data.phase_counts[phase]) for phase in Phase],
        margin_last=say(T, "margin", share=data.margin_last_week, target=MARGIN_TARGET),
        margin_before=say(T, "margin", share=data.margin_week_before, target=MARGIN_TARGET),
        margin_target=MARGIN_TARGET, success=say(T, "success", now=data.success, before=data.success_week_ago),
    )


def _change_lines(data: WeeklyPortfolio) -> list[str]:
    lines = []
    for change in data.health_changes[:MAX_LINES]:
        s = change.service
        lines.append(say(
            T, "change_line", emoji=HEALTH_EMOJI[change.now], customer=s.customer_name,
            service=s.service_name, before=change.before.label, now=change.now.label,
            reason=next((f.reason for f in s.findings if f.rule not in UNDATED_RULES), None),
            shown=s.health.label if s.health != change.now else None,
        ))
    return lines


def _flag_lines(data: WeeklyPortfolio) -> list[str]:
    return [
        say(T, "flag_line", customer=s.customer_name, service=s.service_name,
            reason=next(f.reason for f in s.findings if f.rule == ENGAGEMENT_RULE),
            owner=s.owner.name if s.owner else None, action=s.action_note)
        for s in data.customer_org_flags[:MAX_LINES]
    ]


def _more(command: str):
    return lambda hidden: say("common.j2", "more", hidden=hidden, command=command)


def render(data: WeeklyPortfolio, tz: ZoneInfo, *, all_clear: bool = False) -> Reply | None:
    footer = context(say(T, "footer", time=time_token(data.as_of)))
    if not data.active_services:
        if not all_clear:
            return None
        return Reply(text=say(T, "all_clear_fallback"), shareable=False, view=VIEW,
                     blocks=[header(say(T, "title")), mrkdwn_section(say(T, "all_clear")), footer])
    shown, before = data.health_counts, data.computed_counts_week_ago
    blocks = [
        header(say(T, "title")),
        mrkdwn_section(
            say(T, "headline", active=data.active_services, on_track=shown[Health.ON_TRACK],
                needs_attention=shown[Health.NEEDS_ATTENTION], at_risk=shown[Health.AT_RISK]) + "\n"
            + say(T, "week_ago", compared=data.compared, on_track=before[Health.ON_TRACK],
                  needs_attention=before[Health.NEEDS_ATTENTION], at_risk=before[Health.AT_RISK],
                  not_compared=data.active_services - data.compared)
        ),
        divider(),
        mrkdwn_section(_team(data, tz)),
        mrkdwn_section(_business(data, tz)),
        divider(),
        listing_section(say(T, "changes_heading", total=data.health_changes_total), _change_lines(data),
                        total=data.health_changes_total, more=_more("/delivery status")),
        listing_section(
            say(T, "flags_heading", declining=data.engagement_declining,
                declining_before=data.engagement_declining_week_ago, flags=data.customer_org_flags_total),
            _flag_lines(data), total=data.customer_org_flags_total, more=_more("/delivery at-risk"),
        ),
        footer,
    ]
    text = say(T, "fallback", active=data.active_services, on_track=shown[Health.ON_TRACK],
               needs_attention=shown[Health.NEEDS_ATTENTION], at_risk=shown[Health.AT_RISK],
               changes=data.health_changes_total, on_schedule=data.deliverables.on_schedule_share,
               sla_last=data.sla_last_week.sla.share)
    # A record of the week: later changes do not rewrite it, so it names no live objects.
    return Reply(text=text, blocks=within_budget(blocks), shareable=False, view=VIEW)

