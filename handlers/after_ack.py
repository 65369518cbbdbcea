"""Work that follows an acknowledgement runs in a small pool of its own, not in Bolt's listener threads.

Bolt runs each listener in a thread of its listener executor, and the server's thread waits there
for the listener's ack. A listener that goes on after its ack (a click's change and the redraw of
every message showing it, a shared answer, App Home) used to keep its listener thread until done.
In a burst those threads all wait their turn for the store, the executor runs out of them, and a
new request queues behind the backlog: it cannot even be acknowledged, and after 3 s Bolt answers
404 and Slack shows an error. So a listener acknowledges, hands the rest to `after_ack`, and
returns: the backlog waits in this pool's queue, and listener threads stay free for acks.

A queue that only grows would turn overload into changes applied minutes late, or lost when the
process stops with work still queued. So while the oldest unfinished work was asked for longer ago
than DELIVERY_BUSY_AFTER_SECONDS, listeners refuse new work (`busy`) and tell the person nothing
was changed, instead of queueing it.

Listeners that open a modal keep their reads in the listener: `trigger_id` lasts 3 seconds, so
that work must not wait behind a queue.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from typing import Callable

from slack_bolt import Ack, BoltContext, Respond

from handlers.errors import report_error
from handlers.ids import InputId

log = logging.getLogger("delivery.busy")

BUSY_TEXT = "Delivery bot has too much to do right now. Please try again in a minute."
BUSY_FORM_TEXT = "Delivery bot has too much to do right now, so nothing was changed. Please submit again in a minute."
BUSY_CHANGE_TEXT = "Delivery bot has too much to do right now, so nothing was changed. Please try again in a minute."


class WorkQueue:
    """A few threads (started on first use) and a queue that knows how long ago its oldest unfinished
    work was submitted: waiting for a thread or running (perhaps waiting for the store), either way
    what someone asked for is not done yet."""

    def __init__(self, name: str, threads: int, clock: Callable[[], float] = time.monotonic):
        self.name = name
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix=name)
        self._clock = clock
        self._lock = threading.Lock()
        self._numbers = itertools.count()
        self._unfinished: OrderedDict[int, float] = OrderedDict()  # submission number -> when, oldest first

    def submit(self, work: Callable, /, *args, **kwargs) -> Future:
        with self._lock:
            number = next(self._numbers)
            self._unfinished[number] = self._clock()
        future = self._executor.submit(work, *args, **kwargs)
        future.add_done_callback(partial(self._finished, number))
        return future

    def _finished(self, number: int, _done: Future) -> None:
        with self._lock:
            del self._unfinished[number]

    def oldest_age(self) -> float:
        """Seconds since the oldest unfinished work was submitted; 0 when all is done."""
        with self._lock:
            return self._clock() - next(iter(self._unfinished.values())) if self._unfinished else 0.0

    def busy(self, limit_seconds: float) -> bool:
        """True (and logged, for whoever sizes the deployment) while the oldest unfinished work was
        submitted more than `limit_seconds` ago: the caller refuses new work."""
        age = self.oldest_age()
        if age <= limit_seconds:
            return False
        log.warning("%s: refused new work as busy; the oldest unfinished was asked for %.1f s ago "
                    "(DELIVERY_BUSY_AFTER_SECONDS=%g)", self.name, age, limit_seconds)
        return True


# The work is mostly the store (DELIVERY_STORE_CONCURRENCY at a time) and Slack's Web API: a few
# threads overlap those waits, and few at once leave the CPU to acks.
AFTER_ACK_THREADS = 4
_after_ack = WorkQueue("after-ack", AFTER_ACK_THREADS)


def busy(context: BoltContext) -> bool:
    """True while work after acks has been unfinished for longer than the settings allow."""
    return _after_ack.busy(context["settings"].delivery_busy_after_seconds)


def refused_when_busy(ack: Ack, context: BoltContext, input_id: InputId) -> bool:
    """For a modal's submission: when busy, keep the modal open with a note on `input_id` (nothing
    is lost: the person submits again) and say True."""
    if not busy(context):
        return False
    ack(response_action="errors", errors={input_id.value: BUSY_FORM_TEXT})
    return True


def after_ack(body: dict, work: Callable, /, *args, respond: Respond | None = None, **kwargs) -> Future:
    """Run `work(*args, **kwargs)` after the listener returns. A failure is reported like any
    listener's (`report_error`): logged with a reference, and told to the person when the request
    has a response_url (`respond`)."""
    future = _after_ack.submit(work, *args, **kwargs)
    future.add_done_callback(partial(_report_failure, body, respond))
    return future


def _report_failure(body: dict, respond: Respond | None, done: Future) -> None:
    error = done.exception()
    if isinstance(error, Exception):
        report_error(error, body, None, {"respond": respond})
