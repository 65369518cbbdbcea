"""`/delivery forecast [service]`: milestones forecast to slip across the portfolio, or one service's
forecasts (all its open work, and each open milestone), from its recent weekly throughput."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block, HeaderBlock

from messages.blocks.common import (
    MAX_SECTION_TEXT,
    Reply,
    context,
    date_token,
    escape,
    escape_clipped,
    mrkdwn_section,
    plural,
    time_token,
)
from store.enums import ServiceStatus
from store.readmodels.forecast import Forecast, ForecastReport, MilestoneForecast, PortfolioForecast, ServiceForecast
from store.rules.forecast import HISTORY_WEEKS, MIN_HISTORY_WEEKS, Outcome

NAME_CHARS = 120  # a milestone's or a service's name in a line, escaped
QUERY_CHARS = 200  # the name asked for, quoted back
BEYOND = "more than two years"


def rate(per_week: float) -> str:
    """"2.5", "2", "0.25": completions a week, to a tenth (a hundredth under one)."""
    shown = f"{per_week:.2f}" if per_week < 1 else f"{per_week:.1f}"
    return shown.rstrip("0").rstrip(".") if "." in shown else shown


def _when(day: date | None, tz: ZoneInfo) -> str:
    return date_token(day, tz) if day is not None else BEYOND


def dates_words(forecast: Forecast, tz: ZoneInfo) -> str:
    """"likely 14 Mar (85%: 21 Mar)", or why there are no dates."""
    if forecast.outcome == Outcome.SHORT_HISTORY:
        return (f"not enough history ({plural(forecast.history_weeks, 'whole week')} since the service started; "
                f"{MIN_HISTORY_WEEKS} needed)")
    if forecast.outcome != Outcome.FORECAST:
        return forecast.outcome.label
    if forecast.likely_on is None:
        return f"likely {BEYOND} away"
    return f"likely {_when(forecast.likely_on, tz)} (85%: {_when(forecast.safe_on, tz)})"


def pace_words(forecast: Forecast) -> str:
    """"6 open, 2.5 a week", saying when the history is shorter than the full window."""
    words = f"{forecast.open} open"
    if forecast.per_week is not None and forecast.outcome in (Outcome.FORECAST, Outcome.NO_THROUGHPUT):
        words += f", {rate(forecast.per_week)} a week"
        if forecast.short_history:
            words += f" over {plural(forecast.history_weeks, 'week')} of history"
    return words


def milestone_line(item: MilestoneForecast, tz: ZoneInfo, *, with_service: bool) -> str:
    """"Go-Live Readiness (Delta Corp · SSO rollout): likely 14 Mar (85%: 21 Mar) against due 7 Mar · 6 open,
    2.5 a week"."""
    service = f" ({escape_clipped(item.service.label, NAME_CHARS)})" if with_service else ""
    mark = ":warning: " if item.slips and not with_service else ""
    head = f"{mark}*{escape_clipped(item.name, NAME_CHARS)}*{service}"
    due = f"due {date_token(item.due_on, tz)}"
    if item.forecast.outcome == Outcome.DONE:
        return f"{head}: no open deliverables · {due}"
    if not item.forecast.dated:
        return f"{head}: {dates_words(item.forecast, tz)} · {due} · {pace_words(item.forecast)}"
    return f"{head}: {dates_words(item.forecast, tz)} against {due} · {pace_words(item.forecast)}"


def _sections(lines: list[str]) -> list[Block]:
    """Lines in as few sections as fit Slack's limit, never cutting a line (nor a date token in it)."""
    blocks: list[Block] = []
    chunk: list[str] = []
    for line in lines:
        if chunk and len("\n".join([*chunk, line])) > MAX_SECTION_TEXT:
            blocks.append(mrkdwn_section("\n".join(chunk)))
            chunk = []
        chunk.append(line)
    if chunk:
        blocks.append(mrkdwn_section("\n".join(chunk)))
    return blocks


def _footer(report: ForecastReport) -> Block:
    return context(f"Monte Carlo over each service's completions a week in its last {report.history_weeks} whole "
                   f"weeks, {report.trials:,} trials; a date is the Sunday ending its week · as of "
                   f"{time_token(report.as_of)}")


def portfolio_headline(portfolio: PortfolioForecast) -> str:
    if not portfolio.with_open_work:
        return (f"{plural(portfolio.open_milestones, 'open milestone')} of active services, none with open "
                "deliverables linked: nothing to forecast.")
    if portfolio.slipping_total:
        verb = "is" if portfolio.slipping_total == 1 else "are"
        head = (f"*{portfolio.slipping_total} of {plural(portfolio.forecast, 'milestone')} forecast {verb} likely "
                "to slip*: their 85% date is after the week they are due.")
    else:
        head = (f"No milestone is likely to slip: all {portfolio.forecast} forecast are 85% likely done by the "
                "end of the week they are due.")
    gaps = []
    if portfolio.short_history:
        gaps.append(f"{portfolio.short_history} without enough history (under {MIN_HISTORY_WEEKS} whole weeks)")
    if portfolio.no_throughput:
        gaps.append(f"{portfolio.no_throughput} with no completions in the last {HISTORY_WEEKS} weeks")
    cover = (f"{plural(portfolio.open_milestones, 'open milestone')} of active services, "
             f"{portfolio.with_open_work} with open deliverables")
    return f"{head}\n{cover}" + (f"; not forecast: {', '.join(gaps)}" if gaps else "") + "."


def _portfolio_message(report: ForecastReport, portfolio: PortfolioForecast, tz: ZoneInfo) -> Reply:
    blocks: list[Block] = [HeaderBlock(text="Milestone forecasts"), mrkdwn_section(portfolio_headline(portfolio))]
    blocks += _sections([f"• {milestone_line(item, tz, with_service=True)}" for item in portfolio.slipping])
    hidden = portfolio.slipping_total - len(portfolio.slipping)
    if hidden > 0:
        blocks.append(mrkdwn_section(f"and {hidden} more (the worst are listed first); "
                                     "`/delivery forecast &lt;service&gt;` shows a service's milestones"))
    else:
        blocks.append(context("`/delivery forecast &lt;service&gt;` shows a service's milestones"))
    blocks.append(_footer(report))
    text = (f"Milestone forecasts: {portfolio.slipping_total} of {portfolio.forecast} likely to slip."
            if portfolio.with_open_work else "Milestone forecasts: nothing to forecast.")
    return Reply(text=text, blocks=blocks)


def throughput_words(service: ServiceForecast) -> str:
    weeks = len(service.weekly)
    so_far = f"; {service.done_this_week} so far this week" if service.done_this_week else ""
    if not weeks:
        return f"*Completions a week*: no whole week since the service started{so_far}: no dates yet."
    per_week = sum(service.weekly) / weeks
    counts = " · ".join(str(count) for count in service.weekly)
    short = ""
    if weeks < HISTORY_WEEKS:
        short = f" Only {plural(weeks, 'whole week')} since the service started" + (
            f": under {MIN_HISTORY_WEEKS} gives no dates." if weeks < MIN_HISTORY_WEEKS else ".")
    return (f"*Completions a week* (last {plural(weeks, 'whole week')}, oldest first): {counts}: "
            f"{rate(per_week)} a week{so_far}.{short}")


def _service_message(report: ForecastReport, service: ServiceForecast, tz: ZoneInfo) -> Reply:
    label = service.ref.label
    status = f" ({service.ref.status.value})" if service.ref.status != ServiceStatus.ACTIVE else ""
    whole = service.whole
    whole_words = ("no open deliverables" if whole.outcome == Outcome.DONE
                   else f"{dates_words(whole, tz)} · {pace_words(whole)}")
    blocks: list[Block] = [
        HeaderBlock(text=escape_clipped(f"Forecast · {label}{status}", 150)),
        mrkdwn_section(f"{throughput_words(service)}\n*All open work*: {whole_words}"),
    ]
    slipping = sum(item.slips for item in service.milestones)
    if service.milestones:
        title = f"*Open milestones* ({service.milestones_total})" + (
            f", {slipping} likely to slip (85% date after the week due)" if slipping else "")
        blocks += _sections([title, *(f"• {milestone_line(item, tz, with_service=False)}"
                                      for item in service.milestones)])
    else:
        blocks.append(mrkdwn_section("*Open milestones*: none."))
    hidden = service.milestones_total - len(service.milestones)
    if hidden > 0:
        blocks.append(mrkdwn_section(f"and {plural(hidden, 'later milestone')}"))
    blocks.append(_footer(report))
    return Reply(text=f"Forecast · {escape(label)}: {_plain(whole, tz)}.", blocks=blocks)


def _plain(forecast: Forecast, tz: ZoneInfo) -> str:
    """The notification's words: dates as plain text (Slack shows the top-level text as it is)."""
    if forecast.outcome == Outcome.DONE:
        return "no open deliverables"
    if not forecast.dated:
        return dates_words(forecast, tz)  # no dates in these words
    if forecast.likely_on is None:
        return f"all {forecast.open} open likely {BEYOND} away"
    safe = forecast.safe_on.strftime("%a %d %b") if forecast.safe_on else BEYOND
    return f"all {forecast.open} open likely by {forecast.likely_on.strftime('%a %d %b')} (85%: {safe})"


def _choices_message(report: ForecastReport) -> Reply:
    query = escape_clipped(report.query or "", QUERY_CHARS)
    lines = "\n".join(f"• {escape_clipped(ref.label, NAME_CHARS)} ({ref.status.value})" for ref in report.choices)
    return Reply(shareable=False, text=f"Several services match '{query}'.", blocks=[
        mrkdwn_section(f"Several services match '{query}'. Which one?\n{lines}"),
        context("Type more of the name: `/delivery forecast &lt;service or customer&gt;`"),
    ])


def _no_match_message(report: ForecastReport) -> Reply:
    closest = ", ".join(escape_clipped(name, NAME_CHARS) for name in report.suggestions)
    hint = f" Closest: {closest}." if closest else ""
    text = f"No service matches '{escape_clipped(report.query or '', QUERY_CHARS)}'."
    return Reply(shareable=False, text=text, blocks=[
        mrkdwn_section(f":mag: {text}{hint}"),
        context("`/delivery forecast` lists the milestones forecast to slip"),
    ])


def forecast_message(report: ForecastReport, tz: ZoneInfo) -> Reply:
    if report.portfolio is not None:
        return _portfolio_message(report, report.portfolio, tz)
    if report.service is not None:
        return _service_message(report, report.service, tz)
    if report.choices:
        return _choices_message(report)
    return _no_match_message(report)
