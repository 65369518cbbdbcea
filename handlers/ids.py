"""Every action_id and block_id the app sends, and the typed values its buttons carry."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from store.rules.transitions import Move


class ActionId(StrEnum):
    SHARE_REPLY = "share_reply"
    # Suffixed with ":<service id>": action_ids must be unique within a block.
    OPEN_SERVICE = "open_service"
    # Suffixed with ":<deliverable id>": one overflow menu per deliverable row.
    DELIVERABLE_MOVE = "deliverable_move"


class CallbackId(StrEnum):
    BLOCK_DELIVERABLE = "block_deliverable"


class InputId(StrEnum):
    BLOCK_REASON = "block_reason"
    BLOCK_UNTIL = "block_until"


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


class ViewKind(StrEnum):
    CARD = "card"
    MINE = "mine"
    AT_RISK = "at-risk"


class ViewRef(BaseModel):
    """What a message shows, so it can be rendered again from the database after a change."""

    model_config = ConfigDict(frozen=True)

    k: ViewKind
    s: int | None = None  # the service, for cards


class DeliverableMoveValue(BaseModel):
    """One option of a deliverable row's menu (Slack caps option values at 150 characters)."""

    model_config = ConfigDict(frozen=True)

    m: Move
    d: int  # deliverable id
    v: int  # the version the row was rendered from
    w: ViewRef  # where the row was shown


class BlockModalMeta(BaseModel):
    """The Block modal's private_metadata: the click it came from, to apply and re-render."""

    model_config = ConfigDict(frozen=True)

    move: DeliverableMoveValue
    channel_id: str | None = None
    ts: str | None = None
    ephemeral: bool = False
    in_home: bool = False
    response_url: str | None = None
