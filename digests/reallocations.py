"""Reallocation proposals nobody decided in time (issue 21): what each scheduler tick does after the SLA
warnings. The store marks them expired (store.changes.reallocation.expire_reallocations: nothing else
changes, in one transaction committed before anything is posted); then every remembered Approve / Decline
message of theirs is drawn again in place, saying so and without buttons, and each proposer is told by DM.
A click on a proposal that expired before the tick reached it is answered the same way (the change marks it).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from messages.blocks.common import is_slack_id
from messages.blocks.help import expired_note
from messages.ids import ViewKind, ViewRef
from messages.posting import update_in_place
from messages.views import show_now
from store.changes.reallocation import expire_reallocations
from store.enums import DeliveryStatus
from store.queries.posted import messages_of_kind_showing
from store.workspace import Workspace

log = logging.getLogger("delivery.reallocation")


@dataclass
class ExpiryReport:
    expired: int = 0
    updated: int = 0  # messages drawn again
    told: int = 0  # proposers told

    @property
    def worth_logging(self) -> bool:
        return bool(self.expired)

    def summary(self) -> str:
        return (f"{self.expired} reallocation proposals expired, {self.updated} messages updated in place, "
                f"{self.told} proposers told")


def expire_proposals(client: WebClient, workspace: Workspace) -> ExpiryReport:
    """Settle the proposals whose time is up, redraw their messages and tell their proposers; one
    message's failure never stops the others (a lost update is drawn again by the next change)."""
    report = ExpiryReport()
    expired = workspace.change(expire_reallocations)
    if not expired:
        return report
    report.expired = len(expired)
    posted = workspace.read(messages_of_kind_showing, view_kind=ViewKind.REALLOCATION.value,
                            object_type="reallocation", object_ids=[e.proposal_id for e in expired])
    for proposal in expired:
        reply = show_now(workspace, ViewRef(k=ViewKind.REALLOCATION, p=proposal.proposal_id)).reply
        for message in posted.get(proposal.proposal_id, []):
            result = update_in_place(client, message.channel_id, message.ts, reply)
            if result.status == DeliveryStatus.SENT:
                report.updated += 1
            else:
                log.warning("expired proposal %s not drawn again: %s", proposal.proposal_id, result.error)
        proposer = proposal.proposed_by.slack_user_id if proposal.proposed_by else None
        if proposer and is_slack_id(proposer):
            try:
                client.chat_postMessage(channel=proposer, text=expired_note(proposal))
                report.told += 1
            except SlackApiError as error:
                log.warning("could not tell %s of expired proposal %s: %s", proposer, proposal.proposal_id,
                            error.response.get("error"))
    return report
