"""What the bot posted (to re-render it) and the digests it sends."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.expression import false, true

from store.models.base import Base, UTCDateTime, team_column


class PostedMessage(Base):
    """A message the bot posted that shows live objects, so a change can rebuild it in place."""

    __tablename__ = "posted_messages"
    __table_args__ = (UniqueConstraint("team_id", "channel_id", "ts"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = team_column()
    channel_id: Mapped[str] = mapped_column(String(32))
    ts: Mapped[str] = mapped_column(String(32))
    # What to render again: a view code and its subject (see handlers/views_ref.py).
    view: Mapped[str] = mapped_column(String(200))
    viewer_slack_user_id: Mapped[str | None] = mapped_column(String(32))
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PostedMessageObject(Base):
    """An object a posted message shows: (message, object type, object id)."""

    __tablename__ = "posted_message_objects"
    __table_args__ = (Index("ix_posted_message_objects_object", "object_type", "object_id"),)

    message_id: Mapped[int] = mapped_column(ForeignKey("posted_messages.id", ondelete="CASCADE"), primary_key=True)
    object_type: Mapped[str] = mapped_column(String(32), primary_key=True)
    object_id: Mapped[int] = mapped_column(Integer, primary_key=True)


class DigestSubscription(Base):
    """A channel's standing order for a digest: which one, when, in which time zone."""

    __tablename__ = "digest_subscriptions"
    __table_args__ = (UniqueConstraint("team_id", "digest", "channel_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = team_column()
    digest: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str] = mapped_column(String(32))
    at_time: Mapped[str] = mapped_column(String(5))  # HH:MM in `timezone`
    days: Mapped[str] = mapped_column(String(40))  # weekdays | daily | mon,wed,fri
    timezone: Mapped[str] = mapped_column(String(64))
    all_clear: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Whether the digest attaches its charts (weekly portfolio, patterns); text only when off.
    charts: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_by_slack_user_id: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DigestDelivery(Base):
    """The ledger: one row per (subscription, period), written before posting.

    The unique key is what makes a digest go out once, whatever restarts or extra schedulers do.
    """

    __tablename__ = "digest_deliveries"
    __table_args__ = (UniqueConstraint("team_id", "subscription_key", "period"),
                      Index("ix_digest_deliveries_team_status", "team_id", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = team_column()
    subscription_key: Mapped[str] = mapped_column(String(64))  # sub:<id> or personal:<person id>
    period: Mapped[str] = mapped_column(String(32))  # the local date of the scheduled run
    digest: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str] = mapped_column(String(32))
    scheduled_for: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16))  # a store.enums.DeliveryStatus
    error: Mapped[str | None] = mapped_column(String(200))
    ts: Mapped[str | None] = mapped_column(String(32))
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Which process claimed it (host:pid), for the one who reads the ledger after a crash.
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When ops were told of it (failed and uncertain deliveries only): each is told once.
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


