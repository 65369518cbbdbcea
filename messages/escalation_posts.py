"""Posting an escalation step, for both ways a step is taken: the ladder on the scheduler's tick
(digests/escalations.py) and "Escalate now" from a click (handlers/deliverable_follow.py).

An episode (one deliverable's blocked spell) has one message per place: a step goes to its places that have
no message of the episode yet, and a place told before (a lead who owns the deliverable) has its message drawn
again instead. Posts are made once, in the workspace's turn, with the digests' rules (messages.posting): an
answer lost on the way is uncertain and never posted again. Each post is remembered for updates in place.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from slack_sdk import WebClient

from messages.blocks.common import Reply
from messages.ids import ViewKind, ViewRef
from messages.pacing import Pacer
from messages.posting import PostResult, post_digest, update_in_place, without_retries
from messages.views import show_now
from store.enums import DeliveryStatus
from store.escalations import StepOutcome
from store.queries.posted import messages_of_kind_showing, remember_message
from store.readmodels.escalations import StepClaim
from store.readmodels.messages import PostedMessageRef
from store.workspace import Workspace

log = logging.getLogger("delivery.escalations")
# Worse outcomes first: a step's outcome is the worst of its places'.
SEVERITY = (DeliveryStatus.UNCERTAIN, DeliveryStatus.FAILED, DeliveryStatus.SENT)


def place_of(message: PostedMessageRef) -> str:
    """A remembered message's place: the person a DM was for, else the channel."""
    return message.viewer_slack_user_id or message.channel_id


def ref_of(message: PostedMessageRef) -> ViewRef:
    return ViewRef.model_validate_json(message.view)


def worst(results: list[PostResult]) -> PostResult:
    return min(results, key=lambda result: SEVERITY.index(result.status)) if results \
        else PostResult(DeliveryStatus.SENT)


@dataclass
class EscalationPoster:
    """Posts and draws again the messages of escalation episodes, counting both."""

    client: WebClient
    workspace: Workspace
    pacer: Pacer
    posts: int = 0
    updates: int = 0

    @classmethod
    def of(cls, client: WebClient, workspace: Workspace, pacer: Pacer | None = None) -> EscalationPoster:
        """A poster whose client never retries by itself (a lost answer must not post twice)."""
        return cls(without_retries(client), workspace, pacer or Pacer(per_second=None))

    def posted_showing(self, kind: ViewKind, deliverable_ids: list[int]) -> dict[int, list[PostedMessageRef]]:
        return self.workspace.read(messages_of_kind_showing, view_kind=kind.value, object_type="deliverable",
                                   object_ids=deliverable_ids)

    def post(self, place: str, reply: Reply) -> PostResult:
        result = post_digest(self.client, self.pacer, place, reply)
        if result.status == DeliveryStatus.SENT and result.channel and result.ts and reply.view is not None:
            self.posts += 1
            try:  # kept for updates in place; it was posted either way
                self.workspace.change(remember_message, channel_id=result.channel, ts=result.ts,
                                      view=reply.view.model_dump_json(),
                                      viewer_slack_user_id=place if place != result.channel else None,
                                      objects=reply.shows)
            except Exception:
                log.exception("posted %s to %s but could not remember it", reply.view.k, place)
        return result

    def redraw(self, message: PostedMessageRef) -> PostResult:
        """Draw a remembered message again from the database, as the view it was posted as."""
        result = update_in_place(self.client, message.channel_id, message.ts,
                                 show_now(self.workspace, ref_of(message)).reply)
        if result.status == DeliveryStatus.SENT:
            self.updates += 1
        else:
            log.warning("an escalation message in %s was not drawn again: %s", message.channel_id, result.error)
        return result

    def step(self, claim: StepClaim, posted: list[PostedMessageRef] | None = None, *,
             redraw_others: bool = True) -> StepOutcome:
        """Post a claimed step where its episode has no message yet, and draw again the messages of the places
        told before (the step's outcome counts those), then, with `redraw_others`, the episode's other messages
        (a click draws those with everything else showing the deliverable)."""
        if posted is None:
            posted = self.posted_showing(ViewKind.ESCALATION, [claim.deliverable_id]).get(claim.deliverable_id, [])
        episode = [message for message in posted if ref_of(message).es in claim.episode]
        where = {place_of(message) for message in episode}
        reply = show_now(self.workspace, ViewRef(k=ViewKind.ESCALATION, es=claim.step_id)).reply
        results = [self.post(place.id, reply) for place in claim.places if place.id not in where]
        told_before = {place.id for place in claim.places} & where
        results += [self.redraw(message) for message in episode if place_of(message) in told_before]
        if redraw_others:
            for message in episode:
                if place_of(message) not in told_before:
                    self.redraw(message)
        outcome = worst(results)
        return StepOutcome(claim.step_id, outcome.status, outcome.error)
