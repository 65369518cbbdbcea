"""Cross-cutting concerns as Bolt middleware."""

from __future__ import annotations

from typing import Callable

from slack_bolt import BoltContext

from store.workspace import Workspace

WorkspaceResolver = Callable[[str | None], Workspace]


def workspace_middleware(resolve: WorkspaceResolver, settings: object):
    """Put the requesting workspace's store in `context["workspace"]`, and the settings in
    `context["settings"]`, for every listener."""

    def attach_workspace(context: BoltContext, next: Callable[[], None]) -> None:
        context["workspace"] = resolve(context.team_id)
        context["settings"] = settings
        next()

    return attach_workspace
