"""The pace of posts to one Slack workspace, shared by every thread of the process that posts there.

Slack allows `chat.postMessage` about one message per second per channel, and a workspace-wide
rate it describes only as "several hundred messages per minute". A `Pacer` gives each post a turn:
no sooner than 1 s after the last post to the same channel, no sooner than 1/rate after the last
post to the workspace, and never while the workspace is paused. A 429 from Slack pauses the whole
workspace for its Retry-After, so every thread waits it out, not only the one that was told.

Turns are handed out under a lock and slept outside it: the rate is exact over a run, with no burst
beyond it. Pace a little under the workspace's real limit: posts leave exactly 1/rate apart, and the
network's jitter can bunch a few into one of Slack's seconds.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

# Slack's guidance for chat.postMessage: about one message per second per channel.
CHANNEL_INTERVAL = 1.0
# The workspace-wide rate by default: 8 posts a second is 480 a minute, within the "several hundred
# messages per minute" Slack describes; a 429 still pauses everyone for its Retry-After.
DEFAULT_POSTS_PER_SECOND = 8.0


@dataclass
class Pacer:
    """Turns to post in one workspace. `per_second` None: no workspace-wide limit (the per-channel
    one and 429 pauses still hold).

    The workspace's turns are slots 1/rate apart, each given to one post: a post waiting for its
    channel's second takes the first free slot after it, and leaves the slots before it to posts to
    other channels (a queue in one line would hold every channel back behind one)."""

    per_second: float | None = DEFAULT_POSTS_PER_SECOND
    channel_interval: float = CHANNEL_INTERVAL
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _taken: set[int] = field(default_factory=set, repr=False)  # workspace slots given out, not yet past
    _next_in: dict[str, float] = field(default_factory=dict, repr=False)
    _released: deque[float] = field(default_factory=deque, repr=False)  # when posts went, this last second
    _paused_until: float = 0.0
    pauses: int = 0  # 429s that paused the workspace, for the run's report

    def _take_slot(self, earliest: float) -> float:
        """The first free workspace slot at or after `earliest`, taken."""
        if not self.per_second:
            return earliest
        slot = math.ceil(earliest * self.per_second - 1e-9)
        while slot in self._taken:
            slot += 1
        self._taken.add(slot)
        return slot / self.per_second

    def _forget_past(self, now: float) -> None:
        if self.per_second and len(self._taken) > 256:
            past = math.floor(now * self.per_second)
            self._taken = {slot for slot in self._taken if slot >= past}
        if len(self._next_in) > 10_000:
            self._next_in = {channel: t for channel, t in self._next_in.items() if t > now}

    def wait_turn(self, channel: str) -> None:
        """Block until this thread may post to `channel`."""
        while True:
            with self._lock:
                now = self.clock()
                self._forget_past(now)
                turn = self._take_slot(max(now, self._next_in.get(channel, 0.0), self._paused_until))
                self._next_in[channel] = turn + self.channel_interval
            if turn > now:
                self.sleep(turn - now)
            if self._release():
                return

    def _release(self) -> bool:
        """Let the post go unless a pause began while its thread slept (it then takes a later turn). A
        thread woken late must not go together with the ones woken on time: at most the rate's worth of
        posts go in any second, by when they went, so it waits for the second's oldest to age out."""
        while True:
            with self._lock:
                now = self.clock()
                if now < self._paused_until:
                    return False
                while self._released and self._released[0] <= now - 1.0:
                    self._released.popleft()
                if not self.per_second or len(self._released) < max(1, math.floor(self.per_second)):
                    self._released.append(now)
                    return True
                wait = self._released[0] + 1.0 - now
            self.sleep(wait)

    def pause(self, seconds: float) -> None:
        """Slack answered 429: nobody posts to this workspace for `seconds`."""
        with self._lock:
            self._paused_until = max(self._paused_until, self.clock() + max(seconds, 0.0))
            self.pauses += 1


class Pacers:
    """One `Pacer` per workspace, for the whole process (the scheduler makes one and keeps it)."""

    def __init__(self, per_second: float | None = DEFAULT_POSTS_PER_SECOND):
        self.per_second = per_second
        self._lock = threading.Lock()
        self._by_team: dict[str, Pacer] = {}

    def for_team(self, team_id: str) -> Pacer:
        with self._lock:
            if team_id not in self._by_team:
                self._by_team[team_id] = Pacer(self.per_second)
            return self._by_team[team_id]
