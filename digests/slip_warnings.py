"""Telling a service's lead that a milestone is forecast to slip: what each scheduler tick does after the
SLA warnings (and `digest run-due`).

The store claims the new slips and moves on the warnings whose forecast moved (store.slip_warnings),
in one transaction committed before anything is posted. Each claim is a DM to the lead, posted once in
the workspace's turn (messages.pacing) with the digests' rules (an answer lost on the way is uncertain
and never posted again) and remembered, so that each later move of the forecast draws that same
message again in place (`chat.update`): other dates, back on schedule, overdue, done.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from slack_sdk import WebClient

from digests.redraw import redraw_showing
from digests.runner import claimant
from messages.ids import ViewKind, ViewRef
from messages.pacing import Pacer
from messages.posting import PostResult, post_digest, without_retries
from messages.views import show_now
from store.enums import DeliveryStatus
from store.queries.posted import remember_message
from store.slip_warnings import (
    SlipClaim,
    SlipOutcome,
    claim_slip_work,
    expire_stale_slip_warnings,
    finish_slip_warnings,
)
from store.workspace import Workspace

log = logging.getLogger("delivery.warnings")
STALE_AFTER = timedelta(minutes=5)


@dataclass
class SlipReport:
    sent: list[int] = field(default_factory=list)  # milestone ids
    failed: list[tuple[int, str]] = field(default_factory=list)
    uncertain: list[tuple[int, str]] = field(default_factory=list)
    updated: int = 0
    waiting: int = 0  # forecast to slip, their lead in quiet hours or muted: told later
    expired: int = 0

    def summary(self) -> str:
        return (f"{len(self.sent)} slip warnings posted, {self.updated} updated in place, {self.waiting} waiting "
                f"for their lead's quiet hours or mute to end, {len(self.failed)} failed, "
                f"{len(self.uncertain) + self.expired} uncertain")

    @property
    def worth_logging(self) -> bool:
        return bool(self.sent or self.updated or self.failed or self.uncertain or self.expired)


def _ref(milestone_id: int) -> ViewRef:
    return ViewRef(k=ViewKind.SLIP_WARNING, ms=milestone_id)


def _post(client: WebClient, workspace: Workspace, pacer: Pacer, claim: SlipClaim) -> PostResult:
    reply = show_now(workspace, _ref(claim.milestone_id)).reply
    result = post_digest(client, pacer, claim.lead, reply)
    if result.status == DeliveryStatus.SENT and result.channel and result.ts and reply.view is not None:
        try:  # kept for updates in place; the warning was sent either way
            workspace.change(remember_message, channel_id=result.channel, ts=result.ts,
                             view=reply.view.model_dump_json(), viewer_slack_user_id=claim.lead, objects=reply.shows)
        except Exception:
            log.exception("posted the slip warning of milestone %s but could not remember it", claim.milestone_id)
    return result


def run_slip_warnings(client: WebClient, workspace: Workspace, *, pacer: Pacer | None = None) -> SlipReport:
    """Tell the leads of the milestones newly forecast to slip, and draw again the warnings whose forecast
    moved; one warning's failure never stops the others."""
    report = SlipReport()
    report.expired = workspace.change(expire_stale_slip_warnings,
                                      claimed_before=workspace.clock.now() - STALE_AFTER)
    work = workspace.change(claim_slip_work, claimed_by=claimant())
    report.waiting = work.waiting
    single = without_retries(client)
    outcomes = []
    for claim in work.claimed:
        try:
            result = _post(single, workspace, pacer or Pacer(per_second=None), claim)
        except Exception:
            log.exception("slip warning of milestone %s could not be sent", claim.milestone_id)
            result = PostResult(DeliveryStatus.FAILED, "internal error")
        outcomes.append(SlipOutcome(claim.milestone_id, result.status, result.error))
        if result.status == DeliveryStatus.SENT:
            report.sent.append(claim.milestone_id)
        elif result.status == DeliveryStatus.UNCERTAIN:
            report.uncertain.append((claim.milestone_id, result.error or ""))
        else:
            report.failed.append((claim.milestone_id, result.error or ""))
    workspace.change(finish_slip_warnings, outcomes=outcomes)
    if work.moved:
        _drawn, report.updated = redraw_showing(single, workspace, ViewKind.SLIP_WARNING, "milestone", work.moved,
                                                _ref)
    return report
