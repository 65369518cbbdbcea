"""The rules of `/delivery patterns`: the periods compared, blocked days clipped to a period, recurring and
near-duplicate tickets, rates, cycle times and "what works". Pure functions over facts the queries read
(store/queries/patterns*.py); every figure is defined in store/metrics.py."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import NamedTuple, TypeVar
from zoneinfo import ZoneInfo

from rapidfuzz import fuzz

from store.clock import local_midnight
from store.enums import BlockerCategory

DAY = timedelta(days=1)
# "Recurring": the same customer and ticket type this many times or more within RECURRING_WINDOW.
RECURRING_MIN, RECURRING_WINDOW = 3, timedelta(weeks=4)
# Near-duplicate titles: token-set similarity of the normalised titles, 0-100, at least this.
TITLE_SIMILARITY = 85
# Near-duplicates are looked for among the customers with the most tickets in the period (the comparisons
# grow with the square of a customer's distinct titles; the busiest customers are where repeats cost most).
TITLE_CUSTOMERS = 50
# "What works": an owner or service needs this many completions with a due date in the period to be ranked,
# so one lucky deliverable does not top the list.
MIN_SAMPLE = 5
# Cycle times by deliverable type: a name group needs this many measured completions to be listed on its own.
MIN_TYPE_SAMPLE = 3


@dataclass(frozen=True)
class Span:
    """Whole weeks, Monday 00:00 to Monday 00:00 in the organisation's time zone (`end` exclusive)."""

    first_day: date
    weeks: int
    start: datetime  # UTC
    end: datetime  # UTC

    @property
    def last_day(self) -> date:
        return self.first_day + timedelta(days=7 * self.weeks - 1)


def pattern_spans(this_monday: date, weeks: int, tz: ZoneInfo) -> tuple[Span, Span]:
    """The last `weeks` whole weeks before the week of `this_monday`, and the `weeks` before them. This week
    so far is left out: a period is the same all week, and a Monday digest covers whole weeks."""
    if weeks < 1:
        raise ValueError(f"a period has at least one week, not {weeks}")
    first = this_monday - timedelta(weeks=weeks)
    earlier = first - timedelta(weeks=weeks)
    current = Span(first, weeks, local_midnight(first, tz), local_midnight(this_monday, tz))
    before = Span(earlier, weeks, local_midnight(earlier, tz), current.start)
    return current, before


def category_of(stored: str | None) -> BlockerCategory:
    """A stored category; none (a block from before categories) or one the bot does not know reads as "other"."""
    try:
        return BlockerCategory.of(stored)
    except ValueError:
        return BlockerCategory.OTHER


class Episode(NamedTuple):
    """A deliverable blocked from `since` until `until` (None: still blocked)."""

    deliverable_id: int
    service_id: int
    owner_id: int | None
    category: BlockerCategory
    since: datetime
    until: datetime | None


def overlap_days(episode: Episode, span: Span, now: datetime) -> float:
    """Days of the episode inside the span (still blocked: up to now), in days of 24 hours; 0 outside it."""
    start = max(episode.since, span.start)
    end = min(episode.until or now, span.end, now)
    return max(0.0, (end - start) / DAY)


def overlaps(episode: Episode, span: Span, now: datetime) -> bool:
    """Blocked at some moment of the span: begun before its end and not ended before its start."""
    return episode.since < span.end and (episode.until or now) > span.start


class CategoryTally(NamedTuple):
    days: float
    episodes: int


def category_tallies(episodes: Iterable[Episode], span: Span, now: datetime) -> dict[BlockerCategory, CategoryTally]:
    """Blocked days (clipped to the span) and episodes overlapping it, by category; every category listed."""
    days: dict[BlockerCategory, float] = defaultdict(float)
    counts: Counter[BlockerCategory] = Counter()
    for episode in episodes:
        if overlaps(episode, span, now):
            days[episode.category] += overlap_days(episode, span, now)
            counts[episode.category] += 1
    return {category: CategoryTally(days[category], counts[category]) for category in BlockerCategory}


Key = TypeVar("Key", bound=Hashable)


def blocked_days_by(episodes: Iterable[Episode], span: Span, now: datetime,
                    key: Callable[[Episode], Key | None]) -> dict[Key, float]:
    """Blocked days inside the span, added up by `key` (episodes whose key is None are left out)."""
    found: dict[Key, float] = defaultdict(float)
    for episode in episodes:
        which = key(episode)
        if which is not None and overlaps(episode, span, now):
            found[which] += overlap_days(episode, span, now)
    return dict(found)


def recurs(opened: Iterable[datetime], *, at_least: int = RECURRING_MIN, within: timedelta = RECURRING_WINDOW) -> bool:
    """`at_least` of these times fall within `within` of each other (a sliding window over them, sorted)."""
    times = sorted(opened)
    return any(times[last] - times[last - at_least + 1] < within for last in range(at_least - 1, len(times)))


_WORD = re.compile(r"[a-z0-9]+")


def normalised_title(title: str) -> str:
    """A ticket title as compared: lower case, words only (punctuation dropped), each word once, sorted."""
    return " ".join(sorted(set(_WORD.findall(title.casefold()))))


class TitleGroup(NamedTuple):
    title: str  # the most frequent title of the group, as typed
    tickets: int
    variants: int  # distinct titles in the group


def near_duplicates(titles: Iterable[tuple[str, int]], *, at_least: int = RECURRING_MIN,
                    similarity: int = TITLE_SIMILARITY) -> list[TitleGroup]:
    """Group one customer's (title, tickets) by near-duplicate titles: the same normalised title, or a
    token-set similarity of at least `similarity` with the group's first (most frequent) title. Groups of at
    least `at_least` tickets, largest first."""
    by_form: dict[str, Counter[str]] = defaultdict(Counter)
    for title, count in titles:
        form = normalised_title(title)
        if form:
            by_form[form][title] += count
    forms = sorted(by_form, key=lambda form: (-sum(by_form[form].values()), form))
    groups: list[tuple[str, Counter[str]]] = []
    for form in forms:
        home = next((group for lead, group in groups if fuzz.token_set_ratio(lead, form) >= similarity), None)
        if home is None:
            groups.append((form, Counter(by_form[form])))
        else:
            home.update(by_form[form])
    found = [TitleGroup(title=min(group, key=lambda title: (-group[title], title)), tickets=sum(group.values()),
                        variants=len(group)) for _form, group in groups]
    return sorted((group for group in found if group.tickets >= at_least), key=lambda group: (-group.tickets,
                                                                                               group.title))


_NUMBER = re.compile(r"\b\d+\b")


def name_type(name: str) -> str:
    """What a deliverable's type is taken to be (the schema records none): its name in lower case with
    numbers and extra spaces dropped, so "Data migration" and "data  migration 2" are one type."""
    return " ".join(_NUMBER.sub(" ", name.casefold()).split())


def type_label(name: str) -> str:
    """A deliverable type as shown: the name with numbers and extra spaces dropped, its case kept."""
    return " ".join(_NUMBER.sub(" ", name).split())


def mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def on_time(completed_at: datetime, due_on: date, tz: ZoneInfo) -> bool:
    """Completed on or before its due day, in the organisation's time zone."""
    return completed_at.astimezone(tz).date() <= due_on


class Ranked(NamedTuple):
    key: int
    on_time: int
    total: int
    blocked_days: float


def what_works(candidates: Iterable[Ranked], *, min_sample: int = MIN_SAMPLE, limit: int = 3) -> list[Ranked]:
    """The best at delivering on time with least blocking: those with at least `min_sample` completions,
    by on-time rate (highest first), then blocked days (fewest first), then more completions."""
    eligible = [c for c in candidates if c.total >= min_sample]
    return sorted(eligible, key=lambda c: (-c.on_time / c.total, c.blocked_days, -c.total, c.key))[:limit]
