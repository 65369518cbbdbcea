"""Posting SLA warnings: what each scheduler tick does after the digests (and `digest run-due`).

The store claims every threshold crossed since the last tick (store.sla: from the marks' index, one
ledger row per ticket and threshold, committed before anything is posted). Each claimed warning then
goes to its places: at the first thresholds a DM to the ticket's owner (unowned: the service's lead),
at the last one before the breach the owner and the lead, at the breach the channels subscribed to
`sla-warnings` (none subscribed: the owner and the lead). A DM that would land in its reader's quiet
hours (their own time zone), or about a service they muted, is held instead: kept for their next
personal digest and `/delivery at-risk`. A channel gets at most DELIVERY_CHANNEL_WARNINGS_PER_HOUR warning
posts in a clock hour: the rest roll into one summary message for that hour, posted once and updated in
place as more come. A ticket has one message per place: a
place it was posted to before gets that message updated in place (`chat.update`), so a DM that said
50% says 75%, then breached. Posts are made once, in the workspace's turn (messages.pacing), with the
digests' rules: an answer lost on the way is uncertain and never posted again.

Then the tick draws again, once, the messages of the tickets resolved since any other way than a click
in Slack (a CSV import, a script: the click draws its own), so they say resolved and lose their
buttons. Last, ops hear of the warnings that failed or may not have arrived, with the tick's digests'
failures, in one summary (digests.ops_report).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple

from slack_sdk import WebClient

from digests.ops_report import tell_ops
from digests.redraw import redraw_showing
from digests.runner import claimant
from messages.blocks.common import Reply
from messages.ids import ViewKind, ViewRef
from messages.pacing import Pacer
from messages.posting import PostResult, post_digest, update_in_place, without_retries
from messages.views import show_now
from store.digests import alert_channels
from store.enums import AlertKind, DeliveryStatus
from store.queries.posted import message_of_view, messages_of_kind_showing, posts_of_kind_since, remember_message
from store.queries.sla import sla_warnings
from store.readmodels.messages import PostedMessageRef
from store.readmodels.sla import SlaWarningView
from store.rules.sla import BREACH, HoldReason
from store.sla import (
    Crossing,
    HoldFacts,
    WarningOutcome,
    claim_crossings,
    expire_stale_warnings,
    finish_warnings,
    hold_facts,
    record_held,
    take_resolved,
)
from store.workspace import Workspace

log = logging.getLogger("delivery.warnings")
# A warning still pending this long after its claim belongs to a process that stopped.
STALE_AFTER = timedelta(minutes=5)
# Worse outcomes first: a warning's outcome is the worst of its places'.
SEVERITY = (DeliveryStatus.UNCERTAIN, DeliveryStatus.FAILED, DeliveryStatus.SENT, DeliveryStatus.HELD,
            DeliveryStatus.EMPTY)


@dataclass
class WarningReport:
    sent: list[str] = field(default_factory=list)  # "ticket <id> at <level>%"
    empty: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    uncertain: list[tuple[str, str]] = field(default_factory=list)
    posts: int = 0  # new messages
    updates: int = 0  # messages updated in place
    held: int = 0  # DMs not sent (quiet hours, muted): listed in digests and at-risk instead
    expired: int = 0
    redrawn: int = 0  # tickets resolved since (not by a click) whose messages now say so
    told: int = 0  # failed and uncertain digests and warnings told to ops in this tick's summary

    def summary(self) -> str:
        return (f"{len(self.sent)} SLA warnings sent ({self.posts} posted, {self.updates} updated in place, "
                f"{self.held} held for quiet hours or a mute), "
                f"{len(self.empty)} with nobody to tell, {len(self.failed)} failed, "
                f"{len(self.uncertain) + self.expired} uncertain, "
                f"{self.redrawn} resolved tickets' warnings drawn again, {self.told} problems told to ops")

    def record(self, crossing: Crossing, outcome: WarningOutcome) -> None:
        label = f"ticket {crossing.ticket_id} at {crossing.level}%"
        if outcome.status in (DeliveryStatus.SENT, DeliveryStatus.HELD):
            self.sent.append(label)
        elif outcome.status == DeliveryStatus.EMPTY:
            self.empty.append(label)
        elif outcome.status == DeliveryStatus.UNCERTAIN:
            self.uncertain.append((label, outcome.error or ""))
        else:
            self.failed.append((label, outcome.error or ""))
            log.warning("SLA warning for %s failed: %s", label, outcome.error)


class Place(NamedTuple):
    """Where a warning goes: a person's DM (their Slack user id) or a channel."""

    id: str
    dm: bool


def places_for(level: int, view: SlaWarningView, levels: tuple[int, ...], channels: list[str]) -> list[Place]:
    """Who is told of a crossing, without repeats."""
    if level >= BREACH and channels:
        return [Place(channel, dm=False) for channel in dict.fromkeys(channels)]
    owner = view.owner.slack_user_id if view.owner else None
    lead = view.lead.slack_user_id if view.lead else None
    people = [owner, lead] if level >= BREACH or level == levels[-1] else [owner or lead]
    return [Place(person, dm=True) for person in dict.fromkeys(people) if person]


def _place_of(message: PostedMessageRef) -> str:
    """A remembered warning's place: the person a DM was for, else the channel."""
    return message.viewer_slack_user_id or message.channel_id


class _Sending:
    """One tick's warnings: each rendered once, posted to its new places and updated where it was."""

    def __init__(self, client: WebClient, workspace: Workspace, pacer: Pacer, report: WarningReport,
                 holds: HoldFacts, channel_posts: dict[str, int]):
        self.client = client
        self.workspace = workspace
        self.pacer = pacer
        self.report = report
        self.holds = holds
        self.context = workspace.context()
        self.held: list[tuple[int, int, str, HoldReason]] = []
        self.channel_posts = channel_posts  # this clock hour's warning posts so far, by channel
        self.rolled_into: set[str] = set()  # channels whose hour's summary must be posted or updated

    def send(self, crossing: Crossing, view: SlaWarningView | None, channels: list[str],
             posted: list[PostedMessageRef]) -> WarningOutcome:
        if view is None or view.resolved_at is not None:
            return WarningOutcome(crossing.warning_id, DeliveryStatus.EMPTY, "resolved before it was posted")
        reply = show_now(self.workspace, ViewRef(k=ViewKind.SLA_WARNING, t=crossing.ticket_id)).reply
        where = {_place_of(message): message for message in posted}
        results = [self._update(message, reply) for message in where.values()]
        for place in places_for(crossing.level, view, view.levels, channels):
            if place.id in where:
                continue
            held = self.holds.reason(self.context, place.id, view.service_id) if place.dm else self._over_budget(place)
            if held is None:
                results.append(self._post(place.id, reply))
                if not place.dm:
                    self.channel_posts[place.id] = self.channel_posts.get(place.id, 0) + 1
            else:  # listed in their next digest and in at-risk instead
                self.held.append((crossing.ticket_id, crossing.level, place.id, held))
                self.report.held += 1
                results.append(PostResult(DeliveryStatus.HELD))
        if not results:
            return WarningOutcome(crossing.warning_id, DeliveryStatus.EMPTY, "no owner, lead or channel to tell")
        worst = min(results, key=lambda result: SEVERITY.index(result.status))
        return WarningOutcome(crossing.warning_id, worst.status, worst.error)

    def _over_budget(self, place: Place) -> HoldReason | None:
        if self.channel_posts.get(place.id, 0) < self.context.sla.channel_posts_per_hour:
            return None
        self.rolled_into.add(place.id)
        return HoldReason.ROLLED_UP

    def summarise(self, hour: datetime) -> None:
        """Post, or update in place, the hour's summary in each channel that had warnings past its budget."""
        for channel in sorted(self.rolled_into):
            ref = ViewRef(k=ViewKind.SLA_ROLLUP, c=channel, h=int(hour.timestamp()) // 3600)
            reply = show_now(self.workspace, ref).reply
            posted = self.workspace.read(message_of_view, channel_id=channel, view=ref.model_dump_json())
            result = self._update(posted, reply) if posted is not None else self._post(channel, reply)
            if result.status != DeliveryStatus.SENT:
                log.warning("the SLA warnings' summary for %s was not posted: %s", channel, result.error)

    def _post(self, place: str, reply: Reply) -> PostResult:
        result = post_digest(self.client, self.pacer, place, reply)
        if result.status == DeliveryStatus.SENT and result.channel and result.ts and reply.view is not None:
            self.report.posts += 1
            self._remember(place, result.channel, result.ts, reply)
        return result

    def _remember(self, place: str, channel: str, ts: str, reply: Reply) -> None:
        """Kept for updates in place; the warning was sent either way, so a failure here is only logged."""
        assert reply.view is not None
        viewer = place if place != channel else None  # a DM's place is the person, its channel a D… id
        try:
            self.workspace.change(remember_message, channel_id=channel, ts=ts, view=reply.view.model_dump_json(),
                                  viewer_slack_user_id=viewer, objects=reply.shows)
        except Exception:
            log.exception("posted an SLA warning to %s but could not remember it for updates", place)

    def _update(self, message: PostedMessageRef, reply: Reply) -> PostResult:
        result = update_in_place(self.client, message.channel_id, message.ts, reply)
        if result.status == DeliveryStatus.SENT:
            self.report.updates += 1
        return result


def redraw_resolved(client: WebClient, workspace: Workspace, report: WarningReport) -> None:
    """Draw again from the database, once, every remembered warning of the tickets resolved since any
    other way than a click in Slack (store.sla.take_resolved: a few a tick, so a large import is drawn
    over several ticks). `client` may retry: an update is safe to repeat. A message that still cannot
    be updated keeps its old text and is logged: its buttons answer that the ticket is resolved."""
    tickets = workspace.change(take_resolved)
    if tickets:
        report.redrawn, _updated = redraw_showing(client, workspace, ViewKind.SLA_WARNING, "ticket", tickets,
                                                  lambda ticket_id: ViewRef(k=ViewKind.SLA_WARNING, t=ticket_id))


def run_warnings(client: WebClient, workspace: Workspace, *, pacer: Pacer | None = None,
                 admin_channel: str | None = None) -> WarningReport:
    """Claim and send every SLA warning due now (the workspace's clock); one warning's failure never
    stops the others. Then draw again the warnings of tickets resolved since, and tell ops (in
    `admin_channel`, else each ops person by DM) of the warnings and digests that failed or may not have
    arrived, in one summary, even when the rest of the tick failed."""
    report = WarningReport()
    try:
        _send_due(client, workspace, pacer or Pacer(per_second=None), report)
        redraw_resolved(client, workspace, report)
    finally:
        report.told = tell_ops(without_retries(client), workspace, admin_channel)
    return report


def _send_due(client: WebClient, workspace: Workspace, pacer: Pacer, report: WarningReport) -> None:
    report.expired = workspace.change(expire_stale_warnings, claimed_before=workspace.clock.now() - STALE_AFTER)
    crossings = workspace.change(claim_crossings, claimed_by=claimant())
    if not crossings:
        return
    ids = [crossing.ticket_id for crossing in crossings]
    views = workspace.read(sla_warnings, ticket_ids=ids)
    channels = workspace.read(alert_channels, kind=AlertKind.SLA_WARNINGS)
    posted = workspace.read(messages_of_kind_showing, view_kind=ViewKind.SLA_WARNING.value, object_type="ticket",
                            object_ids=ids)
    people = [p.slack_user_id for v in views.values() for p in (v.owner, v.lead) if p and p.slack_user_id]
    holds = workspace.read(hold_facts, slack_user_ids=people,
                           service_ids=[v.service_id for v in views.values() if v.service_id is not None])
    hour = workspace.clock.now().replace(minute=0, second=0, microsecond=0)
    channel_posts = workspace.read(posts_of_kind_since, view_kind=ViewKind.SLA_WARNING.value, channels=channels,
                                   since=hour)
    sending = _Sending(without_retries(client), workspace, pacer, report, holds, channel_posts)
    outcomes = []
    for crossing in crossings:
        try:
            outcome = sending.send(crossing, views.get(crossing.ticket_id), channels,
                                   posted.get(crossing.ticket_id, []))
        except Exception:
            log.exception("SLA warning for ticket %s could not be sent", crossing.ticket_id)
            outcome = WarningOutcome(crossing.warning_id, DeliveryStatus.FAILED, "internal error")
        report.record(crossing, outcome)
        outcomes.append(outcome)
    workspace.change(finish_warnings, outcomes=outcomes)
    if sending.held:
        workspace.change(record_held, held=sending.held)
    sending.summarise(hour)
