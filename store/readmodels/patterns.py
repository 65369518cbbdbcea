"""What `/delivery patterns` reads: blocker categories, recurring tickets, reopen rate, cycle times, on-time
rate by phase and what works, this period against the one before. Definitions: store/metrics.py
(`blocker_days`, `blocker_episodes`, `recurring_tickets`, `near_duplicate_tickets`, `reopen_rate`,
`cycle_time`, `phase_on_time`, `what_works`); the rules: store/rules/patterns.py. A plain pydantic model,
so that a chart (or any other renderer) can draw it as it stands."""

from __future__ import annotations

from datetime import date, datetime

from store.enums import BlockerCategory, Phase
from store.readmodels import PersonRef, ReadModel, ServiceRef


class Period(ReadModel):
    """Whole weeks: Monday `first_day` to Sunday `last_day`, in the organisation's time zone."""

    weeks: int
    first_day: date
    last_day: date


class Rate(ReadModel):
    hits: int
    total: int

    @property
    def share(self) -> float | None:
        return self.hits / self.total if self.total else None


class CategoryFigures(ReadModel):
    """One blocker category: blocked days inside each period and the block episodes overlapping it."""

    category: BlockerCategory
    days: float
    episodes: int
    days_before: float
    episodes_before: int


class TypeCluster(ReadModel):
    """The same customer and ticket type, RECURRING_MIN or more times in RECURRING_WINDOW."""

    customer_name: str
    type: str
    tickets: int


class TitleCluster(ReadModel):
    """A customer's tickets with the same or near-duplicate titles."""

    customer_name: str
    title: str  # the group's most frequent title
    tickets: int
    variants: int  # distinct titles


class Reopens(ReadModel):
    deliverables: Rate
    deliverables_before: Rate
    # Tickets keep no reopening (a resolved ticket cannot be opened again in the bot, and imports do not audit
    # resolution), so their reopen rate cannot be measured: said in words, never as a number.
    tickets_note: str


class CycleGroup(ReadModel):
    label: str
    completed: int  # measured completions (with a recorded start)
    mean_days: float


class CycleTimes(ReadModel):
    completed: int  # completions in the period
    measured: int  # of them, those with a recorded start
    mean_days: float | None
    mean_days_before: float | None
    by_phase: list[CycleGroup]
    by_type: list[CycleGroup]  # the name groups with the most measured completions
    types_total: int  # name groups with at least MIN_TYPE_SAMPLE measured completions


class PhaseOnTime(ReadModel):
    phase: Phase
    now: Rate
    before: Rate


class Practice(ReadModel):
    """An owner or a service with one of the best on-time rates and fewest blocked days in the period."""

    person: PersonRef | None = None
    service: ServiceRef | None = None
    on_time: Rate
    blocked_days: float


class PatternsReport(ReadModel):
    as_of: datetime
    period: Period
    before: Period
    categories: list[CategoryFigures]  # every category, most blocked days first
    type_clusters: list[TypeCluster]
    type_clusters_total: int
    title_clusters: list[TitleCluster]
    title_clusters_total: int
    title_customers: int  # customers searched for near-duplicate titles (the busiest)
    customers_with_tickets: int
    reopens: Reopens
    cycle: CycleTimes
    on_time: list[PhaseOnTime]
    owners: list[Practice]
    services: list[Practice]
    min_sample: int
    ranked_owners: int  # owners with at least min_sample completions with a due date
    ranked_services: int

    @property
    def blocked_days(self) -> float:
        return sum(c.days for c in self.categories)

    @property
    def blocked_days_before(self) -> float:
        return sum(c.days_before for c in self.categories)

    @property
    def episodes(self) -> int:
        return sum(c.episodes for c in self.categories)

    @property
    def episodes_before(self) -> int:
        return sum(c.episodes_before for c in self.categories)
