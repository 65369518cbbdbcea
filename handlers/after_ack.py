"""Work that follows an acknowledgement runs in a small pool of its own, not in Bolt's listener threads.

Bolt runs each listener in a thread of its listener executor, and the server's thread waits there
for the listener's ack. A listener that goes on after its ack (a click's change and the redraw of
every message showing it, a shared answer, App Home) used to keep its listener thread until done.
In a burst those threads all wait their turn for the store, the executor runs out of them, and a
new request queues behind the backlog: it cannot even be acknowledged, and after 3 s Bolt answers
404 and Slack shows an error. So a listener acknowledges, hands the rest to `after_ack`, and
returns: the backlog waits in this pool's queue, and listener threads stay free for acks.

A queue that only grows would turn overload into changes applied minutes late, or lost when the
process stops with work still queued. So while new work would take longer than
DELIVERY_BUSY_AFTER_SECONDS to be done (`WorkQueue.expected_wait`), listeners refuse it (`busy`)
and tell the person nothing was changed, instead of queueing it.

Listeners that open a modal keep their reads in the listener: `trigger_id` lasts 3 seconds, so
that work must not wait behind a queue.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from handlers.errors import Requester, report_failure
from messages.ids import InputId

log = logging.getLogger("delivery.busy")

BUSY_TEXT = "Delivery bot has too much to do right now. Please try again in a minute."
BUSY_FORM_TEXT = "Delivery bot has too much to do right now, so nothing was changed. Please submit again in a minute."
BUSY_CHANGE_TEXT = "Delivery bot has too much to do right now, so nothing was changed. Please try again in a minute."


class WorkQueue:
    """A few threads (started on first use) and a queue that estimates how long new work would take
    to be done: the unfinished work ahead of it (waiting for a thread, or running and perhaps
    waiting for the store), at the pace recent work took, and never less than the oldest unfinished
    work has already waited. Either way, what someone asked for is not done until it finishes."""

    def __init__(self, name: str, threads: int, clock: Callable[[], float] = time.monotonic):
        self.name = name
        self.threads = threads
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix=name)
        self._clock = clock
        self._lock = threading.Lock()
        self._numbers = itertools.count()
        self._unfinished: OrderedDict[int, float] = OrderedDict()  # submission number -> when, oldest first
        self._seconds_each: float | None = None  # how long recent work ran, smoothed

    def submit(self, work: Callable, /, *args, **kwargs) -> Future:
        with self._lock:
            number = next(self._numbers)
            self._unfinished[number] = self._clock()
        return self._executor.submit(self._run, number, work, args, kwargs)

    def _run(self, number: int, work: Callable, args: tuple, kwargs: dict):
        started = self._clock()
        try:
            return work(*args, **kwargs)
        finally:
            ran = self._clock() - started
            with self._lock:
                del self._unfinished[number]
                previous = self._seconds_each
                self._seconds_each = ran if previous is None else previous + SMOOTHING * (ran - previous)

    def shutdown(self, *, wait: bool = True) -> None:
        self._executor.shutdown(wait=wait)

    def expected_wait(self) -> float:
        """Seconds until work submitted now would be done; 0 when nothing is unfinished."""
        with self._lock:
            if not self._unfinished:
                return 0.0
            oldest = self._clock() - next(iter(self._unfinished.values()))
            if self._seconds_each is None:
                return oldest
            return max(oldest, (len(self._unfinished) + 1) / self.threads * self._seconds_each)

    def busy(self, limit_seconds: float) -> bool:
        """True (and logged, for whoever sizes the deployment) while new work would take longer
        than `limit_seconds` to be done: the caller refuses it."""
        wait = self.expected_wait()
        if wait <= limit_seconds:
            return False
        log.warning("%s: refused new work as busy: it would be done in about %.1f s (DELIVERY_BUSY_AFTER_SECONDS=%g)",
                    self.name, wait, limit_seconds)
        return True


# How much each finished piece of work moves the estimate of how long work runs.
SMOOTHING = 0.2

# The work is mostly the store (DELIVERY_STORE_CONCURRENCY at a time) and Slack's Web API: a few
# threads overlap those waits, and few at once leave the CPU to acks.
AFTER_ACK_THREADS = 4
# /delivery answers are CPU work under one interpreter lock: a few threads keep the database's waits
# overlapped without letting many answers slow each other down.
ANSWER_THREADS = 4


@dataclass(frozen=True)
class Pools:
    """The pools that work after an acknowledgement runs in: made once per app by the app factory
    (bot/app.py), put in every request's context by the middleware, and never at import time."""

    answers: WorkQueue  # /delivery answers (handlers/commands/delivery.py)
    after_ack: WorkQueue  # a click's change and redraws, a modal's submission, a shared answer, App Home

    @classmethod
    def make(cls) -> Pools:
        return cls(answers=WorkQueue("delivery-answer", ANSWER_THREADS),
                   after_ack=WorkQueue("after-ack", AFTER_ACK_THREADS))

    def shutdown(self, *, wait: bool = True) -> None:
        """Finish (with `wait`) what is queued, and let the threads go."""
        self.answers.shutdown(wait=wait)
        self.after_ack.shutdown(wait=wait)


def busy(context: BoltContext) -> bool:
    """True while new work after an ack would take longer to be done than the settings allow."""
    return context["pools"].after_ack.busy(context["settings"].delivery_busy_after_seconds)


def refused_when_busy(ack: Ack, context: BoltContext, input_id: InputId) -> bool:
    """For a modal's submission: when busy, keep the modal open with a note on `input_id` (nothing
    is lost: the person submits again) and say True."""
    if not busy(context):
        return False
    ack(response_action="errors", errors={input_id.value: BUSY_FORM_TEXT})
    return True


def after_ack(context: BoltContext, body: dict, work: Callable, /, *args, respond: Respond | None = None,
              client: WebClient | None = None, **kwargs) -> Future:
    """Run `work(*args, **kwargs)` after the listener returns. A failure is told to the person like
    any listener's (handlers/errors.py): through `respond` when the request has a response_url,
    else by DM through `client`."""
    future = context["pools"].after_ack.submit(work, *args, **kwargs)
    future.add_done_callback(partial(_report_failure, body, Requester.of(body, respond, client)))
    return future


def _report_failure(body: dict, requester: Requester, done: Future) -> None:
    error = done.exception()
    if isinstance(error, Exception):
        report_failure(error, body, requester)
