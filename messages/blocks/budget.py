"""Budgets: the service card's budget line and `/delivery budget` for the portfolio.

Money (amounts, costs, margins) appears only where the read model carries it: the store leaves it
out for anyone but the service's lead and ops, and for every message others can read.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block, DividerBlock, HeaderBlock

from messages.blocks.common import Reply, context, escape, mrkdwn_section, plural, time_token
from messages.ids import ViewKind, ViewRef
from store.readmodels.budget import BudgetLine, BudgetReport, SuccessRate
from store.rules.budget import MARGIN_TARGET, BudgetBasis, RemainingFrom

# Within half a percent of the budget, a forecast is on it.
ON_BUDGET = 0.005


def percent(share: float) -> str:
    return f"{share:.0%}"


def amount(value: float, basis: BudgetBasis) -> str:
    """Hours as "168 h", money as "23,400" (the organisation's currency)."""
    return f"{value:,.0f} h" if basis == BudgetBasis.HOURS else f"{value:,.0f}"


def forecast_words(line: BudgetLine) -> str:
    if line.overrun is None:
        return "no forecast yet"
    if abs(line.overrun) < ON_BUDGET:
        return "forecast on budget"
    return f"forecast {percent(abs(line.overrun))} {'over' if line.overrun > 0 else 'under'}"


def margin_words(margin: float | None) -> str:
    return f"margin {percent(margin)} (target {percent(MARGIN_TARGET)})" if margin is not None else ""


def budget_summary(line: BudgetLine) -> str:
    """"87% spent at 62% complete · forecast 40% over · margin 51% (target 40%)"."""
    parts = [f"{percent(line.burn)} spent" if line.burn is not None else "nothing spent"]
    if line.complete is not None:
        parts[0] += f" at {percent(line.complete)} complete"
    parts.append(forecast_words(line))
    if line.money_shown and line.margin is not None:
        parts.append(margin_words(line.margin))
    return " · ".join(parts)


def budget_detail(line: BudgetLine) -> str:
    """The amounts behind the summary, and where the forecast's hours still to come were read from."""
    parts = []
    if line.spent is not None and line.budget is not None:
        spent = "spent" if line.basis == BudgetBasis.HOURS else "earned"
        parts.append(f"{amount(line.spent, line.basis)} of {amount(line.budget, line.basis)} {spent}")
    if line.eac is not None:
        parts.append(f"forecast {amount(line.eac, line.basis)}")
    if line.remaining_hours is not None and line.remaining_from != RemainingFrom.NOTHING:
        parts.append(f"{line.remaining_hours:,.0f} h to come {line.remaining_from.label}")
    else:
        parts.append(line.remaining_from.label)
    if line.money_shown and line.cost is not None and line.earned is not None:
        parts.append(f"cost {line.cost:,.0f}, earned {line.earned:,.0f}")
    return " · ".join(parts)


def card_budget_text(line: BudgetLine) -> str:
    return f"*Budget*: {budget_summary(line)}\n{budget_detail(line)}"


def money_note(audience: str) -> str:
    return f"Rates, costs and margins are shown only to {audience}, in answers only they see."


def _service_line(line: BudgetLine) -> str:
    owner = f" ({escape(line.owner.name)})" if line.owner else ""
    return f"• *{escape(line.ref.label)}*{owner}: {budget_summary(line)}\n    _{budget_detail(line)}_"


def _listing(title: str, lines: list[BudgetLine], total: int) -> list[Block]:
    if not lines:
        return []
    more = f"\n_and {total - len(lines)} more_" if total > len(lines) else ""
    return [mrkdwn_section(f"*{title}* ({total})\n" + "\n".join(_service_line(line) for line in lines) + more)]


def success_words(now: SuccessRate, week_ago: SuccessRate) -> str:
    if now.rate is None:
        return f"No project completed yet (target {percent(now.target)} on time and within budget)."
    before = f"; a week ago {percent(week_ago.rate)}" if week_ago.rate is not None else ""
    return (f"{now.succeeded} of {plural(now.completed, 'completed project')} finished on time and within budget: "
            f"{percent(now.rate)} (target {percent(now.target)}{before}).")


def headline(report: BudgetReport) -> str:
    if not report.budgeted:
        return "No active service has a budget yet: import `services.csv` with budget_hours or budget_amount."
    counts = (f"{plural(report.budgeted, 'active service')} with a budget: {report.over_count} over, "
              f"{report.forecast_over_count} forecast over.")
    if report.margin_total is not None:
        counts += f" Portfolio {margin_words(report.margin_total)}."
    return counts


def _margin_blocks(report: BudgetReport) -> list[Block]:
    if report.money_scope == "none":
        return [context(money_note(report.money_audience))]
    own = report.money_scope == "own"
    blocks = _listing(f"Margins below {percent(report.margin_target)}" + (" (services you lead)" if own else ""),
                      report.lowest_margins, report.below_target_count)
    if not blocks:
        whose = "Every service you lead" if own else "Every service"
        blocks = [mrkdwn_section(f"{whose} that has earned so far is at or above the "
                                 f"{percent(report.margin_target)} margin target.")]
    if report.customers_below_target:
        names = "\n".join(f"• *{escape(c.customer_name)}*: {margin_words(c.margin)}, "
                          f"{plural(c.services, 'service')}" for c in report.customers_below_target)
        blocks.append(mrkdwn_section(f"*Customers below the margin target* ({report.customers_below_target_count})\n"
                                     f"{names}"))
    if report.money_scope == "own":
        blocks.append(context(money_note(report.money_audience)))
    return blocks


def budget_message(report: BudgetReport, tz: ZoneInfo) -> Reply:
    blocks: list[Block] = [
        HeaderBlock(text="Budgets"),
        mrkdwn_section(f"{escape(headline(report))}\n{success_words(report.success, report.success_week_ago)}"),
        DividerBlock(),
        *_listing("Over budget", report.over, report.over_count),
        *_listing("Forecast over budget", report.forecast_over, report.forecast_over_count),
        *_margin_blocks(report),
        context(f"Forecasts more than {percent(report.threshold)} over make a service Need Attention · as of "
                f"{time_token(report.as_of)} · `/delivery status &lt;service&gt;` for a service's card"),
    ]
    text = f"Budgets: {report.over_count} over, {report.forecast_over_count} forecast over."
    return Reply(text=text, blocks=blocks, view=ViewRef(k=ViewKind.BUDGET))
