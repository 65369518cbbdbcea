"""`delivery-bot people sync`: Person rows linked to Slack users by email, against the fake Web API."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fake_slack import FakeSlack, Json
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from sqlalchemy import select
from sqlalchemy.orm import Session
from support import TEAM, UTC, WEDNESDAY

from bot.people_sync import format_report, sync_people
from store.clock import FixedClock
from store.db import make_sessionmaker
from store.models import Person
from store.people_sync import AmbiguityReason, MatchOutcome, SlackUser, match_people
from store.workspace import Workspace

OTHER_TEAM = "T0OTHER"


class PagedSlack(FakeSlack):
    """The fake Web API with `users.list` served in pages, optionally with a 429 between them."""

    def __init__(self, pages: list[list[Json]], *, rate_limit_between_pages: bool = False) -> None:
        super().__init__()
        self.pages = pages
        self.rate_limit_between_pages = rate_limit_between_pages

    def _users_list(self, params: Json) -> Json:
        index = int(params.get("cursor") or 0)
        more = index + 1 < len(self.pages)
        if more and self.rate_limit_between_pages:
            self.rate_limit_between_pages = False
            self.rate_limit_next("users.list", retry_after=0)  # answers the next page's first request
        return {
            "ok": True,
            "members": self.pages[index],
            "response_metadata": {"next_cursor": str(index + 1) if more else ""},
        }


def member(user_id: str, email: str | None, tz: str = "Europe/London", **flags: Any) -> Json:
    return {"id": user_id, "tz": tz, "deleted": False, "is_bot": False, "profile": {"email": email}, **flags}


PAGE_ONE = [
    member("U0ANNA", "Anna@Acme.example", tz="Europe/Berlin"),
    member("U0BOB", "bob@acme.example"),
    member("U0GONE", "gone@acme.example", deleted=True),
    member("U0ROBOT", "robot@acme.example", is_bot=True),
    member("USLACKBOT", None),
]
PAGE_TWO = [
    member("U0CARA", "cara@acme.example", tz="America/New_York"),
    member("U0DUP1", "dup@acme.example"),
    member("U0DUP2", "DUP@acme.example"),
    member("U0EVE", "eve@acme.example"),
    member("U0OTHER", "other@acme.example"),
]


def add_people(session: Session) -> None:
    """This team's people, each set up for one rule, and another team's person with a matching email."""
    session.add_all(
        [
            Person(team_id=TEAM, key="anna", name="Anna", email="anna@acme.example"),
            Person(team_id=TEAM, key="bob", name="Bob", email=" BOB@acme.example "),
            Person(
                team_id=TEAM, key="cara", name="Cara", email="cara@acme.example", slack_user_id="U0CARA", slack_tz="UTC"
            ),
            Person(team_id=TEAM, key="dup", name="Dup", email="dup@acme.example"),
            Person(team_id=TEAM, key="eve", name="Eve", email="eve@acme.example", slack_user_id="U0EVE_OLD"),
            Person(team_id=TEAM, key="gone", name="Gone", email="gone@acme.example"),
            Person(team_id=TEAM, key="robot", name="Robot", email="robot@acme.example"),
            Person(team_id=TEAM, key="nomail", name="No Mail"),
            Person(team_id=TEAM, key="nobody", name="Nobody", email="nobody@acme.example"),
            Person(team_id=OTHER_TEAM, key="other", name="Other", email="other@acme.example"),
            Person(team_id=OTHER_TEAM, key="anna", name="Anna Elsewhere", email="anna@acme.example"),
        ]
    )


@pytest.fixture
def workspace(engine) -> Workspace:
    sessions = make_sessionmaker(engine)
    with sessions.begin() as session:
        add_people(session)
    return Workspace(sessions=sessions, team_id=TEAM, clock=FixedClock(WEDNESDAY), tz=UTC)


@pytest.fixture
def paged_slack() -> Iterator[PagedSlack]:
    with PagedSlack([PAGE_ONE, PAGE_TWO]) as fake:
        yield fake


@pytest.fixture
def rate_limited_slack() -> Iterator[PagedSlack]:
    """Two pages with a 429 (Retry-After: 0) before the second: slack_sdk sleeps under a second."""
    with PagedSlack([PAGE_ONE, PAGE_TWO], rate_limit_between_pages=True) as fake:
        yield fake


def client_for(fake: FakeSlack) -> WebClient:
    """A client like `bot.app.web_client`'s: the fake's URL and slack_sdk's rate-limit retries."""
    return WebClient(
        token="xoxb-test", base_url=fake.api_url, retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=2)]
    )


def people(workspace: Workspace, team_id: str = TEAM) -> dict[str, Person]:
    with workspace.sessions() as session:
        return {p.key: p for p in session.scalars(select(Person).where(Person.team_id == team_id))}


def outcomes(report) -> dict[str, str]:
    lines = {m.person.key: m.outcome.value for m in report.matched}
    lines.update({u.person.key: "unmatched" for u in report.unmatched})
    lines.update({a.person.key: a.reason.value for a in report.ambiguous})
    return lines


def test_two_pages_with_a_429_between_them_still_sync_everyone(workspace, rate_limited_slack):
    report = sync_people(client_for(rate_limited_slack), workspace)

    calls = rate_limited_slack.calls_to("users.list")
    assert [call.status for call in calls] == [200, 429, 200]
    assert calls[2].params["cursor"] == "1" and calls[0].params["limit"] == "200"
    assert report.slack_users_seen == 10 and report.slack_users_ignored == 3
    assert outcomes(report) == {
        "anna": "linked",
        "bob": "linked",
        "cara": "tz_updated",
        "dup": "several_slack_users",
        "eve": "conflict",
        "gone": "unmatched",
        "robot": "unmatched",
        "nomail": "unmatched",
        "nobody": "unmatched",
    }


def test_a_person_matched_by_email_gets_their_slack_id_and_time_zone(workspace, paged_slack):
    sync_people(client_for(paged_slack), workspace)

    rows = people(workspace)
    assert (rows["anna"].slack_user_id, rows["anna"].slack_tz) == ("U0ANNA", "Europe/Berlin")
    assert (rows["bob"].slack_user_id, rows["bob"].slack_tz) == ("U0BOB", "Europe/London")
    assert (rows["cara"].slack_user_id, rows["cara"].slack_tz) == ("U0CARA", "America/New_York")


def test_deleted_users_and_bots_are_ignored(workspace, paged_slack):
    report = sync_people(client_for(paged_slack), workspace)

    rows = people(workspace)
    assert rows["gone"].slack_user_id is None and rows["robot"].slack_user_id is None
    unmatched = {u.person.key: u.reason for u in report.unmatched}
    assert unmatched["gone"] == unmatched["robot"] == "no Slack user with this email"
    assert unmatched["nomail"] == "no email"


def test_an_email_with_two_slack_users_is_ambiguous_and_not_linked(workspace, paged_slack):
    report = sync_people(client_for(paged_slack), workspace)

    (dup,) = [a for a in report.ambiguous if a.person.key == "dup"]
    assert dup.reason == AmbiguityReason.SEVERAL_SLACK_USERS
    assert dup.slack_user_ids == ["U0DUP1", "U0DUP2"]
    assert people(workspace)["dup"].slack_user_id is None


def test_an_existing_different_slack_id_is_a_conflict_not_overwritten(workspace, paged_slack):
    report = sync_people(client_for(paged_slack), workspace)

    (eve,) = [a for a in report.ambiguous if a.person.key == "eve"]
    assert eve.reason == AmbiguityReason.CONFLICT and eve.slack_user_ids == ["U0EVE"]
    assert "U0EVE_OLD" in eve.detail
    assert people(workspace)["eve"].slack_user_id == "U0EVE_OLD"


def test_a_second_sync_changes_nothing(workspace, paged_slack):
    sync_people(client_for(paged_slack), workspace)
    before = {key: (p.slack_user_id, p.slack_tz) for key, p in people(workspace).items()}

    second = sync_people(client_for(paged_slack), workspace)

    assert {key: (p.slack_user_id, p.slack_tz) for key, p in people(workspace).items()} == before
    assert not second.changed
    assert {m.person.key for m in second.matched} == {"anna", "bob", "cara"}
    assert all(m.outcome == MatchOutcome.UNCHANGED for m in second.matched)


def test_another_teams_people_are_untouched(workspace, paged_slack):
    report = sync_people(client_for(paged_slack), workspace)

    others = people(workspace, OTHER_TEAM)
    assert all(p.slack_user_id is None and p.slack_tz is None for p in others.values())
    assert "other" not in outcomes(report)


def test_the_report_lists_counts_unmatched_people_and_ambiguous_matches(workspace, paged_slack):
    text = format_report(sync_people(client_for(paged_slack), workspace))

    assert text.splitlines()[0] == (
        "10 Slack users read (3 ignored: deleted, bots, no email). 2 linked, 1 time zones updated, "
        "0 unchanged, 4 unmatched, 2 ambiguous."
    )
    assert "Unmatched (4):" in text and "  Nobody (nobody, nobody@acme.example): no Slack user with this email" in text
    assert "Ambiguous (2):" in text and "2 Slack users have dup@acme.example (U0DUP1, U0DUP2)" in text
    assert "Eve (eve, eve@acme.example): linked to U0EVE_OLD" in text


def test_a_slack_id_already_linked_to_another_person_is_not_linked_twice(workspace):
    with workspace.sessions.begin() as session:
        anna_again = Person(
            team_id=TEAM, key="anna2", name="Anna Again", email="anna.again@acme.example", slack_user_id="U0ANNA"
        )
        session.add(anna_again)
    users = [SlackUser(id="U0ANNA", email="anna@acme.example", tz="Europe/Berlin")]

    report = workspace.change(match_people, slack_users=users)

    (anna,) = [a for a in report.ambiguous if a.person.key == "anna"]
    assert anna.reason == AmbiguityReason.LINKED_ELSEWHERE and "Anna Again" in anna.detail
    assert people(workspace)["anna"].slack_user_id is None


def test_two_unlinked_people_with_one_email_are_ambiguous(workspace):
    with workspace.sessions.begin() as session:
        session.add(Person(team_id=TEAM, key="bob2", name="Bob Twin", email="bob@acme.example"))
    users = [SlackUser(id="U0BOB", email="bob@acme.example")]

    report = workspace.change(match_people, slack_users=users)

    assert {a.person.key: a.reason for a in report.ambiguous} == {
        "bob": AmbiguityReason.SEVERAL_PEOPLE,
        "bob2": AmbiguityReason.SEVERAL_PEOPLE,
    }
    assert people(workspace)["bob"].slack_user_id is None
