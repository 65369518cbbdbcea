"""Cross-cutting concerns as Bolt middleware."""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt import BoltContext, BoltResponse

from handlers.after_ack import Pools
from store.workspace import Workspace

# The requesting workspace's store, or None when the request may see no workspace's data.
WorkspaceResolver = Callable[[BoltContext], Workspace | None]

log = logging.getLogger("delivery.middleware")


def workspace_middleware(resolve: WorkspaceResolver, settings: object, pools: Pools,
                         team_settings: Callable[[str], object] | None = None):
    """Put the requesting workspace's store in `context["workspace"]`, the settings in
    `context["settings"]` (`team_settings(team_id)` when given: a workspace's own), and the app's
    pools for work after an ack in `context["pools"]`, for every listener.

    A request the resolver gives no workspace is acknowledged and goes no further: no
    listener runs, so nothing reads or changes any workspace's data.
    """

    def attach_workspace(context: BoltContext, next: Callable[[], None]) -> BoltResponse | None:
        workspace = resolve(context)
        if workspace is None:
            log.warning("no workspace for team %s: request acknowledged, not served", context.team_id)
            return BoltResponse(status=200, body="")
        context["workspace"] = workspace
        context["pools"] = pools
        context["settings"] = team_settings(workspace.team_id) if team_settings else settings
        next()
        return None

    return attach_workspace


def terminal_middleware(context: BoltContext, next: Callable[[], None]) -> None:
    """For `delivery-bot ask`: the answer is read in a terminal, so nothing is sent to Slack after the ack
    (an answer's charts go to a folder with `ask --charts`, not to a DM)."""
    context["terminal"] = True
    next()
