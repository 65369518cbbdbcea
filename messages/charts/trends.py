"""The trends' three charts: the health mix week by week, on schedule and SLA compliance against their
targets, and billable share by person against the 70-80% band. Each takes its read model and returns a
`Chart` whose alt text states every number drawn (dates in the organisation's time zone: an image
cannot hold Slack's date tokens)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from matplotlib.ticker import StrMethodFormatter

from messages.charts import Chart, clip_alt, percent
from messages.charts.canvas import AMBER, BLUE, FONT, GREEN, GREY, RED, new_figure, png_of, style
from messages.charts.drafts import (
    BILLABLE,
    COMPLIANCE,
    COMPLIANCE_TITLE,
    HEALTH_MIX,
    HEALTH_TITLE,
    band_words,
    billable_title,
    day_words,
)
from store.enums import Health
from store.readmodels.trends import BillableSpread, CompliancePoint, HealthPoint
from store.rules.capacity import BILLABLE_TARGET_HIGH, BILLABLE_TARGET_LOW, BillableBand

BAND_COLOURS = {BillableBand.BELOW: AMBER, BillableBand.WITHIN: GREEN, BillableBand.ABOVE: RED}


def _moment(point: HealthPoint, tz: ZoneInfo) -> str:
    return "now" if point.weeks_ago == 0 else day_words(point.at.astimezone(tz).date())


# ---- the health mix ---------------------------------------------------------------------------------



def health_mix_chart(points: list[HealthPoint], tz: ZoneInfo) -> Chart:
    figure = new_figure()
    axes = figure.add_axes((0.1, 0.13, 0.68, 0.75))
    labels = [_moment(p, tz) for p in points]
    positions = list(range(len(points)))
    bottom = [0] * len(points)
    for health, colour in ((Health.ON_TRACK, GREEN), (Health.NEEDS_ATTENTION, AMBER), (Health.AT_RISK, RED)):
        heights = [p.counts[health] for p in points]
        axes.bar(positions, heights, bottom=bottom, color=colour, label=health.label, width=0.7)
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    for x, point, top in zip(positions, points, bottom, strict=True):
        # The few in trouble are a sliver of a large portfolio: their counts are written on each bar.
        axes.annotate(f"{point.needs_attention} / {point.at_risk}", (x, top), textcoords="offset points",
                      xytext=(0, 3), ha="center", fontsize=FONT - 2, color=GREY)
    axes.set_xticks(positions, labels)
    axes.set_ylabel("services", fontsize=FONT)
    axes.set_xlabel("at the start of each Monday, and now", fontsize=FONT)
    axes.set_ylim(0, max(bottom + [1]) * 1.12)
    axes.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    style(axes, HEALTH_TITLE)
    axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=FONT, frameon=False,
                title="labels: need attention / at risk", title_fontsize=FONT - 3)
    weeks = "; ".join(f"{_moment(p, tz)}: {p.on_track} on track, {p.needs_attention} need attention, "
                      f"{p.at_risk} at risk" for p in points)
    alt = (f"{HEALTH_TITLE} (computed health of the services active now, from dated facts; overrides not "
           f"counted). {weeks}.")
    return Chart(HEALTH_MIX, HEALTH_TITLE, png_of(figure), clip_alt(alt))


# ---- on schedule and SLA compliance ---------------------------------------------------------------



def _line(axes, positions: list[int], shares: list[float | None], colour: str, label: str) -> None:
    values = [float("nan") if s is None else s * 100 for s in shares]
    axes.plot(positions, values, color=colour, marker="o", label=label, linewidth=2)
    for x, share in zip(positions, shares, strict=True):
        if share is not None:
            axes.annotate(percent(share), (x, share * 100), textcoords="offset points", xytext=(0, 6),
                          ha="center", fontsize=FONT - 2, color=colour)


def compliance_chart(points: list[CompliancePoint], on_schedule_target: float, sla_target: float) -> Chart:
    figure = new_figure()
    axes = figure.add_axes((0.08, 0.13, 0.66, 0.75))
    positions = list(range(len(points)))
    on_schedule = [p.on_schedule for p in points]
    sla = [p.sla.share for p in points]
    _line(axes, positions, on_schedule, BLUE, "On schedule")
    _line(axes, positions, sla, GREEN, "SLA compliance")
    axes.axhline(on_schedule_target * 100, color=BLUE, linestyle="--", linewidth=1,
                 label=f"On-schedule\ntarget {percent(on_schedule_target)}")
    axes.axhline(sla_target * 100, color=GREEN, linestyle="--", linewidth=1, label=f"SLA target {percent(sla_target)}")
    known = [s * 100 for s in [*on_schedule, *sla] if s is not None]
    axes.set_ylim(max(0, min([*known, on_schedule_target * 100, sla_target * 100]) - 10), 105)
    axes.set_xticks(positions, [day_words(p.first_day) for p in points])
    axes.set_ylabel("percent", fontsize=FONT)
    axes.set_xlabel("week starting", fontsize=FONT)
    style(axes, COMPLIANCE_TITLE)
    axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=FONT - 1, frameon=False)
    weeks = "; ".join(
        f"week of {day_words(p.first_day)}: on schedule {percent(p.on_schedule)}, SLA {percent(p.sla.share)}"
        + (f" ({p.sla.met} of {p.sla.denominator})" if p.sla.denominator else "")
        for p in points)
    alt = (f"{COMPLIANCE_TITLE}. Targets: on schedule {percent(on_schedule_target)}, SLA "
           f"{percent(sla_target)}. {weeks}.")
    return Chart(COMPLIANCE, COMPLIANCE_TITLE, png_of(figure), clip_alt(alt))


# ---- billable share by person -------------------------------------------------------------------------

def billable_chart(spread: BillableSpread) -> Chart:
    title = billable_title(spread)
    figure = new_figure()
    axes = figure.add_axes((0.22, 0.12, 0.74, 0.72))
    team_share = spread.team.billable_share
    names = ["Team", *[p.name[:28] for p in spread.shown]]
    shares = [team_share or 0.0, *[p.share for p in spread.shown]]
    colours = [GREY, *[BAND_COLOURS[p.band] for p in spread.shown]]
    positions = list(range(len(names)))
    axes.axvspan(BILLABLE_TARGET_LOW * 100, BILLABLE_TARGET_HIGH * 100, color=GREEN, alpha=0.15, label=band_words())
    axes.barh(positions, [s * 100 for s in shares], color=colours, height=0.7)
    # Names and shares as plain text at the bars' left: twenty tick objects cost more to draw than the rest.
    axes.set_yticks([])
    size = FONT - 1 if len(names) <= 12 else FONT - 2
    for y, name, share in zip(positions, names, shares, strict=True):
        # parse_math off: a name is drawn as typed, never read as mathtext ("$…$" would be, and could fail).
        axes.text(-0.01, y, f"{name}  {percent(share)}", transform=axes.get_yaxis_transform(), ha="right",
                  va="center", fontsize=size, parse_math=False)
    axes.set_ylim(len(names) - 0.5, -0.5)
    axes.set_xlim(0, max([100.0, *[s * 100 + 12 for s in shares]]))
    axes.set_xlabel("billable hours over available hours (%)", fontsize=FONT)
    shown = ("everyone" if spread.everyone_shown
             else f"the {len(spread.shown)} of {spread.counted:,} furthest outside the band")
    style(axes, f"{title}\n{shown}")
    people = ", ".join(f"{p.name} {percent(p.share)}" for p in spread.shown)
    alt = (f"{title}. Team {percent(team_share)} over {spread.counted:,} people: {spread.below:,} below, "
           f"{spread.within:,} within, {spread.above:,} above. "
           + (f"Charted: everyone: {people}." if spread.everyone_shown
              else f"Charted: the {len(spread.shown)} people furthest outside the band: {people}."))
    return Chart(BILLABLE, title, png_of(figure), clip_alt(alt))
