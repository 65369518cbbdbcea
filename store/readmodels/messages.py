"""A message the bot posted and remembers, to draw it again after a change."""

from __future__ import annotations

from store.readmodels import ReadModel


class PostedMessageRef(ReadModel):
    channel_id: str
    ts: str
    view: str
    viewer_slack_user_id: str | None
