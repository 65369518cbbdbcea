"""Garbage collector settings for long-running processes (`serve`, Socket Mode).

Python's full (oldest-generation) collection walks every tracked object the process holds: with
the app built (modules, SQLAlchemy mappers, pydantic models, Bolt) that is about 90,000 objects,
and a full collection took 35-45 ms. With the default thresholds the rows each answer builds over
a large portfolio survive the young collections and, at 10,000 services, set off a full one every
second or third command: that pause was most of the gap between the median and p95 of the cheap
commands (bench/results.md).

So once the app is built: freeze what exists (it lives as long as the process, and full
collections skip frozen objects), and collect the youngest generation after 10,000 allocations
instead of 700, so an answer's short-lived rows mostly die before a collection promotes them.
"""

from __future__ import annotations

import gc

YOUNG_GENERATION_THRESHOLD = 10_000


def settle_after_startup() -> None:
    """Call once the app is built, before serving requests."""
    gc.collect()  # don't freeze garbage left by start-up
    gc.freeze()
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, middle, oldest)
