"""Messages the bot posted that show live objects: remembered so changes can rebuild them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, or_, select
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


def messages_of_kind_showing(session: Session, ctx: QueryContext, *, view_kind: str, object_type: str,
                             object_ids: Iterable[int]) -> dict[int, list[PostedMessageRef]]:
    """The remembered messages of one view kind (an SLA warning) showing each of these objects, by object
    id: through the objects' index, so only those objects' messages are read."""
    wanted = sorted(set(object_ids))
    if not wanted:
        return {}
    rows = session.execute(
        select(PostedMessageObject.object_id, PostedMessage)
        .join(PostedMessage, PostedMessage.id == PostedMessageObject.message_id)
        .where(PostedMessageObject.object_type == object_type, PostedMessageObject.object_id.in_(wanted),
               PostedMessage.team_id == ctx.team_id)
        .order_by(PostedMessage.id))
    found: dict[int, list[PostedMessageRef]] = {}
    marker = f'"k":"{view_kind}"'
    for object_id, m in rows:
        if marker in m.view:
            found.setdefault(object_id, []).append(PostedMessageRef(
                channel_id=m.channel_id, ts=m.ts, view=m.view, viewer_slack_user_id=m.viewer_slack_user_id))
    return found


def posts_of_kind_since(session: Session, ctx: QueryContext, *, view_kind: str, channels: Iterable[str],
                        since: datetime) -> dict[str, int]:
    """How many messages of one view kind (an SLA warning) the bot posted to each of these channels since
    `since`: a channel's warning budget for the hour."""
    wanted = sorted(set(channels))
    if not wanted:
        return {}
    rows = session.execute(
        select(PostedMessage.channel_id, func.count()).where(
            PostedMessage.team_id == ctx.team_id, PostedMessage.channel_id.in_(wanted),
            PostedMessage.posted_at >= since, PostedMessage.view.like(f'{{"k":"{view_kind}"%'))
        .group_by(PostedMessage.channel_id))
    return {channel: count for channel, count in rows}


def message_of_view(session: Session, ctx: QueryContext, *, channel_id: str, view: str) -> PostedMessageRef | None:
    """The remembered message showing exactly `view` in a channel (the hour's summary of its warnings)."""
    m = session.scalars(select(PostedMessage).where(
        PostedMessage.team_id == ctx.team_id, PostedMessage.channel_id == channel_id, PostedMessage.view == view
    ).order_by(PostedMessage.id.desc())).first()
    return None if m is None else PostedMessageRef(channel_id=m.channel_id, ts=m.ts, view=m.view,
                                                    viewer_slack_user_id=m.viewer_slack_user_id)
