"""Who could help a service: the ranking behind "Find help" (issue 21), as pure functions.

A query (store/queries/help.py) gathers each person's facts; these rules decide who is left out and in
which order the rest come, so the definitions in `store.metrics` (help_free_hours, help_skills,
help_customer, help_billable_room, help_rank) can be checked without a database:

- left out: ops (their hours are not planned on services), the service's own lead (they lead it
  already), anyone overloaded, anyone whom joining the team would overload, and anyone with no free
  hours over the next two weeks;
- ranked by points, most first: an hour each of free hours over the next two weeks (up to 40), 10 for
  each skill the service needs that they have, 10 for having worked with the customer, and an hour
  each of room a week under the 80% billable ceiling (up to 10); ties by more free hours, then name.

Skills are short names, compared once normalised (`normalise_skill`): "Data  Modeling" is "data modeling".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from store.enums import Role
from store.rules.capacity import BILLABLE_TARGET_HIGH, LoadState, load_state

# At most this many people are offered: the first ones, best first.
MAX_HELPERS = 5
# Free hours are counted over this many whole weeks after this one (next week and the week after).
HELP_WEEKS = 2
# The share of available hours billed above which a person has no billable room left.
BILLABLE_CEILING = BILLABLE_TARGET_HIGH
FREE_HOURS_POINTS_MOST = 40.0
SKILL_POINTS = 10.0
CUSTOMER_POINTS = 10.0
BILLABLE_ROOM_POINTS_MOST = 10.0
# The longest skill name, and what separates skills in a CSV cell.
SKILL_CHARS = 64
SKILL_SEPARATOR = ";"


def normalise_skill(text: str) -> str:
    """A skill as stored and compared: trimmed, inner spaces single, lower case."""
    return " ".join(text.split()).lower()


def parse_skills(text: str) -> list[str]:
    """The skills of a `;`-separated list, normalised, each once, sorted; ValueError for one too long."""
    skills = set()
    for part in text.split(SKILL_SEPARATOR):
        skill = normalise_skill(part)
        if not skill:
            continue
        if len(skill) > SKILL_CHARS:
            raise ValueError(f"skill '{skill[:20]}…' is too long: {len(skill)} characters, at most {SKILL_CHARS}")
        skills.add(skill)
    return sorted(skills)


def skills_text(skills: Iterable[str]) -> str:
    """The cell export writes: the skills sorted, joined by `;` (what `parse_skills` reads back)."""
    return SKILL_SEPARATOR.join(sorted(skills))


class LeftOut(StrEnum):
    """Why someone is not offered."""

    OPS = "ops"
    SERVICE_LEAD = "service_lead"
    OVERLOADED = "overloaded"
    WOULD_OVERLOAD = "would_overload"
    NO_FREE_HOURS = "no_free_hours"


@dataclass(frozen=True)
class Candidate:
    """One person's facts, as the query read them."""

    person_id: int
    name: str
    role: Role
    active_services: int  # active services they own or are on the team of
    max_services: int
    on_team: bool  # already on this service's team
    leads_service: bool  # this service's lead (its delivery owner)
    free_hours: float  # over the next HELP_WEEKS whole weeks: available less scheduled, each week never below 0
    skills: frozenset[str]  # theirs, normalised
    customer_hours: float  # logged on any of the customer's services, to date
    customer_services: tuple[str, ...] = ()  # the customer's other services they own or are on (names)
    available_last_week: float = 0.0  # available hours in the last whole week
    billable_last_week: float = 0.0  # billable hours logged in it (as billable_share counts them)

    @property
    def state(self) -> LoadState:
        return load_state(self.active_services, self.max_services)


@dataclass(frozen=True)
class Helper:
    """Someone offered, with what ranked them."""

    candidate: Candidate
    matched_skills: tuple[str, ...]
    worked_with_customer: bool
    billable_share: float | None  # last whole week; None without available hours
    billable_room: float  # hours a week under the ceiling, last whole week's measure (0 at or above it)
    points: float

    @property
    def joins_team(self) -> bool:
        return not self.candidate.on_team

    @property
    def state_after(self) -> LoadState:
        """Their load state once on the team (the same when they are on it already)."""
        c = self.candidate
        return c.state if c.on_team else load_state(c.active_services + 1, c.max_services)


@dataclass(frozen=True)
class Ranking:
    helpers: list[Helper]  # the first MAX_HELPERS, best first
    offered_total: int  # everyone who could help
    left_out: dict[LeftOut, int] = field(default_factory=dict)


def left_out(c: Candidate) -> LeftOut | None:
    """Why `c` is not offered; None when they are."""
    if c.role == Role.OPS:
        return LeftOut.OPS
    if c.leads_service:
        return LeftOut.SERVICE_LEAD
    if c.state == LoadState.OVERLOADED:
        return LeftOut.OVERLOADED
    if not c.on_team and load_state(c.active_services + 1, c.max_services) == LoadState.OVERLOADED:
        return LeftOut.WOULD_OVERLOAD
    if c.free_hours <= 0:
        return LeftOut.NO_FREE_HOURS
    return None


def billable_room(available: float, billable: float) -> float:
    """Hours a week still billable under the ceiling: ceiling x available hours less billable hours, never
    below zero."""
    return max(BILLABLE_CEILING * available - billable, 0.0)


def helper(c: Candidate, needed: frozenset[str]) -> Helper:
    matched = tuple(sorted(c.skills & needed))
    worked = c.customer_hours > 0 or bool(c.customer_services)
    share = c.billable_last_week / c.available_last_week if c.available_last_week > 0 else None
    room = billable_room(c.available_last_week, c.billable_last_week)
    points = (min(c.free_hours, FREE_HOURS_POINTS_MOST) + SKILL_POINTS * len(matched)
              + (CUSTOMER_POINTS if worked else 0.0) + min(room, BILLABLE_ROOM_POINTS_MOST))
    return Helper(candidate=c, matched_skills=matched, worked_with_customer=worked, billable_share=share,
                  billable_room=room, points=points)


def rank_helpers(candidates: Iterable[Candidate], needed_skills: Iterable[str], *,
                 limit: int = MAX_HELPERS) -> Ranking:
    """Everyone who could help, ranked; the first `limit` of them, and how many were left out and why."""
    needed = frozenset(normalise_skill(s) for s in needed_skills)
    offered: list[Helper] = []
    counts: dict[LeftOut, int] = {}
    for c in candidates:
        why = left_out(c)
        if why is not None:
            counts[why] = counts.get(why, 0) + 1
            continue
        offered.append(helper(c, needed))
    offered.sort(key=lambda h: (-round(h.points, 6), -h.candidate.free_hours, h.candidate.name.casefold(),
                                h.candidate.person_id))
    return Ranking(helpers=offered[:limit], offered_total=len(offered), left_out=counts)
