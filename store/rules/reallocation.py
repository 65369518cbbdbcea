"""Reallocation proposals (issue 21): who is asked to decide, who may, what a proposal may ask for, and
when it expires. Pure functions; store/changes/reallocation.py applies them.

- Asked (each gets an Approve / Decline message): the service's lead, and the person's own leads. A
  person has no lead of their own in the data, so their leads are the leads (delivery owners) of the
  other active services they own or are on the team of, not counting themselves; when there is none,
  ops stand in for them (and for a service without a lead).
- May decide: those asked, and any ops. The first decision settles it for everyone.
- May propose: as for other changes to a service: its lead, people assigned to it, and ops
  (Permission.REQUEST_HELP in store.rules.permissions).
- A proposal expires three days after it was made, or at the end of its last day if that comes first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from store.clock import local_midnight
from store.enums import Role

EXPIRES_AFTER = timedelta(days=3)
# The longest a proposal's note may be, in characters.
NOTE_CHARS = 500


@dataclass(frozen=True)
class Asked:
    """Who is asked to decide a proposal, by person id: the service's lead, the person's own leads, and
    ops when they stand in (no lead of the person's own, or no lead of the service)."""

    service_lead: int | None
    person_leads: frozenset[int]
    ops: frozenset[int]

    @property
    def everyone(self) -> frozenset[int]:
        lead = {self.service_lead} if self.service_lead is not None else set()
        return frozenset(lead | self.person_leads | self.ops)


def asked(*, service_lead: int | None, person_id: int, leads_of_their_services: Iterable[int | None],
          ops: Iterable[int]) -> Asked:
    """Who is asked to decide moving `person_id` onto a service led by `service_lead`. Their own leads:
    `leads_of_their_services` (of the other active services they work on) but themselves; ops stand in
    when they have none, or the service has no lead."""
    lead = service_lead if service_lead != person_id else None
    theirs = frozenset(x for x in leads_of_their_services if x is not None and x != person_id)
    standing_in = frozenset(ops) - {person_id} if not theirs or lead is None else frozenset()
    return Asked(service_lead=lead, person_leads=theirs, ops=standing_in)


def may_decide(actor_id: int | None, actor_role: Role | None, asked_ids: frozenset[int]) -> bool:
    return actor_id is not None and (actor_role == Role.OPS or actor_id in asked_ids)


def expiry(proposed_at: datetime, ends_on: date, tz: ZoneInfo) -> datetime:
    """When a proposal made at `proposed_at` for hours until `ends_on` expires: EXPIRES_AFTER later, or at
    the end of `ends_on` in the organisation's zone if that comes first."""
    return min(proposed_at + EXPIRES_AFTER, local_midnight(ends_on + timedelta(days=1), tz))


def has_expired(expires_at: datetime, now: datetime) -> bool:
    return now >= expires_at


def proposal_problem(*, hours_per_week: float, ends_on: date, today: date, weekly_capacity: float) -> str | None:
    """Why a proposal cannot be made as asked (a sentence's start, lower case), or None."""
    if hours_per_week <= 0:
        return "hours a week must be more than 0"
    if hours_per_week > max(weekly_capacity, 0):
        return f"that is more than the {weekly_capacity:g} hours a week they work in all"
    if ends_on < today:
        return "the last day is in the past"
    return None
