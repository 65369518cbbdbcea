"""Read models of forecasts (`/delivery forecast`): when open work is likely done, from each service's
recent weekly throughput. Definitions: `store.metrics` (`weekly_throughput`, `forecast_open_work`,
`forecast_dates`, `milestone_slip`); the rules: `store.rules.forecast`."""

from __future__ import annotations

from datetime import date, datetime

from store.readmodels import PersonRef, ReadModel, ServiceRef
from store.rules.forecast import HISTORY_WEEKS, MAX_WEEKS, MIN_HISTORY_WEEKS, SAFE, TRIALS, Outcome, SlipState


class Forecast(ReadModel):
    """When some open work of one service (a milestone's, or all of it) is likely done."""

    outcome: Outcome
    open: int  # open deliverables
    history_weeks: int  # whole weeks of history read (at most HISTORY_WEEKS)
    per_week: float | None  # mean completions a week over them; None without any
    # The Sundays ending the likely (50%) and 85% weeks; None past MAX_WEEKS, or with no forecast.
    likely_on: date | None = None
    safe_on: date | None = None

    @property
    def dated(self) -> bool:
        return self.outcome == Outcome.FORECAST

    @property
    def short_history(self) -> bool:
        """Fewer history weeks than the full window (a service younger than it): said with the dates."""
        return self.history_weeks < HISTORY_WEEKS


class MilestoneForecast(ReadModel):
    milestone_id: int
    name: str
    due_on: date
    service: ServiceRef
    forecast: Forecast
    slips: bool = False  # its 85% week ends after the week it is due
    days_late: int | None = None  # 85% date minus due date when it slips; None past MAX_WEEKS


class PortfolioForecast(ReadModel):
    """The open milestones of active services, and those forecast to slip."""

    open_milestones: int
    with_open_work: int  # with open deliverables linked; the others have nothing to forecast
    forecast: int  # of those, with dates (enough history, some throughput)
    short_history: int
    no_throughput: int
    slipping: list[MilestoneForecast]  # worst first (most days late at 85%): the first few
    slipping_total: int


class ServiceForecast(ReadModel):
    ref: ServiceRef
    weekly: list[int]  # completions in each history week, oldest first
    done_this_week: int
    whole: Forecast  # all its open deliverables
    milestones: list[MilestoneForecast]  # its open milestones, by due date: the first few
    milestones_total: int


class ForecastReport(ReadModel):
    """`/delivery forecast`: the portfolio's slipping milestones; with a name, one service's forecasts,
    or the choices when several match, or the closest names when none does."""

    as_of: datetime
    week_first_day: date  # Monday of this week: week 1 of every forecast
    query: str | None = None
    portfolio: PortfolioForecast | None = None
    service: ServiceForecast | None = None
    choices: list[ServiceRef] = []
    suggestions: list[str] = []
    trials: int = TRIALS
    history_weeks: int = HISTORY_WEEKS
    min_history_weeks: int = MIN_HISTORY_WEEKS
    max_weeks: int = MAX_WEEKS
    safe_share: float = SAFE


class SlipWarningView(ReadModel):
    """A milestone's slip warning to its service's lead, as it stands now: forecast to slip, back on
    schedule, overdue, done, or its service closed."""

    milestone_id: int
    name: str
    due_on: date
    done_on: date | None
    service: ServiceRef
    lead: PersonRef | None
    state: SlipState
    forecast: MilestoneForecast | None  # while the milestone is open and its service active
    as_of: datetime
