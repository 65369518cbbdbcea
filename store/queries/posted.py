"""Messages the bot posted that show live objects: remembered so changes can rebuild them."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from store.context import QueryContext
from store.models import PostedMessage, PostedMessageObject
from store.readmodels.messages import PostedMessageRef


def remember_message(session: Session, ctx: QueryContext, *, channel_id: str, ts: str, view: str,
                     viewer_slack_user_id: str | None, objects: Iterable[tuple[str, int]]) -> None:
    message = PostedMessage(team_id=ctx.team_id, channel_id=channel_id, ts=ts, view=view,
                            viewer_slack_user_id=viewer_slack_user_id, posted_at=ctx.now)
    session.add(message)
    session.flush()
    session.add_all(
        PostedMessageObject(message_id=message.id, object_type=kind, object_id=object_id)
        for kind, object_id in set(objects)
    )


def messages_showing(session: Session, ctx: QueryContext, *,
                     objects: Iterable[tuple[str, int]]) -> list[PostedMessageRef]:
    wanted = list(set(objects))
    if not wanted:
        return []
    conditions = [(PostedMessageObject.object_type == kind) & (PostedMessageObject.object_id == oid)
                  for kind, oid in wanted]
    rows = session.scalars(
        select(PostedMessage).join(PostedMessageObject, PostedMessageObject.message_id == PostedMessage.id)
        .where(PostedMessage.team_id == ctx.team_id, or_(*conditions)).distinct()
    )
    return [PostedMessageRef(channel_id=m.channel_id, ts=m.ts, view=m.view,
                             viewer_slack_user_id=m.viewer_slack_user_id) for m in rows]


def message_at(session: Session, ctx: QueryContext, *, channel_id: str, ts: str) -> PostedMessageRef | None:
    m = session.scalars(select(PostedMessage).where(
        PostedMessage.team_id == ctx.team_id, PostedMessage.channel_id == channel_id, PostedMessage.ts == ts
    )).first()
    return None if m is None else PostedMessageRef(channel_id=m.channel_id, ts=m.ts, view=m.view,
                                                    viewer_slack_user_id=m.viewer_slack_user_id)
