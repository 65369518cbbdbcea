"""Attaching a message's charts: drawn from its drafts, uploaded with Slack's current flow, never at the
cost of the text.

`files_upload_v2` is slack_sdk's form of that flow: files.getUploadURLExternal for each file, a POST of
its bytes to the URL Slack gave, then one files.completeUploadExternal that shares them all in a
channel (one message with the images, each with its alt text). Charts are best effort: whatever
goes wrong (drawing, any of the three steps), the text was or will be sent on its own, the failure is
logged and told as CHARTS_FAILED, and nothing is tried again here. Used by `/delivery trends`
(handlers/commands/delivery.py) and by the digests (digests/runner.py), each passing its own client.

A private (ephemeral) answer cannot hold files, and an image block may show only a file its readers can
see (`slack_file`); a file the bot uploads without sharing it is the bot's alone, and Slack refuses such
blocks ("invalid slack file", slackapi/python-slack-sdk#1658, bolt-python#1251). So an answer's charts
go to a DM between the bot and the asker (`send_to_dm`), and the answer says so.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from messages.blocks.common import MAX_MESSAGE_BLOCKS, Reply, context
from messages.charts import Chart, ChartDraft
from messages.pacing import Pacer
from messages.posting import PostResult, post_digest, update_in_place
from store.enums import DeliveryStatus

log = logging.getLogger("delivery.charts")

CHARTS_FAILED = "Charts could not be attached"
CHARTS_IN_DM = "Charts: sent to you in a DM from Delivery bot (a private answer cannot hold images)."


@dataclass(frozen=True)
class ChartsSent:
    """How attaching charts ended: the files shared, or why none were."""

    files: tuple[str, ...] = ()
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def _reason(error: BaseException) -> str:
    if isinstance(error, SlackApiError):
        return str(error.response.get("error") or f"http_{error.response.status_code}")
    return type(error).__name__


def draw_all(drafts: Sequence[ChartDraft]) -> list[Chart]:
    return [draft.draw() for draft in drafts]


def upload_charts(client: WebClient, channel: str, charts: Sequence[Chart], *, comment: str | None = None,
                  thread_ts: str | None = None) -> ChartsSent:
    """Share `charts` in `channel` (a DM's id too) as one message; never raises."""
    if not charts:
        return ChartsSent()
    uploads = [{"file": chart.png, "filename": chart.filename, "title": chart.title, "alt_txt": chart.alt_text}
               for chart in charts]
    try:
        response = client.files_upload_v2(file_uploads=uploads, channel=channel, initial_comment=comment,
                                          thread_ts=thread_ts)
    except Exception as error:  # any step of three; the text stands without them
        log.warning("charts for %s could not be attached: %r", channel, error)
        return ChartsSent(error=f"{CHARTS_FAILED}: {_reason(error)}"[:200])
    files = response.get("files") or []
    return ChartsSent(files=tuple(str(f.get("id")) for f in files if isinstance(f, dict)))


def attach_charts(client: WebClient, channel: str, drafts: Sequence[ChartDraft], *, comment: str | None = None,
                  thread_ts: str | None = None) -> ChartsSent:
    """Draw `drafts` and share them in `channel`; never raises."""
    try:
        charts = draw_all(drafts)
    except Exception:
        log.exception("charts for %s could not be drawn", channel)
        return ChartsSent(error=f"{CHARTS_FAILED}: they could not be drawn")
    return upload_charts(client, channel, charts, comment=comment, thread_ts=thread_ts)


def send_to_dm(client: WebClient, slack_user_id: str, drafts: Sequence[ChartDraft], *,
               comment: str | None = None) -> ChartsSent:
    """Draw `drafts` and share them in the bot's DM with `slack_user_id`; never raises."""
    try:
        channel = client.conversations_open(users=slack_user_id)["channel"]["id"]
    except Exception as error:
        log.warning("no DM with %s for charts: %r", slack_user_id, error)
        return ChartsSent(error=f"{CHARTS_FAILED}: {_reason(error)}"[:200])
    return attach_charts(client, channel, drafts, comment=comment)


def post_with_charts(client: WebClient, pacer: Pacer, channel: str, reply: Reply, *, charts: bool) -> PostResult:
    """Post a digest (`post_digest`: at most once), then, when it was sent and `charts` is on, attach its
    charts in the channel, in the channel's turn. How the post ended is the result: a chart that fails is
    never a reason to post again, only logged and said under the digest (CHARTS_FAILED)."""
    posted = post_digest(client, pacer, channel, reply)
    if posted.status != DeliveryStatus.SENT or not charts or not reply.charts:
        return posted
    where = posted.channel or channel
    pacer.wait_turn(where)
    sent = attach_charts(client, where, reply.charts, comment=f"Charts for the digest above: {reply.text}")
    if not sent.ok and posted.ts is not None:
        noted = replace(reply, blocks=[*reply.blocks[:MAX_MESSAGE_BLOCKS - 1], context(f"{sent.error}.")])
        update_in_place(client, where, posted.ts, noted)
    return posted
