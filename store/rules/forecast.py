"""Forecasts from recent throughput: when the open work of a milestone, or of a whole service, is
likely done, by Monte Carlo over the service's completions a week (definitions in `store.metrics`).

Pure: queries gather each service's weekly completions and the work still open; these decide. No
database, no clock: the week a forecast is made in is passed, and seeds the randomness.

A trial draws a week's completions at random from the history weeks (with replacement), week after
week, until what it drew reaches the open work; the number of weeks it drew is its finish week,
counting this week as week 1. This week's draw counts the completions already made this week towards
it: only what it draws beyond them is new work done (never less than none). The likely (50%) and the
85% weeks are the smallest numbers of weeks within which at least half, and at least 85%, of the
trials finished (nearest rank). A forecast's date is the Sunday that ends its week: forecasts are in
whole weeks. A trial that has not finished after MAX_WEEKS stops there: past it, "more than two years".

Reproducible: each forecast's trials draw from `random.Random` seeded with the week it is made in and
the service's throughput (the history weeks' counts, in order of size, and the completions so far this
week), never from the global generator. The same facts in the same week give the same dates, in any
process; two milestones with the same facts get the same forecast, so one answer works each distinct
set of facts out once (`Forecaster` remembers them); and the open work of one service is forecast over
the same draws whatever its size, so more open work is never forecast to finish sooner.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import NamedTuple

# The whole weeks before this week whose completions make the history, and the fewest it needs.
HISTORY_WEEKS = 8
MIN_HISTORY_WEEKS = 4
TRIALS = 1000
# A trial stops drawing here; a percentile past it is "more than two years".
MAX_WEEKS = 104
LIKELY = 0.50
SAFE = 0.85


class Outcome(StrEnum):
    """What a forecast could say."""

    FORECAST = "forecast"  # dates (a week past MAX_WEEKS reads "more than two years")
    DONE = "done"  # nothing open
    SHORT_HISTORY = "short_history"  # fewer than MIN_HISTORY_WEEKS whole weeks since the service started
    NO_THROUGHPUT = "no_throughput"  # no completion in any history week

    @property
    def label(self) -> str:
        return {"forecast": "forecast", "done": "nothing open",
                "short_history": f"not enough history (under {MIN_HISTORY_WEEKS} whole weeks)",
                "no_throughput": f"no completions in the last {HISTORY_WEEKS} weeks"}[self.value]


class WeeksForecast(NamedTuple):
    """Finish weeks, counting this week as 1; None past MAX_WEEKS (or with no forecast: see `outcome`)."""

    outcome: Outcome
    likely: int | None = None  # half the trials finished within this many weeks
    safe: int | None = None  # 85% of them did


def _credit(draw: int, done_this_week: int) -> int:
    """What this week's draw adds: only what it draws beyond the completions already made this week."""
    return max(draw - done_this_week, 0)


def _weeks_at(per_week: int, remaining: int, done_this_week: int) -> int | None:
    """The finish week of a trial that draws `per_week` every week (None: never, or past MAX_WEEKS)."""
    first = _credit(per_week, done_this_week)
    if first >= remaining:
        return 1
    if per_week <= 0:
        return None
    weeks = 1 + math.ceil((remaining - first) / per_week)
    return weeks if weeks <= MAX_WEEKS else None


def week_bounds(history: Sequence[int], remaining: int, done_this_week: int = 0) -> tuple[int | None, int | None]:
    """The earliest and the latest week any trial can finish in (each trial draws between the history's
    smallest and largest week), without drawing anything; None: past MAX_WEEKS (or never)."""
    return (_weeks_at(max(history), remaining, done_this_week),
            _weeks_at(min(history), remaining, done_this_week))


def outcome_of(history: Sequence[int], remaining: int) -> Outcome:
    """Whether there is anything to forecast, and anything to forecast it from."""
    if remaining <= 0:
        return Outcome.DONE
    if len(history) < MIN_HISTORY_WEEKS:
        return Outcome.SHORT_HISTORY
    if max(history) <= 0:
        return Outcome.NO_THROUGHPUT
    return Outcome.FORECAST


def seed_of(as_of_week: date, history: Sequence[int], done_this_week: int) -> str:
    """The trials' seed: the week and the service's throughput, not the open work. So a service's
    forecasts all draw the same weeks, and more open work never finishes sooner: its milestones are
    never forecast later than all its open work. A string seeds `random.Random` through SHA-512, the
    same in every process (unlike `hash`)."""
    counts = ",".join(str(count) for count in sorted(history))
    return f"forecast|{as_of_week.isoformat()}|{counts}|{done_this_week}"


# How the trials are drawn. Week by week for all trials at once (a week's draws are the same whatever
# the open work), each draw one random byte: a byte is an index into the history weeks, sorted, bytes
# past the largest multiple of their number being drawn again (so every week is equally likely). The
# trials' running totals are then added up side by side, as fields of one integer ("lanes"): a week of
# a thousand trials is a few integer operations, not a thousand, and a trial is counted finished when
# its lane reaches the open work (the lane's top bit, after adding its complement).
_NOT_DRAWN = 0xFF
_REDRAW = bytes([_NOT_DRAWN])


@lru_cache(maxsize=256)
def _index_table(size: int) -> bytes:
    """Byte -> index into `size` history weeks, or _NOT_DRAWN for the bytes drawn again."""
    accepted = 256 - 256 % size
    return bytes(b % size if b < accepted else _NOT_DRAWN for b in range(256))


def _indexes(rng: random.Random, size: int, trials: int) -> Iterator[bytes]:
    """Each week's draws, as one index byte per trial."""
    if not 0 < size < _NOT_DRAWN:
        raise ValueError(f"a history of {size} weeks")
    table = _index_table(size)
    while True:
        drawn = b""
        while len(drawn) < trials:
            drawn += rng.randbytes(trials - len(drawn) + trials // 16 + 1).translate(table).replace(_REDRAW, b"")
        yield drawn[:trials]


def week_draws(history: Sequence[int], remaining: int, *, done_this_week: int = 0, as_of_week: date,
               trials: int = TRIALS) -> Iterator[list[int]]:
    """What each trial adds, week after week (this week's draw less what is done already): the same
    draws `forecast_weeks` adds up, one list per week, for checking it."""
    weeks = sorted(history)
    rng = random.Random(seed_of(as_of_week, history, done_this_week))
    for week, indexes in enumerate(_indexes(rng, len(weeks), trials), start=1):
        yield [_credit(weeks[i], done_this_week) if week == 1 else weeks[i] for i in indexes]


@lru_cache(maxsize=8)
def _ones(lane_bytes: int, trials: int) -> int:
    """1 in every lane."""
    return int.from_bytes((b"\x01" + bytes(lane_bytes - 1)) * trials, "little")


def _lane_tables(values: Sequence[int], value_bytes: int) -> list[bytes]:
    """For each byte of a value (lowest first): index byte -> that byte of the value it draws."""
    return [bytes((value >> 8 * k) & 0xFF for value in values).ljust(256, b"\0") for k in range(value_bytes)]


def _simulate(history: Sequence[int], remaining: int, done_this_week: int, as_of_week: date,
              trials: int) -> tuple[int | None, int | None]:
    """The likely and 85% finish weeks of `trials` trials (None: past MAX_WEEKS)."""
    weeks = sorted(history)
    most = MAX_WEEKS * weeks[-1]  # the most a trial can draw in MAX_WEEKS weeks
    if remaining > most:
        return None, None
    lane_bytes = (most.bit_length() + 8) // 8  # room for any running total, and a bit above it
    top = 1 << (8 * lane_bytes - 1)
    ones = _ones(lane_bytes, trials)
    flags, offset = top * ones, (top - remaining) * ones
    value_bytes = (weeks[-1].bit_length() + 7) // 8
    first = _lane_tables([_credit(w, done_this_week) for w in weeks], value_bytes)
    later = _lane_tables(weeks, value_bytes)
    need_likely, need_safe = math.ceil(LIKELY * trials), math.ceil(SAFE * trials)
    rng = random.Random(seed_of(as_of_week, history, done_this_week))
    lanes, totals, likely = bytearray(lane_bytes * trials), 0, None
    for week, indexes in enumerate(_indexes(rng, len(weeks), trials), start=1):
        for k, table in enumerate(first if week == 1 else later):
            lanes[k::lane_bytes] = indexes.translate(table)
        totals += int.from_bytes(lanes, "little")
        # A lane at or past the open work carries into its top bit.
        finished = ((totals + offset) & flags).bit_count()
        if likely is None and finished >= need_likely:
            likely = week
        if finished >= need_safe:
            return likely, week
        if week >= MAX_WEEKS:
            return likely, None
    raise AssertionError("unreachable: the draws never end")


def forecast_weeks(history: Sequence[int], remaining: int, *, done_this_week: int = 0, as_of_week: date,
                   trials: int = TRIALS) -> WeeksForecast:
    """The likely and 85% finish weeks of `remaining` open deliverables of a service whose history
    weeks saw `history` completions (oldest first, at most HISTORY_WEEKS of them), with
    `done_this_week` completed so far this week. When every trial must finish in the same week (a
    steady history, or little work), that week, without drawing."""
    outcome = outcome_of(history, remaining)
    if outcome != Outcome.FORECAST:
        return WeeksForecast(outcome)
    earliest, latest = week_bounds(history, remaining, done_this_week)
    if earliest is not None and earliest == latest:
        return WeeksForecast(outcome, earliest, earliest)
    likely, safe = _simulate(history, remaining, done_this_week, as_of_week, trials)
    return WeeksForecast(outcome, likely, safe)


class Forecaster:
    """The forecasts of one answer, made in one week: each distinct set of facts is simulated once."""

    def __init__(self, as_of_week: date, trials: int = TRIALS) -> None:
        self.as_of_week = as_of_week
        self.trials = trials
        self._made: dict[tuple[tuple[int, ...], int, int], WeeksForecast] = {}
        self.worked_out = 0  # how many distinct sets of facts were (for tests and benchmarks)

    def weeks(self, history: Sequence[int], remaining: int, done_this_week: int = 0) -> WeeksForecast:
        key = (tuple(sorted(history)), remaining, done_this_week)
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = forecast_weeks(history, remaining, done_this_week=done_this_week,
                                                    as_of_week=self.as_of_week, trials=self.trials)
            self.worked_out += 1
        return made


def week_end(as_of_week: date, week: int) -> date:
    """The Sunday ending the `week`-th week counting the one starting Monday `as_of_week` as week 1."""
    return as_of_week + timedelta(days=7 * week - 1)


def due_week(as_of_week: date, due_on: date) -> int:
    """The week a date falls in, counting the one starting Monday `as_of_week` as 1 (0 or less: before)."""
    return (due_on - as_of_week).days // 7 + 1


def slips(safe: int | None, due_in_week: int) -> bool:
    """Forecast to slip: its 85% week ends after the week it is due (past MAX_WEEKS: it slips).
    Whole weeks on both sides: a forecast in weeks cannot tell a Tuesday from a Friday."""
    return safe is None or safe > due_in_week


def surely_on_time(history: Sequence[int], remaining: int, done_this_week: int, due_in_week: int) -> bool:
    """Every trial must finish by the week it is due: not slipping, whatever the draws (no need to
    simulate when only the slipping ones are shown)."""
    if outcome_of(history, remaining) != Outcome.FORECAST:
        return False
    _earliest, latest = week_bounds(history, remaining, done_this_week)
    return latest is not None and latest <= due_in_week


class SlipState(StrEnum):
    """Where a milestone once forecast to slip stands, as its lead's warning says it."""

    SLIPS = "slips"
    ON_TIME = "on-time"  # forecast by its due week again (or no longer forecast: too little history)
    OVERDUE = "overdue"  # past its due date and not done: the at-risk finding says it from here
    DONE = "done"
    CLOSED = "closed"  # its service is no longer active


def slip_shown(state: SlipState, likely_on: date | None = None, safe_on: date | None = None) -> str:
    """What a slip warning shows of a forecast, in a few words: a warning is drawn again when this moves."""
    if state != SlipState.SLIPS:
        return state.value
    return f"{state.value} {likely_on or 'beyond'} {safe_on or 'beyond'}"
