"""Every action_id and block_id the app sends, and the typed values its buttons carry."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class ActionId(StrEnum):
    SHARE_REPLY = "share_reply"
    # Suffixed with ":<service id>": action_ids must be unique within a block.
    OPEN_SERVICE = "open_service"


class BlockId(StrEnum):
    REPLY_ACTIONS = "reply_actions"
    SERVICE_CHOICES = "service_choices"


class ShareValue(BaseModel):
    """A "Share in channel" button: the command text whose answer to post for everyone."""

    model_config = ConfigDict(frozen=True)

    text: str


class OpenServiceValue(BaseModel):
    """A choice among several matching services: open this one's card."""

    model_config = ConfigDict(frozen=True)

    service_id: int
