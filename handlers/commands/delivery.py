"""`/delivery`: parse, ask the store, render, answer in the acknowledgement.

Answering in the ack needs no second HTTP round trip, and every answer is a fixed, small number
of indexed queries. But Slack drops a command not acknowledged within 3 seconds, and a busy
server (a very large portfolio, many people asking at once) can take longer: so the answer is
computed in a small pool of its own, and when it is not ready within the answer budget
(DELIVERY_ANSWER_BUDGET_SECONDS) the command is acknowledged with a short note and the answer
follows through the command's response_url, replacing the note. The listener returns right after
that acknowledgement: were it to wait for the answer, a burst of slow answers would hold every one
of Bolt's listener threads, and new requests, clicks included, could not even be acknowledged.
While a new answer would take longer than DELIVERY_BUSY_AFTER_SECONDS to be ready (see
handlers/after_ack.py), the command is told at once that the bot is busy, rather than answered
minutes later.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as NotReady
from dataclasses import replace
from functools import partial

from slack_bolt import Ack, BoltContext, Respond
from slack_bolt.request import BoltRequest
from slack_sdk import WebClient

from handlers.after_ack import BUSY_TEXT, after_ack
from handlers.commands.answers import ANSWERS, CommandRequest
from handlers.commands.parse import UsageError, parse_command
from handlers.errors import Requester, report_failure
from handlers.received import seconds_since_received
from messages.blocks.common import MAX_MESSAGE_BLOCKS, Reply
from messages.blocks.common import context as context_block
from messages.blocks.share import with_share_button
from messages.blocks.usage import usage_message
from messages.ids import BlockId
from messages.uploads import CHARTS_IN_DM, send_to_dm
from store.workspace import Workspace


def reply_for(workspace: Workspace, text: str, user_id: str, *, shareable: bool = True,
              channel_id: str = "", private: bool = True) -> Reply:
    try:
        command = parse_command(text)
    except UsageError as problem:
        return usage_message(str(problem))
    answer = ANSWERS[command.subcommand]
    reply = answer(CommandRequest(workspace=workspace, command=command, user_id=user_id, channel_id=channel_id,
                                  private=private))
    if shareable and reply.shareable:
        reply = with_share_button(reply, command.text)
    return reply


WORKING_ON_IT = "Working on it: the answer follows in a moment."


def delivery_command(ack: Ack, respond: Respond, command: dict, context: BoltContext, request: BoltRequest,
                     client: WebClient) -> None:
    answers = context["pools"].answers
    if answers.busy(context["settings"].delivery_busy_after_seconds):
        ack(response_type="ephemeral", text=BUSY_TEXT)
        return
    answering = answers.submit(reply_for, context["workspace"], command.get("text", ""), command["user_id"],
                                channel_id=command.get("channel_id", ""))
    # The budget counts from the request's arrival: on a busy server, time passes before this runs.
    budget = context["settings"].delivery_answer_budget_seconds - seconds_since_received(request)
    try:
        reply = answering.result(timeout=max(0.0, budget))
    except NotReady:
        ack(response_type="ephemeral", text=WORKING_ON_IT)
        charts = partial(_send_charts, context, command, client, respond) if _charts_wanted(context) else None
        answering.add_done_callback(partial(send_late_answer, respond, command.get("command", "/delivery"),
                                            charts=charts))
        return
    reply = _with_charts_note(reply, context)
    ack(response_type="ephemeral", text=reply.text, blocks=reply.block_dicts())
    _send_charts(context, command, client, respond, reply)


def send_late_answer(respond: Respond, command: str, answering: Future, *,
                     charts: Callable[[Reply], None] | None = None) -> None:
    """Replace the "Working on it" note with the answer once it is ready (run by the thread that
    computed it), then hand its charts on (`charts`, which the answer then mentions); a failure is
    reported to the person like any listener's."""
    try:
        reply = answering.result()
        if charts is not None and reply.charts:
            reply = _with_charts_note(reply, None)
        respond(response_type="ephemeral", replace_original=True, text=reply.text, blocks=reply.block_dicts())
    except Exception as error:
        report_failure(error, {"command": command}, Requester(user_id=None, respond=respond))
        return
    if charts is not None:
        charts(reply)


# ---- charts -------------------------------------------------------------------------------------------
# An ephemeral answer cannot hold files, so an answer's charts go to the asker's DM with the bot, after
# the ack (drawing and three calls per upload would eat the 3 s). The answer says so; a failed upload
# is told through the response_url, and the numbers above stand alone (messages/uploads.py).

def _charts_wanted(context: BoltContext | None) -> bool:
    """Not in a terminal (`delivery-bot ask` writes them with --charts instead)."""
    return context is None or not context.get("terminal", False)


def _with_charts_note(reply: Reply, context: BoltContext | None) -> Reply:
    if not reply.charts or not _charts_wanted(context):
        return reply
    blocks = list(reply.blocks)
    if len(blocks) >= MAX_MESSAGE_BLOCKS:
        return reply
    # Above the Share button, when there is one.
    at = len(blocks) - 1 if blocks and getattr(blocks[-1], "block_id", None) == BlockId.REPLY_ACTIONS else len(blocks)
    blocks.insert(at, context_block(CHARTS_IN_DM))
    return replace(reply, blocks=blocks)


def _send_charts(context: BoltContext, command: dict, client: WebClient, respond: Respond, reply: Reply) -> None:
    if not reply.charts or not _charts_wanted(context):
        return
    after_ack(context, command, _charts_to_dm, client, command["user_id"], reply, respond, respond=respond)


def _charts_to_dm(client: WebClient, user_id: str, reply: Reply, respond: Respond) -> None:
    sent = send_to_dm(client, user_id, reply.charts, comment=f"Charts for your `/delivery` answer: {reply.text}")
    if not sent.ok:
        respond(response_type="ephemeral", replace_original=False,
                text=f"{sent.error}. The numbers in the answer above are the whole of it.")
