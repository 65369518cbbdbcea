"""Reallocation proposals from Slack (issue 21): proposing from the Find help modal, and Approve / Decline
from the proposal's message, each through the one change flow (handlers/change_flow.py).

A proposal goes by DM to each person asked to decide it (store.rules.reallocation), each message
remembered so that the decision draws every copy again in place, with the outcome and without buttons.
Then everyone involved is told: the one who clicked, the proposer, and (approved) the person moved.
"""

from __future__ import annotations

import logging
from datetime import date

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from handlers.change_flow import Asked, apply_change, checked
from handlers.rerender import Origin, tell
from messages.blocks.common import is_slack_id
from messages.blocks.help import decided_note, joined_note, outcome_note, proposed_note
from messages.ids import ReallocationChoice, ReallocationValue, ViewKind, ViewRef
from messages.views import show_now
from store.changes.reallocation import ProposalMade, decide_reallocation, propose_reallocation
from store.enums import ProposalStatus
from store.queries.posted import remember_message
from store.readmodels import PersonRef
from store.workspace import Workspace

log = logging.getLogger("delivery.reallocation")
ASK_DOING = "ask for help on this service"


def proposal_ref(proposal_id: int) -> ViewRef:
    return ViewRef(k=ViewKind.REALLOCATION, p=proposal_id)


def dm(client: WebClient, slack_user_id: str | None, text: str) -> None:
    """A note by DM; a failure is logged (the change is made either way). An id a CSV set malformed is
    no one Slack could reach: left alone."""
    if slack_user_id is None or not is_slack_id(slack_user_id):
        return
    try:
        client.chat_postMessage(channel=slack_user_id, text=text)
    except SlackApiError as error:
        log.warning("could not tell %s: %s", slack_user_id, error.response.get("error"))


def post_proposal(client: WebClient, workspace: Workspace, made: ProposalMade) -> list[PersonRef]:
    """The proposal's Approve / Decline message to each person asked, remembered for its redraw; whom it
    reached. One failure never stops the others."""
    reached = []
    for person in made.asked:
        if person.slack_user_id is None or not is_slack_id(person.slack_user_id):
            continue
        reply = show_now(workspace, proposal_ref(made.proposal_id), person.slack_user_id).reply
        try:
            posted = client.chat_postMessage(channel=person.slack_user_id, text=reply.text,
                                             blocks=reply.block_dicts())
        except SlackApiError as error:
            log.warning("proposal %s not sent to %s: %s", made.proposal_id, person.slack_user_id,
                        error.response.get("error"))
            continue
        reached.append(person)
        if reply.view is not None:
            workspace.change(remember_message, channel_id=posted["channel"], ts=posted["ts"],
                             view=reply.view.model_dump_json(), viewer_slack_user_id=person.slack_user_id,
                             objects=reply.shows)
    return reached


def propose(client: WebClient, workspace: Workspace, origin: Origin, shown_in: ViewRef, *, service_id: int,
            person_id: int, hours_per_week: float, until: date, note: str | None) -> None:
    """Make the proposal (or say why not), send it to those asked, and tell the proposer."""
    asked = Asked(client, workspace, origin, shown_in, doing=ASK_DOING)
    made = checked(asked, lambda: workspace.change(
        propose_reallocation, actor_slack_user_id=origin.user_id, service_id=service_id, person_id=person_id,
        hours_per_week=hours_per_week, ends_on=until, note=note))
    if made is None:
        return
    tell(client, origin, proposed_note(made, post_proposal(client, workspace, made)))


def decide(client: WebClient, workspace: Workspace, origin: Origin, value: ReallocationValue) -> None:
    """Approve or decline from the proposal's message, through the change flow (which draws again every
    copy of the message and the service's), then tell the proposer and, approved, the person moved."""
    approve = value.d == ReallocationChoice.APPROVE
    asked = Asked(client, workspace, origin, proposal_ref(value.p),
                  doing=f"{'approve' if approve else 'decline'} this reallocation")
    applied = apply_change(asked, lambda: workspace.change(
        decide_reallocation, actor_slack_user_id=origin.user_id, proposal_id=value.p, version=value.v,
        approve=approve))
    if applied is None:
        return
    tell(client, origin, decided_note(applied, workspace.tz))
    decided_by = None if applied.status == ProposalStatus.EXPIRED else origin.user_id
    proposer = applied.proposed_by.slack_user_id if applied.proposed_by else None
    if proposer != origin.user_id:
        dm(client, proposer, outcome_note(applied, decided_by, workspace.tz))
    if applied.status == ProposalStatus.APPROVED and applied.person.slack_user_id not in (origin.user_id, proposer):
        dm(client, applied.person.slack_user_id, joined_note(applied, origin.user_id, workspace.tz))
