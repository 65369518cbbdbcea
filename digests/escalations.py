"""Following blocked deliverables through: what each scheduler tick does after the digests and the warnings
(and `digest run-due`).

First the escalation ladder (store.escalations): every step due now is claimed in one transaction committed
before anything is posted (one ledger row per deliverable, blocked episode and step). Each claimed step goes
to its places: step 1 its owner's DM, step 2 the service's lead's, step 3 the channels subscribed to
`escalations`. An episode has one message per place: a place told before (a lead who owns the deliverable)
has its message drawn again, and every other message of the episode is drawn again too, so each says the
ladder's latest step. Posts are made once, in the workspace's turn (messages.pacing), with the digests' rules:
an answer lost on the way is uncertain and never posted again.

Then the messages of the episodes that ended since any other way than a click in Slack (an import, a
script: the click draws its own) are drawn again once, saying so and losing their buttons.

Last, the snoozes that ended (store.escalations): each claimed once before posting, its owner told by DM
that the deliverable is back (a message drawn again after later changes), and its escalation messages drawn
again; the ladder goes on from where it waited.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from slack_sdk import WebClient

from digests.runner import claimant
from messages.escalation_posts import EscalationPoster
from messages.ids import ViewKind, ViewRef
from messages.pacing import Pacer
from messages.posting import without_retries
from messages.views import show_now
from store.enums import DeliveryStatus
from store.escalations import (
    ReturnOutcome,
    StepOutcome,
    claim_due_steps,
    claim_returns,
    expire_stale_returns,
    expire_stale_steps,
    finish_returns,
    finish_steps,
    take_ended,
)
from store.readmodels.escalations import ReturnClaim
from store.workspace import Workspace

log = logging.getLogger("delivery.escalations")
# A claim still pending this long after it was made belongs to a process that stopped.
STALE_AFTER = timedelta(minutes=5)


@dataclass
class EscalationReport:
    sent: list[str] = field(default_factory=list)  # "deliverable <id> step <n>"
    failed: list[tuple[str, str]] = field(default_factory=list)
    uncertain: list[tuple[str, str]] = field(default_factory=list)
    empty: int = 0  # steps taken with nobody to tell (recorded, audited)
    waiting: int = 0  # due, their reader in quiet hours: taken at a later tick
    posts: int = 0
    updates: int = 0
    ended: int = 0  # deliverables unblocked since (not by a click) whose messages now say so
    returned: list[int] = field(default_factory=list)  # deliverables whose snooze ended: owner told
    expired: int = 0

    def summary(self) -> str:
        return (f"{len(self.sent)} escalation steps sent ({self.posts} posted, {self.updates} updated in place), "
                f"{self.empty} with nobody to tell, {self.waiting} waiting for quiet hours to end, "
                f"{len(self.failed)} failed, {len(self.uncertain) + self.expired} uncertain, "
                f"{self.ended} unblocked deliverables' escalations drawn again, "
                f"{len(self.returned)} snoozes back")

    @property
    def worth_logging(self) -> bool:
        return bool(self.sent or self.failed or self.uncertain or self.expired or self.empty or self.ended
                    or self.returned)

    def record(self, label: str, status: DeliveryStatus, error: str | None) -> None:
        if status == DeliveryStatus.SENT:
            self.sent.append(label)
        elif status == DeliveryStatus.UNCERTAIN:
            self.uncertain.append((label, error or ""))
        else:
            self.failed.append((label, error or ""))
            log.warning("%s failed: %s", label, error)


class _Sending(EscalationPoster):
    """The tick's poster: it also tells owners their snoozed deliverables are back."""

    def give_back(self, claim: ReturnClaim) -> ReturnOutcome:
        """Tell the owner the snoozed deliverable is back; its escalation messages say it is no longer snoozed."""
        result = self.post(claim.place, show_now(self.workspace, ViewRef(k=ViewKind.SNOOZE_RETURN,
                                                                         d=claim.deliverable_id)).reply)
        for message in self.posted_showing(ViewKind.ESCALATION, [claim.deliverable_id]).get(claim.deliverable_id, []):
            self.redraw(message)
        return ReturnOutcome(claim.deliverable_id, claim.until, result.status, result.error)


def _climb(sending: _Sending, workspace: Workspace, report: EscalationReport) -> None:
    work = workspace.change(claim_due_steps, claimed_by=claimant())
    report.empty, report.waiting = work.empty, work.waiting
    if not work.claimed:
        return
    posted = sending.posted_showing(ViewKind.ESCALATION, [claim.deliverable_id for claim in work.claimed])
    outcomes = []
    for claim in work.claimed:
        try:
            outcome = sending.step(claim, posted.get(claim.deliverable_id, []))
        except Exception:
            log.exception("escalation step %s could not be sent", claim.step_id)
            outcome = StepOutcome(claim.step_id, DeliveryStatus.FAILED, "internal error")
        report.record(f"deliverable {claim.deliverable_id} step {claim.step}", outcome.status, outcome.error)
        outcomes.append(outcome)
    workspace.change(finish_steps, outcomes=outcomes)


def redraw_ended(sending: _Sending, workspace: Workspace, report: EscalationReport) -> None:
    """Draw again, once, the escalation messages (and snooze returns) of the deliverables no longer blocked in
    the episode they showed, unblocked any other way than a click in Slack: a few a tick."""
    ended = workspace.change(take_ended)
    if not ended:
        return
    for kind in (ViewKind.ESCALATION, ViewKind.SNOOZE_RETURN):
        posted = sending.posted_showing(kind, ended)
        for deliverable_id in ended:
            for message in posted.get(deliverable_id, []):
                try:
                    sending.redraw(message)
                except Exception:
                    log.exception("a message of deliverable %s could not be drawn again", deliverable_id)
    report.ended += len(ended)


def _give_back(sending: _Sending, workspace: Workspace, report: EscalationReport) -> None:
    work = workspace.change(claim_returns, claimed_by=claimant())
    report.empty += work.empty
    report.waiting += work.waiting
    outcomes = []
    for claim in work.claimed:
        try:
            outcome = sending.give_back(claim)
        except Exception:
            log.exception("the return of deliverable %s's snooze could not be sent", claim.deliverable_id)
            outcome = ReturnOutcome(claim.deliverable_id, claim.until, DeliveryStatus.FAILED, "internal error")
        if outcome.status == DeliveryStatus.SENT:
            report.returned.append(claim.deliverable_id)
        else:
            report.record(f"deliverable {claim.deliverable_id} back from snooze", outcome.status, outcome.error)
        outcomes.append(outcome)
    workspace.change(finish_returns, outcomes=outcomes)


def run_escalations(client: WebClient, workspace: Workspace, *, pacer: Pacer | None = None) -> EscalationReport:
    """Take every escalation step due now (the workspace's clock), draw again the escalations of deliverables
    unblocked since, and bring back the snoozes that ended; one failure never stops the others."""
    report = EscalationReport()
    now = workspace.clock.now()
    report.expired = (workspace.change(expire_stale_steps, claimed_before=now - STALE_AFTER)
                      + workspace.change(expire_stale_returns, claimed_before=now - STALE_AFTER))
    sending = _Sending(without_retries(client), workspace, pacer or Pacer(per_second=None))
    for part in (_climb, redraw_ended, _give_back):
        try:
            part(sending, workspace, report)
        except Exception:
            log.exception("escalations: %s failed", part.__name__.strip("_"))
    report.posts, report.updates = sending.posts, sending.updates
    return report
