"""The service card's actions ("Update health", "Flag for Customer Org", and "Find help" when it is not on
track) and the flag's note."""

from __future__ import annotations

from slack_sdk.models.blocks import ActionsBlock, ButtonElement

from messages.blocks.common import Reply, context, escape, mrkdwn_section, user_mention
from messages.blocks.help import find_help_button
from messages.ids import ActionId, BlockId, ServiceActionValue, ViewRef
from store.changes.services import FlagNote
from store.enums import Health
from store.readmodels import ServiceCard

UPDATE_HEALTH_LABEL = "Update health"
FLAG_LABEL = "Flag for Customer Org"


def service_actions_blocks(card: ServiceCard, view: ViewRef) -> list[ActionsBlock]:
    """The buttons, carrying the service's version: one block for active services, none otherwise."""
    if card.health is None:
        return []
    value = ServiceActionValue(s=card.ref.service_id, v=card.version, w=view).model_dump_json()
    buttons = [
        ButtonElement(text=UPDATE_HEALTH_LABEL, action_id=ActionId.UPDATE_HEALTH.value, value=value),
        ButtonElement(text=FLAG_LABEL, action_id=ActionId.FLAG_SERVICE.value, value=value),
    ]
    if card.health.health != Health.ON_TRACK:
        buttons.append(find_help_button(card.ref.service_id, view))
    return [ActionsBlock(block_id=BlockId.SERVICE_ACTIONS, elements=buttons)]


def flag_note(note: FlagNote) -> Reply:
    """What the Customer Org channel reads: who flagged which service, and why."""
    text = (f":triangular_flag_on_post: {user_mention(note.flagged_by_slack_user_id)} flagged *{escape(note.label)}* "
            f"for the Customer Org: {escape(note.reason)}")
    command = f"{note.customer_name} {note.service_name}"
    return Reply(
        text=text,
        blocks=[mrkdwn_section(text),
                context(f"`/delivery status {escape(command)}` for the card · "
                        f"`/delivery history {escape(command)}` for what changed")],
        shareable=False,
    )
