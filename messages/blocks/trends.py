"""`/delivery trends`: the last eight weeks in numbers, useful on their own; the charts
(messages/charts/trends.py) draw the same numbers and are attached when the answer is sent."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block, HeaderBlock

from messages.blocks.capacity import TARGET
from messages.blocks.common import Reply, context, date_token, escape, mrkdwn_section
from messages.charts import percent
from messages.ids import ViewKind, ViewRef
from store.readmodels.trends import BillableSpread, CompliancePoint, HealthPoint, Trends

VIEW = ViewRef(k=ViewKind.TRENDS)
MAX_NAMES = 10


def _moment(point: HealthPoint, tz: ZoneInfo) -> str:
    return "Now" if point.weeks_ago == 0 else date_token(point.at.astimezone(tz).date(), tz)


def _health(points: list[HealthPoint], tz: ZoneInfo) -> str:
    lines = [f"• {_moment(p, tz)}: {p.on_track:,} on track · {p.needs_attention:,} need attention · "
             f"{p.at_risk:,} at risk" for p in points]
    return ":large_green_circle: *Health mix* (computed from dated facts, overrides not counted; services "\
           "active now)\n" + "\n".join(lines)


def _sla(point: CompliancePoint) -> str:
    sla = point.sla
    return percent(sla.share) + (f" ({sla.met:,} of {sla.denominator:,})" if sla.denominator else "")


def _compliance(points: list[CompliancePoint], on_schedule_target: float, sla_target: float, tz: ZoneInfo) -> str:
    lines = [f"• Week of {date_token(p.first_day, tz)}: on schedule {percent(p.on_schedule)} · SLA {_sla(p)}"
             for p in points]
    return (f":chart_with_upwards_trend: *On schedule* (at each week's end; target {percent(on_schedule_target)}) "
            f"*and SLA compliance* (target {percent(sla_target)})\n" + "\n".join(lines))


def _billable(spread: BillableSpread, tz: ZoneInfo) -> str:
    head = (f":busts_in_silhouette: *Billable, week of {date_token(spread.first_day, tz)}* (target {TARGET}): "
            f"team {percent(spread.team.billable_share)} over {spread.counted:,} people: {spread.below:,} below, "
            f"{spread.within:,} within, {spread.above:,} above.")
    outside = [p for p in spread.shown if p.outside_by > 0][:MAX_NAMES]
    if not outside:
        return head
    names = ", ".join(f"{escape(p.name)} {percent(p.share)}" for p in outside)
    return f"{head}\nFurthest outside the band: {names}."


def trends_message(data: Trends, tz: ZoneInfo) -> Reply:
    now = data.health[-1] if data.health else None
    last = data.compliance[-1] if data.compliance else None
    blocks: list[Block] = [
        HeaderBlock(text="Trends · last 8 weeks"),
        mrkdwn_section(_health(data.health, tz)),
        mrkdwn_section(_compliance(data.compliance, data.on_schedule_target, data.sla_target, tz)),
        mrkdwn_section(_billable(data.billable, tz)),
        context("Definitions: `delivery-bot ask trends --explain` · docs/metrics.md"),
    ]
    summary = []
    if now is not None:
        summary.append(f"now {now.on_track:,} on track, {now.needs_attention:,} need attention, "
                       f"{now.at_risk:,} at risk")
    if last is not None:
        summary.append(f"last week on schedule {percent(last.on_schedule)}, SLA {percent(last.sla.share)}")
    summary.append(f"team billable {percent(data.billable.team.billable_share)}")
    return Reply(text="Trends, last 8 weeks: " + "; ".join(summary) + ".", blocks=blocks, view=VIEW)
