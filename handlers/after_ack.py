"""Work that follows an acknowledgement runs in a small pool of its own, not in Bolt's listener threads.

Bolt runs each listener in a thread of its listener executor, and the server's thread waits there
for the listener's ack. A listener that goes on after its ack (a click's change and the redraw of
every message showing it, a shared answer, App Home) used to keep its listener thread until done.
In a burst those threads all wait their turn for the store, the executor runs out of them, and a
new request queues behind the backlog: it cannot even be acknowledged, and after 3 s Bolt answers
404 and Slack shows an error. So a listener acknowledges, hands the rest to `after_ack`, and
returns: the backlog waits in this pool's queue, and listener threads stay free for acks.

Listeners that open a modal keep their reads in the listener: `trigger_id` lasts 3 seconds, so
that work must not wait behind a queue.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from typing import Callable

from slack_bolt import Respond

from handlers.errors import report_error

# The work is mostly the store (DELIVERY_STORE_CONCURRENCY at a time) and Slack's Web API: a few
# threads (started on first use) overlap those waits, and few at once leave the CPU to acks.
AFTER_ACK_THREADS = 4
_after_ack = ThreadPoolExecutor(max_workers=AFTER_ACK_THREADS, thread_name_prefix="after-ack")


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
