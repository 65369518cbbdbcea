"""Linking Person rows to Slack users by email: the matching, without Slack.

`delivery-bot people sync` fetches the workspace's members (see `bot/people_sync.py`)
and hands them here as plain `SlackUser` values, so the rules can be tested without
a network and run inside the caller's one transaction.

The rules favour saying over guessing: a link is only made when exactly one live,
human Slack user has the person's email and nobody else claims that Slack id. A
person already linked to a different Slack id is never re-linked silently: that is
reported as a conflict for someone to look at.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from enum import StrEnum

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from store.context import QueryContext
from store.models import Person


class SlackUser(BaseModel):
    """What the sync needs of a Slack member; the Slack side fills it from `users.list`."""

    model_config = ConfigDict(frozen=True)

    id: str
    email: str | None = None
    tz: str | None = None
    deleted: bool = False
    is_bot: bool = False


class MatchOutcome(StrEnum):
    LINKED = "linked"  # the person had no Slack id and now has one
    TZ_UPDATED = "tz_updated"  # already linked; Slack's time zone changed
    UNCHANGED = "unchanged"


class AmbiguityReason(StrEnum):
    SEVERAL_SLACK_USERS = "several_slack_users"  # one email, more than one Slack user
    SEVERAL_PEOPLE = "several_people"  # one email, more than one unlinked Person
    LINKED_ELSEWHERE = "linked_elsewhere"  # the Slack id already belongs to another Person
    CONFLICT = "conflict"  # the Person is linked to a different Slack id


class PersonRef(BaseModel):
    """Who a line of the report is about, without holding ORM rows past the session."""

    model_config = ConfigDict(frozen=True)

    person_id: int
    key: str
    name: str
    email: str | None


class Match(BaseModel):
    person: PersonRef
    slack_user_id: str
    slack_tz: str | None
    outcome: MatchOutcome


class Unmatched(BaseModel):
    person: PersonRef
    reason: str  # "no email" or "no Slack user with this email"


class Ambiguous(BaseModel):
    person: PersonRef
    reason: AmbiguityReason
    slack_user_ids: list[str]  # the candidates, for a person to choose from
    detail: str


class SyncReport(BaseModel):
    """Everything a sync did and could not do, for `format_report` and for tests."""

    slack_users_seen: int = 0
    slack_users_ignored: int = 0  # deleted, bots, or without an email
    matched: list[Match] = []
    unmatched: list[Unmatched] = []
    ambiguous: list[Ambiguous] = []

    def count(self, outcome: MatchOutcome) -> int:
        return sum(1 for match in self.matched if match.outcome == outcome)

    @property
    def changed(self) -> bool:
        return any(match.outcome != MatchOutcome.UNCHANGED for match in self.matched)


def normalise_email(email: str | None) -> str | None:
    """Emails compare case-insensitively and without stray spaces, as spreadsheets type them."""
    if email is None:
        return None
    email = email.strip().lower()
    return email or None


def is_linkable(user: SlackUser) -> bool:
    """Deactivated accounts and bots must never become a Person's identity."""
    return not user.deleted and not user.is_bot and normalise_email(user.email) is not None


def slack_users_by_email(users: Iterable[SlackUser]) -> dict[str, list[SlackUser]]:
    """Linkable users grouped by email; a user listed twice (page overlap) counts once."""
    by_email: dict[str, dict[str, SlackUser]] = defaultdict(dict)
    for user in users:
        by_email[normalise_email(user.email)][user.id] = user  # type: ignore[index]
    return {email: list(users_by_id.values()) for email, users_by_id in by_email.items()}


def team_people(session: Session, team_id: str) -> list[Person]:
    return list(session.scalars(select(Person).where(Person.team_id == team_id).order_by(Person.id)))


def person_ref(person: Person) -> PersonRef:
    return PersonRef(person_id=person.id, key=person.key, name=person.name, email=person.email)


def match_people(session: Session, ctx: QueryContext, slack_users: Iterable[SlackUser]) -> SyncReport:
    """Fill in Slack ids and time zones of `ctx.team_id`'s people; report what could not be.

    Runs in the caller's transaction (`Workspace.change`), so a sync applies whole or not
    at all. Only this team's people are read or written.
    """
    users = list(slack_users)
    linkable = [user for user in users if is_linkable(user)]
    report = SyncReport(slack_users_seen=len(users), slack_users_ignored=len(users) - len(linkable))
    by_email = slack_users_by_email(linkable)
    people = team_people(session, ctx.team_id)
    owners = {person.slack_user_id: person for person in people if person.slack_user_id}
    people_per_email = _count_people_per_email(people)
    for person in people:
        _match_one(person, by_email, owners, people_per_email, report)
    session.flush()
    return report


def _count_people_per_email(people: list[Person]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for person in people:
        email = normalise_email(person.email)
        if email:
            counts[email] += 1
    return counts


def _match_one(
    person: Person,
    by_email: dict[str, list[SlackUser]],
    owners: dict[str, Person],
    people_per_email: dict[str, int],
    report: SyncReport,
) -> None:
    """Decide one person's line of the report, linking them when it is unambiguous."""
    ref = person_ref(person)
    email = normalise_email(person.email)
    if email is None:
        report.unmatched.append(Unmatched(person=ref, reason="no email"))
        return
    candidates = by_email.get(email, [])
    if not candidates:
        report.unmatched.append(Unmatched(person=ref, reason="no Slack user with this email"))
        return
    if len(candidates) > 1:
        ids = sorted(user.id for user in candidates)
        detail = f"{len(ids)} Slack users have {email}"
        report.ambiguous.append(_ambiguous(ref, AmbiguityReason.SEVERAL_SLACK_USERS, ids, detail))
        return
    _match_single(person, ref, candidates[0], owners, people_per_email[email], report)


def _match_single(
    person: Person,
    ref: PersonRef,
    user: SlackUser,
    owners: dict[str, Person],
    people_with_email: int,
    report: SyncReport,
) -> None:
    if person.slack_user_id == user.id:
        report.matched.append(_refresh_tz(person, ref, user))
        return
    if person.slack_user_id is not None:
        detail = f"linked to {person.slack_user_id}, but {person.email} is Slack user {user.id}"
        report.ambiguous.append(_ambiguous(ref, AmbiguityReason.CONFLICT, [user.id], detail))
        return
    owner = owners.get(user.id)
    if owner is not None:
        detail = f"{user.id} is already linked to {owner.name} ({owner.key})"
        report.ambiguous.append(_ambiguous(ref, AmbiguityReason.LINKED_ELSEWHERE, [user.id], detail))
        return
    if people_with_email > 1:
        detail = f"{people_with_email} people have {person.email}"
        report.ambiguous.append(_ambiguous(ref, AmbiguityReason.SEVERAL_PEOPLE, [user.id], detail))
        return
    person.slack_user_id = user.id
    person.slack_tz = user.tz or person.slack_tz
    owners[user.id] = person
    linked = Match(person=ref, slack_user_id=user.id, slack_tz=person.slack_tz, outcome=MatchOutcome.LINKED)
    report.matched.append(linked)


def _refresh_tz(person: Person, ref: PersonRef, user: SlackUser) -> Match:
    """An existing link: only the time zone can change (people move, Slack follows)."""
    outcome = MatchOutcome.UNCHANGED
    if user.tz and user.tz != person.slack_tz:
        person.slack_tz = user.tz
        outcome = MatchOutcome.TZ_UPDATED
    return Match(person=ref, slack_user_id=user.id, slack_tz=person.slack_tz, outcome=outcome)


def _ambiguous(ref: PersonRef, reason: AmbiguityReason, ids: list[str], detail: str) -> Ambiguous:
    return Ambiguous(person=ref, reason=reason, slack_user_ids=ids, detail=detail)
