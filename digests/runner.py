"""Send every digest that is due, at most once and never lost in silence: the scheduler's job, and
`digest run-due`.

A run finds what is due (`digests.plan`), records the runs missed beyond the grace period as missed,
and turns claims left pending by a stopped process into uncertain. Then it claims the rest in
batches, channel digests first: each claim writes the ledger rows in one statement, and a row another
scheduler wrote first is theirs to post, so several schedulers on PostgreSQL share the work. This
thread builds each claimed digest from the store; a pool of sender threads posts them, each in its
workspace's turn (`messages.pacing`), and this thread records each outcome. At the end, ops hear of
the run's failed and uncertain deliveries in one message (`digests.ops_report`), or, in a scheduler's
tick, in the one message sent after the SLA warnings.

Every (subscription, period) ends as sent, empty, failed, missed or uncertain. Exactly once is not
possible over Slack's Web API: `chat.postMessage` takes no idempotency key, so when the connection
is lost after a post went out, nothing tells whether Slack took it. Such a post is recorded as
uncertain and never made again (at most once), and ops are told (never silently lost).
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from slack_sdk import WebClient

from digests.ops_report import tell_ops
from digests.plan import Due, due_digests
from messages.blocks.common import Reply
from messages.pacing import Pacer
from messages.posting import PostResult, without_retries
from messages.uploads import post_with_charts
from messages.views import build_digest
from store.enums import DeliveryStatus
from store.ledger import Claim, Outcome, claim_deliveries, expire_stale_claims, finish_deliveries
from store.queries.posted import remember_message
from store.workspace import Workspace

log = logging.getLogger("delivery.digests")
DEFAULT_GRACE = timedelta(hours=2)
# A claim still pending this long after it was made belongs to a process that stopped: a live run
# posts each batch within seconds of claiming it (a 429's pause included).
STALE_AFTER = timedelta(minutes=5)
DEFAULT_SENDERS = 16
BATCH = 50


@dataclass
class RunReport:
    sent: list[str] = field(default_factory=list)
    empty: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    uncertain: list[tuple[str, str]] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    taken: list[str] = field(default_factory=list)  # claimed by another process first
    expired: int = 0  # claims of stopped processes turned uncertain
    told: int = 0  # failed and uncertain deliveries told to ops in this run's summary

    def summary(self) -> str:
        return (f"{len(self.sent)} sent, {len(self.empty)} had nothing to post, {len(self.failed)} failed, "
                f"{len(self.uncertain) + self.expired} uncertain, {len(self.missed)} missed beyond the grace "
                f"period, {len(self.taken)} already taken")

    def record(self, due: Due, outcome: Outcome) -> None:
        if outcome.status == DeliveryStatus.SENT:
            self.sent.append(due.label)
        elif outcome.status == DeliveryStatus.EMPTY:
            self.empty.append(due.label)
        elif outcome.status == DeliveryStatus.UNCERTAIN:
            self.uncertain.append((due.label, outcome.error or ""))
        else:
            self.failed.append((due.label, outcome.error or ""))
            log.warning("digest %s failed: %s", due.label, outcome.error)


def claimant() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:64]


def _claims(batch: list[Due]) -> list[Claim]:
    return [Claim(key=d.planned.key, period=d.period, digest=d.planned.digest.value,
                  channel_id=d.planned.channel_id, scheduled_for=d.run) for d in batch]


@dataclass
class _Posting:
    due: Due
    delivery_id: int
    reply: Reply


class _Run:
    """One run's claims, builds, posts and outcomes (outcomes written in batches by this thread)."""

    def __init__(self, client: WebClient, workspace: Workspace, pacer: Pacer, senders: int, report: RunReport):
        self.client = client
        self.workspace = workspace
        self.pacer = pacer
        self.report = report
        self.pool = ThreadPoolExecutor(max_workers=senders, thread_name_prefix="digest-sender")
        self.in_flight: dict[Future[PostResult], _Posting] = {}
        self.most_in_flight = senders * 4
        self.outcomes: list[Outcome] = []
        self.posted: list[tuple[_Posting, PostResult]] = []

    def claim(self, batch: list[Due]) -> list[tuple[Due, int]]:
        ids = self.workspace.change(claim_deliveries, claims=_claims(batch), claimed_by=claimant())
        claimed = []
        for due in batch:
            delivery_id = ids.get((due.planned.key, due.period))
            if delivery_id is None:
                self.report.taken.append(due.label)
            else:
                claimed.append((due, delivery_id))
        return claimed

    def build_and_send(self, due: Due, delivery_id: int) -> None:
        try:
            reply = build_digest(due.planned.digest, self.workspace, slack_user_id=due.planned.viewer,
                                 all_clear=due.planned.all_clear)
        except Exception:
            log.exception("digest %s could not be built", due.label)
            self.finish(due, Outcome(delivery_id, DeliveryStatus.FAILED, "internal error"))
            return
        if reply is None:
            self.finish(due, Outcome(delivery_id, DeliveryStatus.EMPTY))
            return
        while len(self.in_flight) >= self.most_in_flight:
            self.collect(wait(self.in_flight, return_when=FIRST_COMPLETED).done)
        posting = _Posting(due, delivery_id, reply)
        # Charts follow the post, best effort: their failure never makes the post uncertain or repeated.
        future = self.pool.submit(post_with_charts, self.client, self.pacer, due.planned.channel_id, reply,
                                  charts=due.planned.charts)
        self.in_flight[future] = posting

    def collect(self, done: set[Future[PostResult]]) -> None:
        for future in done:
            posting = self.in_flight.pop(future)
            result = future.result()
            self.finish(posting.due, Outcome(posting.delivery_id, result.status, result.error, result.ts))
            if result.status == DeliveryStatus.SENT and posting.reply.view is not None:
                self.posted.append((posting, result))

    def finish(self, due: Due, outcome: Outcome) -> None:
        self.report.record(due, outcome)
        self.outcomes.append(outcome)
        if len(self.outcomes) >= BATCH:
            self.write_outcomes()

    def write_outcomes(self) -> None:
        if self.outcomes:
            self.workspace.change(finish_deliveries, outcomes=self.outcomes)
            self.outcomes = []
        if self.posted:
            _remember(self.workspace, self.posted)
            self.posted = []

    def drain(self) -> None:
        while self.in_flight:
            self.collect(wait(self.in_flight, return_when=FIRST_COMPLETED).done)
        self.write_outcomes()
        self.pool.shutdown()


def _remember(workspace: Workspace, posted: list[tuple[_Posting, PostResult]]) -> None:
    """Keep the posted digests for live updates; they are sent either way, so a failure here is only logged."""
    def remember_all(session, ctx) -> None:
        for posting, result in posted:
            assert posting.reply.view is not None and result.channel is not None and result.ts is not None
            remember_message(session, ctx, channel_id=result.channel, ts=result.ts,
                             view=posting.reply.view.model_dump_json(), viewer_slack_user_id=posting.due.planned.viewer,
                             objects=posting.reply.shows)
    try:
        workspace.change(remember_all)
    except Exception:
        log.exception("sent %d digests but could not remember them for updates", len(posted))


def _record_missed(workspace: Workspace, missed: list[Due], grace: timedelta, report: RunReport) -> None:
    ids = workspace.change(claim_deliveries, claims=_claims(missed), claimed_by=claimant(),
                           status=DeliveryStatus.MISSED)
    for due in missed:
        if (due.planned.key, due.period) in ids:
            log.warning("skipped %s digest for %s: its %s run was missed by more than %s",
                        due.planned.digest.value, due.planned.channel_id, due.run.isoformat(), grace)
            report.missed.append(due.label)


def run_due(client: WebClient, workspace: Workspace, *, at: datetime, grace: timedelta = DEFAULT_GRACE,
            admin_channel: str | None = None, pacer: Pacer | None = None, senders: int = DEFAULT_SENDERS,
            batch: int = BATCH, on_claimed: Callable[[int], None] | None = None,
            ops_summary: bool = True) -> RunReport:
    """Send what is due at `at`; one digest's failure never stops the others. `pacer` is the
    workspace's, shared by the process (`Pacers.for_team`); without one, only Slack's per-channel
    pace and 429s hold the run back. Due digests are claimed `batch` at a time (schedulers share a run
    by batches); `on_claimed` is told how many each claim took (for tests). `ops_summary` False: the
    caller tells ops after the SLA warnings (`run_warnings`), so a tick sends them one summary."""
    client = without_retries(client)
    report = RunReport()
    # Claims are stamped with the workspace's clock, so their age is read on it too (not on `at`,
    # which an operator may set to any instant).
    report.expired = workspace.change(expire_stale_claims, claimed_before=workspace.clock.now() - STALE_AFTER)
    due = due_digests(workspace, at)
    _record_missed(workspace, [d for d in due if at - d.run > grace], grace, report)
    run = _Run(client, workspace, pacer or Pacer(per_second=None), senders, report)
    try:
        on_time = [d for d in due if at - d.run <= grace]
        for start in range(0, len(on_time), batch):
            claimed = run.claim(on_time[start:start + batch])
            if on_claimed is not None:
                on_claimed(len(claimed))
            for item, delivery_id in claimed:
                run.build_and_send(item, delivery_id)
    finally:
        run.drain()
    if ops_summary:
        report.told = tell_ops(client, workspace, admin_channel)
    return report
