"""A ticket row with its menu ("Assign to me", "Resolve"), the same wherever open tickets are listed:
the service card's open tickets, and the overdue tickets of `/delivery tickets` and `/delivery at-risk`."""

from __future__ import annotations

from slack_sdk.models.blocks import Option, OverflowMenuElement, SectionBlock

from messages.blocks.common import mrkdwn_section
from messages.ids import ActionId, TicketAction, TicketActionValue, ViewRef

# A row's menu; snoozing and muting are offered on the SLA warnings themselves (messages/blocks/sla_warning.py).
ROW_ACTIONS = (TicketAction.ASSIGN, TicketAction.RESOLVE)


def ticket_menu(ticket_id: int, version: int, view: ViewRef) -> OverflowMenuElement:
    options = [
        Option(text=action.label, value=TicketActionValue(a=action, t=ticket_id, v=version, w=view).model_dump_json())
        for action in ROW_ACTIONS
    ]
    return OverflowMenuElement(action_id=f"{ActionId.TICKET_ACTION.value}:{ticket_id}", options=options)


def ticket_section(text: str, *, ticket_id: int, version: int, view: ViewRef | None) -> SectionBlock:
    """A row with the ticket menu (when shown where changes apply)."""
    section = mrkdwn_section(text)
    if view is not None:
        section.accessory = ticket_menu(ticket_id, version, view)
    return section
