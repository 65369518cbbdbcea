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

from concurrent.futures import Future
from concurrent.futures import TimeoutError as NotReady
from functools import partial

from slack_bolt import Ack, BoltContext, Respond
from slack_bolt.request import BoltRequest

from handlers.after_ack import BUSY_TEXT
from handlers.commands.answers import ANSWERS, CommandRequest
from handlers.commands.parse import UsageError, parse_command
from handlers.errors import Requester, report_failure
from handlers.received import seconds_since_received
from messages.blocks.common import Reply
from messages.blocks.share import with_share_button
from messages.blocks.usage import usage_message
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


def delivery_command(ack: Ack, respond: Respond, command: dict, context: BoltContext, request: BoltRequest) -> None:
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
        answering.add_done_callback(partial(send_late_answer, respond, command.get("command", "/delivery")))
        return
    ack(response_type="ephemeral", text=reply.text, blocks=reply.block_dicts())


def send_late_answer(respond: Respond, command: str, answering: Future) -> None:
    """Replace the "Working on it" note with the answer once it is ready (run by the thread that
    computed it); a failure is reported to the person like any listener's."""
    try:
        reply = answering.result()
        respond(response_type="ephemeral", replace_original=True, text=reply.text, blocks=reply.block_dicts())
    except Exception as error:
        report_failure(error, {"command": command}, Requester(user_id=None, respond=respond))
