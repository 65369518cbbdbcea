"""Posting one digest, and knowing how it ended: sent, refused by Slack, or unknown.

A post is made once. Slack's 429 is the one answer that is tried again, after the workspace's pause
(it says the message was not taken). Anything that leaves the outcome unknown (a connection lost
after the request went out, a timeout, a 5xx from Slack's edge) ends as uncertain: the message may
have arrived, and posting it again could post it twice.
"""

from __future__ import annotations

import copy
import logging
import socket
from dataclasses import dataclass
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from messages.blocks.common import Reply
from messages.pacing import Pacer
from store.enums import DeliveryStatus

log = logging.getLogger("delivery.digests")
# Past this many 429s for one post, it is given up as failed (and ops are told).
MAX_RATE_LIMITED = 10
DEFAULT_RETRY_AFTER = 1.0


@dataclass(frozen=True)
class PostResult:
    status: DeliveryStatus  # sent, failed or uncertain
    error: str | None = None
    ts: str | None = None
    channel: str | None = None  # where it was posted (a DM's channel id, for personal digests)


def without_retries(client: WebClient) -> WebClient:
    """The same client with none of slack_sdk's retry handlers: its connection-error handler would post
    again a message Slack took but whose answer was lost, and 429s are waited out by the workspace's
    `Pacer`, for every thread."""
    single = copy.copy(client)
    single.retry_handlers = []
    return single


def _retry_after(error: SlackApiError) -> float:
    headers = error.response.headers or {}
    value = headers.get("retry-after") or headers.get("Retry-After")
    if isinstance(value, list):
        value = value[0] if value else None
    try:
        return float(value) if value is not None else DEFAULT_RETRY_AFTER
    except ValueError:
        return DEFAULT_RETRY_AFTER


def _never_sent(error: BaseException) -> bool:
    """The request never reached Slack: the connection was refused, or the name did not resolve."""
    reason = error.reason if isinstance(error, URLError) else error
    return isinstance(reason, (ConnectionRefusedError, socket.gaierror))


def post_digest(client: WebClient, pacer: Pacer, channel: str, reply: Reply) -> PostResult:
    """Post `reply` to `channel` in its turn. `client` must not retry by itself (`without_retries`)."""
    for _attempt in range(MAX_RATE_LIMITED):
        pacer.wait_turn(channel)
        try:
            posted = client.chat_postMessage(channel=channel, text=reply.text, blocks=reply.block_dicts())
        except SlackApiError as error:
            status = error.response.status_code
            if status == 429:
                pacer.pause(_retry_after(error))
                continue
            if status >= 500:
                return PostResult(DeliveryStatus.UNCERTAIN, f"Slack answered HTTP {status}")
            return PostResult(DeliveryStatus.FAILED, str(error.response.get("error") or f"http_{status}"))
        except Exception as error:  # every transport error is one of two outcomes
            if _never_sent(error):
                return PostResult(DeliveryStatus.FAILED, f"could not reach Slack: {error}"[:200])
            log.warning("post to %s ended without an answer: %r", channel, error)
            return PostResult(DeliveryStatus.UNCERTAIN, f"no answer from Slack: {type(error).__name__}"[:200])
        return PostResult(DeliveryStatus.SENT, ts=posted["ts"], channel=posted["channel"])
    return PostResult(DeliveryStatus.FAILED, "ratelimited")


def update_in_place(client: WebClient, channel: str, ts: str, reply: Reply) -> PostResult:
    """Draw a posted message again (`chat.update`). An update is safe to lose: the next change draws it
    again; a 5xx or a lost answer is uncertain all the same, so it is reported, not repeated."""
    try:
        client.chat_update(channel=channel, ts=ts, text=reply.text, blocks=reply.block_dicts())
    except SlackApiError as error:
        status = error.response.status_code
        reason = str(error.response.get("error") or f"http_{status}")
        return PostResult(DeliveryStatus.UNCERTAIN if status >= 500 else DeliveryStatus.FAILED,
                          f"update of {channel}: {reason}"[:200])
    except Exception as error:
        return PostResult(DeliveryStatus.UNCERTAIN, f"update of {channel}: {type(error).__name__}"[:200])
    return PostResult(DeliveryStatus.SENT, ts=ts, channel=channel)
