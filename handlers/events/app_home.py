"""App Home: the portfolio headline over a personal dashboard, published when the tab opens."""

from __future__ import annotations

from slack_bolt import BoltContext
from slack_sdk import WebClient
from slack_sdk.models.blocks import DividerBlock, HeaderBlock

from handlers.after_ack import after_ack, busy
from handlers.blocks.common import MAX_VIEW_BLOCKS, context, mrkdwn_section, time_token
from handlers.blocks.mine import my_work_blocks
from handlers.blocks.portfolio import headline
from store.queries.mine import my_work


def home_blocks(workspace, user_id: str) -> list[dict]:
    status = workspace.portfolio_status()
    work = workspace.read(my_work, slack_user_id=user_id)
    blocks = [
        HeaderBlock(text=headline(status)),
        mrkdwn_section("`/delivery status` for the portfolio · `/delivery at-risk` for where to act"),
        DividerBlock(),
        HeaderBlock(text="Your work"),
        *my_work_blocks(work, workspace.tz),
        context(f"Updated {time_token(status.as_of)}"),
    ]
    return [block.to_dict() for block in blocks][:MAX_VIEW_BLOCKS]


def publish_home(body: dict, event: dict, client: WebClient, context: BoltContext) -> None:
    # Bolt acknowledges events before their listener runs.
    if event.get("tab") != "home" or busy(context):
        # When busy, the tab keeps what it showed last time.
        return
    after_ack(body, publish_home_view, client, context["workspace"], event["user"], client=client)


def publish_home_view(client: WebClient, workspace, user_id: str) -> None:
    client.views_publish(user_id=user_id, view={"type": "home", "blocks": home_blocks(workspace, user_id)})
