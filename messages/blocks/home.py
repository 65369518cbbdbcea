"""App Home: the portfolio headline over the person's own dashboard."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import DividerBlock, HeaderBlock

from messages.blocks.common import MAX_VIEW_BLOCKS, Reply, context, mrkdwn_section, time_token
from messages.blocks.mine import my_work_blocks
from messages.blocks.portfolio import headline
from store.readmodels import MyWork, PortfolioStatus


def home_message(status: PortfolioStatus, work: MyWork, tz: ZoneInfo) -> Reply:
    blocks = [
        HeaderBlock(text=headline(status)),
        mrkdwn_section("`/delivery status` for the portfolio · `/delivery at-risk` for where to act"),
        DividerBlock(),
        HeaderBlock(text="Your work"),
        *my_work_blocks(work, tz),
        context(f"Updated {time_token(status.as_of)}"),
    ]
    return Reply(text=headline(status), blocks=blocks[:MAX_VIEW_BLOCKS], shareable=False)
