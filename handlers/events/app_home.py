"""App Home: the portfolio answer, published when someone opens the Home tab."""

from __future__ import annotations

from slack_bolt import BoltContext
from slack_sdk import WebClient

from handlers.blocks.common import MAX_VIEW_BLOCKS
from handlers.blocks.portfolio import portfolio_status_message


def publish_home(event: dict, client: WebClient, context: BoltContext) -> None:
    if event.get("tab") != "home":
        return
    workspace = context["workspace"]
    reply = portfolio_status_message(workspace.portfolio_status(), workspace.tz)
    client.views_publish(
        user_id=event["user"],
        view={"type": "home", "blocks": reply.block_dicts()[:MAX_VIEW_BLOCKS]},
    )
