"""Digest builders: what each digest shows, as a Reply ready to post, or None when it has nothing in it.

One module per digest, each a `render(read model, tz, all_clear=...)` over one store query. The
structure comes from `handlers.blocks` (rows keep their menus through a digest ViewRef, so a
posted digest is rebuilt in place after a change: `rerender_digest`), the words from
`digests/templates`. Every digest stays within 49 blocks (one is kept for the "Updated" line of
a rebuilt copy), cut with "and N more — type …", and always has a top-level text.
"""

from __future__ import annotations

from collections.abc import Callable

from digests.builders import at_risk, overdue_tickets, personal
from digests.builders import weekly_portfolio as weekly
from digests.kinds import DigestKind
from handlers.blocks.common import Reply
from handlers.ids import ViewKind, ViewRef
from store.queries.digests import at_risk_digest, overdue_tickets_digest
from store.queries.mine import my_day
from store.queries.weekly import weekly_portfolio as weekly_portfolio_query
from store.workspace import Workspace

__all__ = ["DIGEST_FIGURES", "DIGEST_VIEWS", "build_digest", "rerender_digest"]

DIGEST_VIEWS: dict[DigestKind, ViewKind] = {
    DigestKind.AT_RISK: ViewKind.DIGEST_AT_RISK,
    DigestKind.OVERDUE_TICKETS: ViewKind.DIGEST_OVERDUE_TICKETS,
    DigestKind.WEEKLY_PORTFOLIO: ViewKind.DIGEST_WEEKLY_PORTFOLIO,
    DigestKind.PERSONAL: ViewKind.DIGEST_PERSONAL,
}
# The `/delivery` command that shows each digest's subject live (the text of a Share button).
DIGEST_COMMANDS: dict[DigestKind, str] = {
    DigestKind.AT_RISK: "at-risk",
    DigestKind.OVERDUE_TICKETS: "tickets by owner",
    DigestKind.WEEKLY_PORTFOLIO: "status",
    DigestKind.PERSONAL: "mine",
}
# The figures each digest shows, by their key in store/metrics.py (as FIGURES does for answers).
DIGEST_FIGURES: dict[DigestKind, list[str]] = {
    DigestKind.AT_RISK: ["shown_health", "health_since", "days_blocked", "service_load", "load_state",
                         "milestones_in_trouble"],
    DigestKind.OVERDUE_TICKETS: ["overdue_tickets", "overdue_ticket_age", "tickets_yesterday"],
    DigestKind.WEEKLY_PORTFOLIO: [
        "active_services", "services_by_health", "health_week_ago", "load_state", "team_utilization",
        "team_billable_share", "billable_in_band", "on_schedule_share", "on_schedule_week_ago",
        "deliverables_by_status", "sla_compliance_week", "services_by_phase", "health_change",
        "engagement_declining", "customer_org_flags",
    ],
    DigestKind.PERSONAL: ["personal_digest", "days_blocked", "overdue_ticket_age"],
}


def _at_risk(workspace: Workspace, _user: str | None, all_clear: bool) -> Reply | None:
    return at_risk.render(workspace.read(at_risk_digest), workspace.tz, all_clear=all_clear)


def _overdue_tickets(workspace: Workspace, _user: str | None, all_clear: bool) -> Reply | None:
    return overdue_tickets.render(workspace.read(overdue_tickets_digest), workspace.tz, all_clear=all_clear)


def _weekly(workspace: Workspace, _user: str | None, all_clear: bool) -> Reply | None:
    return weekly.render(workspace.read(weekly_portfolio_query), workspace.tz, all_clear=all_clear)


def _personal(workspace: Workspace, user: str | None, all_clear: bool) -> Reply | None:
    if not user:
        raise ValueError("the personal digest is someone's: give slack_user_id")
    return personal.render(workspace.read(my_day, slack_user_id=user), workspace.tz, all_clear=all_clear)


BUILDERS: dict[DigestKind, Callable[[Workspace, str | None, bool], Reply | None]] = {
    DigestKind.AT_RISK: _at_risk,
    DigestKind.OVERDUE_TICKETS: _overdue_tickets,
    DigestKind.WEEKLY_PORTFOLIO: _weekly,
    DigestKind.PERSONAL: _personal,
}


def build_digest(kind: DigestKind, workspace: Workspace, *, slack_user_id: str | None = None,
                 all_clear: bool = False) -> Reply | None:
    """The digest as it stands now; None when it has nothing in it, unless `all_clear` asks for a
    message saying so. The personal digest needs the Slack user it is for."""
    return BUILDERS[DigestKind(kind)](workspace, slack_user_id, all_clear)


def rerender_digest(workspace: Workspace, view: ViewRef, viewer: str | None) -> tuple[Reply, str] | None:
    """A posted digest rebuilt from the database, and the command that shows it live; None for other views.

    A rebuilt digest never disappears: when nothing is left in it, it says all clear.
    """
    kind = next((digest for digest, kind in DIGEST_VIEWS.items() if kind == view.k), None)
    if kind is None:
        return None
    reply = build_digest(kind, workspace, slack_user_id=viewer, all_clear=True)
    assert reply is not None  # all_clear always gives a message
    return reply, DIGEST_COMMANDS[kind]
