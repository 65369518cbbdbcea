"""The Slack side of `delivery-bot people sync`: read `users.list`, then match in one transaction.

All of Slack is read before the database is touched, so no transaction stays open
across HTTP calls and a failure halfway through the listing changes nothing. A 429
is retried after its Retry-After by the client's own `RateLimitErrorRetryHandler`
(see `bot.app.web_client`), so this module only follows cursors.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from slack_sdk import WebClient

from store.people_sync import MatchOutcome, PersonRef, SlackUser, SyncReport, match_people
from store.workspace import Workspace

PAGE_SIZE = 200  # Slack's recommended page size for users.list
SLACKBOT_ID = "USLACKBOT"  # Slackbot is not flagged is_bot, but is one


def slack_user(member: dict[str, Any]) -> SlackUser:
    """One `users.list` member as the matcher sees it; the email lives in the profile."""
    profile = member.get("profile") or {}
    return SlackUser(
        id=member["id"],
        email=profile.get("email"),
        tz=member.get("tz"),
        deleted=bool(member.get("deleted")),
        is_bot=bool(member.get("is_bot")) or member["id"] == SLACKBOT_ID,
    )


def iter_slack_users(client: WebClient, page_size: int = PAGE_SIZE) -> Iterator[SlackUser]:
    """Every member of the workspace, following `response_metadata.next_cursor` to the end."""
    cursor: str | None = None
    while True:
        response = client.users_list(limit=page_size, cursor=cursor)
        for member in response.get("members") or []:
            yield slack_user(member)
        cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
        if cursor is None:
            return


def sync_people(client: WebClient, workspace: Workspace) -> SyncReport:
    """Link `workspace`'s people to Slack users by email; the report says what could not be linked."""
    users = list(iter_slack_users(client))
    return workspace.change(match_people, slack_users=users)


def format_report(report: SyncReport) -> str:
    """The CLI's answer: counts first, then each person someone has to look at."""
    lines = [_summary(report)]
    if report.unmatched:
        lines.append(f"Unmatched ({len(report.unmatched)}):")
        lines.extend(f"  {_who(item.person)}: {item.reason}" for item in report.unmatched)
    if report.ambiguous:
        lines.append(f"Ambiguous ({len(report.ambiguous)}):")
        lines.extend(
            f"  {_who(item.person)}: {item.detail} ({', '.join(item.slack_user_ids)})" for item in report.ambiguous
        )
    return "\n".join(lines)


def _summary(report: SyncReport) -> str:
    return (
        f"{report.slack_users_seen} Slack users read ({report.slack_users_ignored} ignored: deleted, bots, no email). "
        f"{report.count(MatchOutcome.LINKED)} linked, {report.count(MatchOutcome.TZ_UPDATED)} time zones updated, "
        f"{report.count(MatchOutcome.UNCHANGED)} unchanged, {len(report.unmatched)} unmatched, "
        f"{len(report.ambiguous)} ambiguous."
    )


def _who(person: PersonRef) -> str:
    return f"{person.name} ({person.key}, {person.email or 'no email'})"
