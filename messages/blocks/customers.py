"""`/delivery customers` (every customer's relationship health, worst first) and a customer's card (its
verdict and each of its services' health, each service to open)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, HeaderBlock, SectionBlock
from slack_sdk.models.blocks.basic_components import MarkdownTextObject

from messages.blocks.common import (
    MAX_MESSAGE_BLOCKS,
    MAX_SECTION_TEXT,
    Reply,
    clip,
    context,
    escape,
    escape_clipped,
    mrkdwn_section,
    plural,
    time_token,
    user_mention,
)
from messages.blocks.health import service_health_line
from messages.ids import ActionId, CustomerFlagValue, OpenServiceValue, ViewKind, ViewRef
from store.changes.services import CustomerFlagNote
from store.enums import Health
from store.queries.customers import MAX_SHOWN_CUSTOMERS
from store.readmodels.customers import CustomerCard, CustomerList, CustomerRelationship
from store.rules.relationship import Relationship

RELATIONSHIP_EMOJI = {
    Relationship.STRUGGLING: ":red_circle:",
    Relationship.STEADY: ":large_yellow_circle:",
    Relationship.THRIVING: ":large_green_circle:",
}
FLAG_LABEL = "Flag for Customer Org"
OPEN_LABEL = "Open"
NAME_CHARS = 150  # a customer's name in a line or a header, escaped
# Blocks kept free on a card for the header, verdict, tally, the other services, the footer and the Share
# button a private answer gets.
CARD_FRAME_BLOCKS = 6
CUSTOMERS_VIEW = ViewRef(k=ViewKind.CUSTOMERS)


def verdict_words(customer: CustomerRelationship) -> str:
    """"Beta Corp: struggling · engagement declining: … · 1 service needs attention", escaped."""
    reasons = " · ".join(escape(reason) for reason in customer.reasons)
    return f"{escape_clipped(customer.name, NAME_CHARS)}: {customer.relationship.value} · {reasons}"


def _services_words(customer: CustomerRelationship) -> str:
    return plural(customer.services, "active service")


def flag_button(customer: CustomerRelationship, view: ViewRef) -> ButtonElement:
    return ButtonElement(
        text=FLAG_LABEL, action_id=f"{ActionId.FLAG_CUSTOMER.value}:{customer.customer_id}",
        value=CustomerFlagValue(c=customer.customer_id, v=customer.version, w=view).model_dump_json())


def _customer_line(customer: CustomerRelationship) -> str:
    emoji = RELATIONSHIP_EMOJI[customer.relationship]
    reasons = " · ".join(escape(reason) for reason in customer.reasons)
    return clip(f"{emoji} *{escape_clipped(customer.name, NAME_CHARS)}* — {customer.relationship.label} "
                f"({_services_words(customer)})\n{reasons}", MAX_SECTION_TEXT)


def _customer_section(customer: CustomerRelationship, view: ViewRef) -> SectionBlock:
    # Struggling customers carry the flag button beside their line: one block each, not two.
    accessory = flag_button(customer, view) if customer.relationship == Relationship.STRUGGLING else None
    return SectionBlock(text=MarkdownTextObject(text=_customer_line(customer)), accessory=accessory)


def counts_words(counts: dict[Relationship, int]) -> str:
    return " · ".join(f"{counts[r]} {r.value}" for r in (Relationship.STRUGGLING, Relationship.STEADY,
                                                          Relationship.THRIVING))


def customers_message(listing: CustomerList, tz: ZoneInfo) -> Reply:
    del tz  # nothing in it is a calendar date
    total = listing.total
    summary = f"{plural(total, 'customer')} with active services: {counts_words(listing.counts)}."
    blocks: list[Block] = [HeaderBlock(text="Customer relationships"), mrkdwn_section(summary)]
    listed = listing.customers[:MAX_SHOWN_CUSTOMERS]
    blocks += [_customer_section(customer, CUSTOMERS_VIEW) for customer in listed]
    hidden = total - len(listed)
    if hidden > 0:
        shown = {r: sum(c.relationship == r for c in listed) for r in Relationship}
        rest = {r: listing.counts[r] - shown[r] for r in Relationship}
        blocks.append(context(f"and {hidden:,} more not shown ({counts_words(rest)}): "
                              "`/delivery status &lt;customer&gt;` for one customer's card"))
    blocks.append(context(f"As of {time_token(listing.as_of)} · health from the services' shown health, sessions, "
                          "tickets, SLA misses and overdue deliverables · `/delivery help` for more"))
    worst = [c for c in listed if c.relationship == Relationship.STRUGGLING][:3]
    text = summary + "".join(f" {verdict_words(c)}." for c in worst)
    return Reply(text=text, blocks=blocks[: MAX_MESSAGE_BLOCKS - 1], view=CUSTOMERS_VIEW)


def _service_section(card: CustomerCard, index: int) -> SectionBlock:
    view = card.services[index]
    button = ButtonElement(text=OPEN_LABEL, action_id=f"{ActionId.OPEN_SERVICE.value}:{view.service_id}",
                           value=OpenServiceValue(service_id=view.service_id).model_dump_json())
    return SectionBlock(text=MarkdownTextObject(text=clip(service_health_line(view, card.as_of), MAX_SECTION_TEXT)),
                        accessory=button)


def _tally(card: CustomerCard) -> str:
    counts = {health: sum(view.health == health for view in card.services) for health in Health}
    return (f"*{_services_words(card.customer)}*: {counts[Health.AT_RISK]} at risk · "
            f"{counts[Health.NEEDS_ATTENTION]} need attention · {counts[Health.ON_TRACK]} on track")


def customer_card_message(card: CustomerCard, view: ViewRef) -> Reply:
    customer = card.customer
    emoji = RELATIONSHIP_EMOJI[customer.relationship]
    reasons = "\n".join(f"• {escape(reason)}" for reason in customer.reasons)
    verdict = SectionBlock(
        text=MarkdownTextObject(text=clip(f"{emoji} *{customer.relationship.label}*\n{reasons}", MAX_SECTION_TEXT)),
        accessory=flag_button(customer, view) if customer.relationship == Relationship.STRUGGLING else None)
    blocks: list[Block] = [HeaderBlock(text=escape_clipped(customer.name, NAME_CHARS)), verdict,
                           mrkdwn_section(_tally(card))]
    room = MAX_MESSAGE_BLOCKS - len(blocks) - CARD_FRAME_BLOCKS
    shown = card.services[:room]
    blocks += [_service_section(card, index) for index in range(len(shown))]
    if len(card.services) > len(shown):
        blocks.append(context(f"and {len(card.services) - len(shown)} more active services: "
                              "`/delivery status &lt;customer&gt; &lt;service&gt;` for one"))
    if card.inactive:
        blocks.append(mrkdwn_section("*Not active*: " + " · ".join(
            f"{escape(ref.service_name)} ({ref.status.value})" for ref in card.inactive[:25])))
        blocks.append(ActionsBlock(elements=[
            ButtonElement(text=escape_clipped(ref.service_name, 75),
                          action_id=f"{ActionId.OPEN_SERVICE.value}:{ref.service_id}",
                          value=OpenServiceValue(service_id=ref.service_id).model_dump_json())
            for ref in card.inactive[:25]]))
    blocks.append(context(f"As of {time_token(card.as_of)} · `/delivery customers` for every customer · "
                          "`/delivery help` for more"))
    return Reply(text=f"{verdict_words(customer)}.", blocks=blocks[: MAX_MESSAGE_BLOCKS - 1], view=view,
                 shows=frozenset(("service", service.service_id) for service in card.services))


def customer_flag_note(note: CustomerFlagNote) -> Reply:
    """What the Customer Org channel reads: who flagged which customer, why, and its verdict."""
    name = escape_clipped(note.customer_name, NAME_CHARS)
    text = (f":triangular_flag_on_post: {user_mention(note.flagged_by_slack_user_id)} flagged *{name}* "
            f"for the Customer Org: {escape(note.reason)}")
    services = ", ".join(escape(service) for service in note.service_names[:20])
    more = f" and {len(note.service_names) - 20} more" if len(note.service_names) > 20 else ""
    return Reply(
        text=text,
        blocks=[mrkdwn_section(text),
                mrkdwn_section(f"*Relationship*: {escape(note.verdict)}"),
                context(f"Flagged on each of its active services: {services}{more} · "
                        f"`/delivery status {escape(note.customer_name)}` for the customer"),
                ],
        shareable=False,
    )
