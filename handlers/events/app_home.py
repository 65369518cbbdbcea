"""App Home: the portfolio headline over a personal dashboard, published when the tab opens."""

from __future__ import annotations

from slack_bolt import BoltContext
from slack_sdk import WebClient

from handlers.after_ack import after_ack, busy
from messages.ids import ViewKind, ViewRef
from messages.views import show_now
from store.workspace import Workspace

HOME = ViewRef(k=ViewKind.HOME)


def home_blocks(workspace: Workspace, user_id: str) -> list[dict]:
    return show_now(workspace, HOME, user_id, private=True).reply.block_dicts()


def publish_home(body: dict, event: dict, client: WebClient, context: BoltContext) -> None:
    # Bolt acknowledges events before their listener runs.
    if event.get("tab") != "home" or busy(context):
        # When busy, the tab keeps what it showed last time.
        return
    after_ack(context, body, publish_home_view, client, context["workspace"], event["user"], client=client)


def publish_home_view(client: WebClient, workspace, user_id: str) -> None:
    client.views_publish(user_id=user_id, view={"type": "home", "blocks": home_blocks(workspace, user_id)})
