"""Digest subscriptions and who gets the personal digest."""

from __future__ import annotations

from store.readmodels import ReadModel


class SubscriptionView(ReadModel):
    id: int
    digest: str
    channel_id: str
    at_time: str
    days: str
    timezone: str
    all_clear: bool
    charts: bool = True  # the digest attaches its charts, if it has any

    @property
    def key(self) -> str:
        return f"sub:{self.id}"


class Recipient(ReadModel):
    """Someone who gets the personal digest by DM."""

    person_id: int
    slack_user_id: str
    timezone: str | None

    @property
    def key(self) -> str:
        return f"personal:{self.person_id}"
