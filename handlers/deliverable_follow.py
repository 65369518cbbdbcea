"""A blocked deliverable's follow-ups from any surface (its row's menu, its escalation message's buttons, and
their modals): snooze it, or escalate it now. Both through the one change flow (handlers/change_flow.py).

"Escalate now" claims the next step in the ladder's ledger in its change's transaction, then posts it here
at once, to each place that has no message of the episode yet (one message per place: a place told before
has its message drawn again), remembers each post for updates in place, records how the step ended, and
draws again every message showing the deliverable. A post that fails is recorded so (the card says it could
not be posted); one whose answer was lost is uncertain and never posted again.
"""

from __future__ import annotations

import logging
from datetime import datetime

from slack_sdk import WebClient

from handlers.change_flow import PROBLEMS, Asked, apply_change, explain, show_change
from handlers.rerender import Origin, tell
from messages.blocks.common import escape, time_token, user_mention
from messages.escalation_posts import EscalationPoster
from messages.ids import DeliverableFollowValue, FollowAction
from store.changes.deliverables import ESCALATED, escalate_deliverable, snooze_deliverable
from store.enums import DeliveryStatus
from store.escalations import StepOutcome, finish_steps
from store.readmodels.escalations import StepClaim
from store.rules.escalation import Rung, rung_of
from store.workspace import Workspace

log = logging.getLogger("delivery.escalations")

VERBS = {FollowAction.SNOOZE: "snooze this deliverable", FollowAction.ESCALATE: "escalate this deliverable"}
DOING = {FollowAction.SNOOZE: "snoozed", FollowAction.ESCALATE: ESCALATED}


def asked_about(client: WebClient, workspace: Workspace, origin: Origin, value: DeliverableFollowValue) -> Asked:
    return Asked(client, workspace, origin, value.w, doing=VERBS[value.a])


def apply_snooze(client: WebClient, workspace: Workspace, origin: Origin, value: DeliverableFollowValue, *,
                 until: datetime, reason: str) -> None:
    """Snooze it and make every message showing it true again, or say why nothing changed."""
    asked = asked_about(client, workspace, origin, value)
    apply_change(asked, lambda: workspace.change(
        snooze_deliverable, actor_slack_user_id=origin.user_id, deliverable_id=value.d, version=value.v, until=until,
        reason=reason), done=f":zzz: Snoozed until {time_token(until)}. It is left out of the at-risk digest and "
                              "its escalation waits until then; its owner hears when it comes back.")


def post_step(client: WebClient, workspace: Workspace, claim: StepClaim) -> StepOutcome:
    """Post a claimed step to its places that have no message of its episode yet, and record how it ended."""
    outcome = EscalationPoster.of(client, workspace).step(claim, redraw_others=False)
    workspace.change(finish_steps, outcomes=[outcome])
    return outcome


def _escalated_text(claim: StepClaim, outcome: StepOutcome) -> str:
    rung = rung_of(claim.step)
    to = ("the channels subscribed to escalations" if rung == Rung.CHANNELS
          else ", ".join(user_mention(place.id) for place in claim.places))
    if outcome.status == DeliveryStatus.SENT:
        return f":arrow_up: Escalated to {to} (step {claim.step}: {rung.words})."
    if outcome.status == DeliveryStatus.UNCERTAIN:
        return (f":warning: Escalated to {to}, but Slack did not answer: it may not have arrived, and is not "
                "posted again.")
    return (f":warning: The escalation to {to} was recorded but could not be posted "
            f"(`{escape(outcome.error or 'error')}`). Its history says so.")


def apply_escalation(client: WebClient, workspace: Workspace, origin: Origin, value: DeliverableFollowValue, *,
                     note: str) -> None:
    """Take the next step now: claim it (one transaction), post it, say where it went, draw every message
    showing the deliverable again; or say why nothing changed."""
    asked = asked_about(client, workspace, origin, value)
    try:
        applied = workspace.change(escalate_deliverable, actor_slack_user_id=origin.user_id, deliverable_id=value.d,
                                   version=value.v, note=note)
    except PROBLEMS as problem:
        explain(asked, problem)
        return
    try:
        outcome = post_step(client, workspace, applied.claim)
    except Exception:
        log.exception("escalation step %s could not be posted", applied.claim.step_id)
        outcome = StepOutcome(applied.claim.step_id, DeliveryStatus.FAILED, "internal error")
        workspace.change(finish_steps, outcomes=[outcome])
    tell(client, origin, _escalated_text(applied.claim, outcome))
    show_change(asked, applied)
