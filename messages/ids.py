"""Every action_id and block_id the app sends, and the typed values its buttons carry."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, RootModel, SerializerFunctionWrapHandler, model_serializer

from store.enums import MilestoneWindow
from store.readmodels.tickets import TicketGrouping
from store.rules.transitions import Move

# A row id or version as the database holds it (a signed 64-bit integer): a value outside that range
# is refused when the button is read, not passed on to fail in the store.
RowNumber = Annotated[int, Field(ge=0, le=2**63 - 1)]


class ActionId(StrEnum):
    SHARE_REPLY = "share_reply"
    # Suffixed with ":<service id>": action_ids must be unique within a block.
    OPEN_SERVICE = "open_service"
    # Suffixed with ":<deliverable id>": one overflow menu per deliverable row.
    DELIVERABLE_MOVE = "deliverable_move"
    # The service card's buttons (one card per message, so no suffix).
    UPDATE_HEALTH = "update_health"
    FLAG_SERVICE = "flag_service"
    # Suffixed with ":<ticket id>": one overflow menu ("Assign to me", "Resolve") per ticket row; an SLA
    # warning's buttons add ":<action>", one button per action.
    TICKET_ACTION = "ticket_action"
    # An escalation message's buttons ("Escalate now", "Snooze"), suffixed ":<deliverable id>:<action>".
    DELIVERABLE_FOLLOW = "deliverable_follow"
    # "Find help" on an at-risk or needs-attention service's card and next to it in at-risk (one a block).
    FIND_HELP = "find_help"
    # A reallocation proposal's buttons, suffixed ":approve" or ":decline".
    DECIDE_REALLOCATION = "reallocation"
    # "Flag for Customer Org" on a struggling customer, suffixed ":<customer id>" (one per customer row).
    FLAG_CUSTOMER = "flag_customer"


class CallbackId(StrEnum):
    BLOCK_DELIVERABLE = "block_deliverable"
    SERVICE_HEALTH = "service_health"
    FLAG_SERVICE = "flag_service"
    RESOLVE_TICKET = "resolve_ticket"
    SNOOZE_TICKET = "snooze_ticket"
    SNOOZE_DELIVERABLE = "snooze_deliverable"
    ESCALATE_DELIVERABLE = "escalate_deliverable"
    FIND_HELP = "find_help"
    FLAG_CUSTOMER = "flag_customer"


class InputId(StrEnum):
    BLOCK_REASON = "block_reason"
    BLOCK_UNTIL = "block_until"
    BLOCK_CATEGORY = "block_category"
    HEALTH_CHOICE = "health_choice"
    HEALTH_ISSUE = "health_issue"
    HEALTH_ACTION = "health_action"
    HEALTH_EXPIRES = "health_expires"
    FLAG_REASON = "flag_reason"
    RESOLUTION_NOTE = "resolution_note"
    SNOOZE_FOR = "snooze_for"
    SNOOZE_REASON = "snooze_reason"
    DELIVERABLE_SNOOZE_FOR = "deliverable_snooze_for"
    DELIVERABLE_SNOOZE_DATE = "deliverable_snooze_date"
    DELIVERABLE_SNOOZE_REASON = "deliverable_snooze_reason"
    ESCALATION_NOTE = "escalation_note"
    HELP_PERSON = "help_person"
    HELP_HOURS = "help_hours"
    HELP_UNTIL = "help_until"
    HELP_NOTE = "help_note"


class BlockId(StrEnum):
    REPLY_ACTIONS = "reply_actions"
    SERVICE_CHOICES = "service_choices"
    SERVICE_ACTIONS = "service_actions"


class ShareValue(BaseModel):
    """A "Share in channel" button: the command text whose answer to post for everyone."""

    model_config = ConfigDict(frozen=True)

    text: str


class OpenServiceValue(BaseModel):
    """A choice among several matching services: open this one's card."""

    model_config = ConfigDict(frozen=True)

    service_id: RowNumber


class ViewKind(StrEnum):
    """Every kind of message the bot shows; messages/views.py says how each is read and drawn."""

    # Answers to `/delivery …`.
    STATUS = "status"
    LOOKUP = "lookup"  # a service asked for by name: its card, or the choices, or the closest names
    CAPACITY = "capacity"
    BUDGET = "budget"
    MILESTONES = "milestones"
    HISTORY = "history"
    FORECAST = "forecast"  # the portfolio's slipping milestones, or one service's forecasts by name
    CUSTOMERS = "customers"  # every customer's relationship health, worst first
    TRENDS = "trends"  # the last eight weeks: health mix, on schedule and SLA, billable by person (with charts)
    PATTERNS = "patterns"  # blocker and ticket patterns, cycle times, what works, over N whole weeks
    HOME = "home"
    # Answers whose rows have buttons: kept true after a change wherever they were posted.
    CARD = "card"
    MINE = "mine"
    AT_RISK = "at-risk"
    TICKETS = "tickets"
    # The scheduled digests (messages/digests), rebuilt in place after a change to what they show.
    DIGEST_AT_RISK = "digest-at-risk"
    DIGEST_OVERDUE_TICKETS = "digest-overdue-tickets"
    DIGEST_WEEKLY_PORTFOLIO = "digest-weekly-portfolio"
    DIGEST_PERSONAL = "digest-personal"  # the DM's viewer is remembered with the posted message
    DIGEST_PATTERNS = "digest-patterns"
    # A ticket's SLA warning (one message per place it was posted), rebuilt as it crosses thresholds.
    SLA_WARNING = "sla-warning"
    # A channel's summary of the warnings past its hourly budget, updated as more roll in.
    SLA_ROLLUP = "sla-rollup"
    # A blocked deliverable's escalation (one message per place a step was posted), drawn again as the ladder
    # climbs, and when it is snoozed or no longer blocked.
    ESCALATION = "escalation"
    # The DM to a snoozed deliverable's owner when the snooze ends, drawn again after a change.
    SNOOZE_RETURN = "snooze-return"
    # A milestone forecast to slip, told to its service's lead once and drawn again as the forecast moves.
    SLIP_WARNING = "slip-warning"
    # A reallocation proposal, sent to each person asked to decide it and drawn again once decided.
    REALLOCATION = "reallocation"


class ViewRef(BaseModel):
    """What a message shows, so it can be rendered again from the database after a change."""

    model_config = ConfigDict(frozen=True)

    k: ViewKind
    s: RowNumber | None = None  # the service, for cards
    b: TicketGrouping | None = None  # the breakdown, for `/delivery tickets`
    m: MilestoneWindow | None = None  # the window, for `/delivery milestones`
    n: str | None = None  # the name asked for, for a lookup, a history or a service's forecast
    t: RowNumber | None = None  # the ticket, for an SLA warning
    c: str | None = None  # the channel, for the hour's summary of SLA warnings
    h: RowNumber | None = None  # that hour, as whole hours since the epoch
    d: RowNumber | None = None  # the deliverable, for a snooze's return DM
    es: RowNumber | None = None  # the escalation step an escalation message was posted for (its episode)
    ms: RowNumber | None = None  # the milestone, for a slip warning
    p: RowNumber | None = None  # the reallocation proposal
    wk: RowNumber | None = None  # the whole weeks `/delivery patterns` looks back over

    @model_serializer(mode="wrap")
    def _without_empty_fields(self, handler: SerializerFunctionWrapHandler) -> dict[str, object]:
        # A view rides in every row's menu option, which Slack caps at 150 characters: what it does
        # not use is left out, and read back as its default.
        return {key: value for key, value in handler(self).items() if value is not None}


class DeliverableMoveValue(BaseModel):
    """One option of a deliverable row's menu (Slack caps option values at 150 characters)."""

    model_config = ConfigDict(frozen=True)

    m: Move
    d: RowNumber  # deliverable id
    v: RowNumber  # the version the row was rendered from
    w: ViewRef  # where the row was shown


class FollowAction(StrEnum):
    """What can be done about a blocked deliverable besides moving it: from its row's menu and from its
    escalation messages' buttons."""

    SNOOZE = "snooze"
    ESCALATE = "escalate"

    @property
    def label(self) -> str:
        return {"snooze": "Snooze", "escalate": "Escalate now"}[self.value]


class DeliverableFollowValue(BaseModel):
    """A blocked deliverable's "Snooze" or "Escalate now" (a row's menu option, or a button)."""

    model_config = ConfigDict(frozen=True)

    a: FollowAction
    d: RowNumber  # deliverable id
    v: RowNumber  # the version it was rendered from
    w: ViewRef  # where it was shown


class RowOption(RootModel[DeliverableMoveValue | DeliverableFollowValue]):
    """One option of a deliverable row's menu: a move, or a follow-up of a blocked one."""

    model_config = ConfigDict(frozen=True)


class ClickOrigin(BaseModel):
    """Where a click happened, carried through a modal so its submission can re-render that message."""

    model_config = ConfigDict(frozen=True)

    channel_id: str | None = None
    ts: str | None = None
    ephemeral: bool = False
    in_home: bool = False
    response_url: str | None = None


class BlockModalMeta(BaseModel):
    """The Block modal's private_metadata: the click it came from, to apply and re-render."""

    model_config = ConfigDict(frozen=True)

    move: DeliverableMoveValue
    origin: ClickOrigin


class ServiceActionValue(BaseModel):
    """The service card's "Update health" and "Flag for Customer Org" buttons."""

    model_config = ConfigDict(frozen=True)

    s: RowNumber  # service id
    v: RowNumber  # the service version the card was rendered from
    w: ViewRef  # where the card was shown


class HealthChoice(StrEnum):
    """The Update health modal's choices: an override, or back to the computed health."""

    ON_TRACK = "on_track"
    NEEDS_ATTENTION = "needs_attention"
    AT_RISK = "at_risk"
    CLEAR = "clear"


class ServiceModalMeta(BaseModel):
    """The Update health and Flag modals' private_metadata: the click they came from."""

    model_config = ConfigDict(frozen=True)

    action: ServiceActionValue
    origin: ClickOrigin


class CustomerFlagValue(BaseModel):
    """A struggling customer's "Flag for Customer Org" button."""

    model_config = ConfigDict(frozen=True)

    c: RowNumber  # customer id
    v: RowNumber  # the sum of its active services' versions as drawn (CustomerRelationship.version)
    w: ViewRef  # where the button was shown


class CustomerModalMeta(BaseModel):
    """The Flag modal's private_metadata when a customer is flagged: the click it came from."""

    model_config = ConfigDict(frozen=True)

    action: CustomerFlagValue
    origin: ClickOrigin


class TicketAction(StrEnum):
    ASSIGN = "assign"
    RESOLVE = "resolve"
    SNOOZE = "snooze"  # its SLA warnings, for an hour or until tomorrow morning
    MUTE = "mute"  # the clicker's SLA warnings by DM about the ticket's service, for a week

    @property
    def label(self) -> str:
        return {"assign": "Assign to me", "resolve": "Resolve", "snooze": "Snooze warnings",
                "mute": "Mute this service for a week"}[self.value]


class TicketActionValue(BaseModel):
    """One option of a ticket row's menu (Slack caps option values at 150 characters)."""

    model_config = ConfigDict(frozen=True)

    a: TicketAction
    t: RowNumber  # ticket id
    v: RowNumber  # the version the row was rendered from
    w: ViewRef  # where the row was shown


class ResolveModalMeta(BaseModel):
    """The Resolve modal's private_metadata: the click it came from, to apply and re-render."""

    model_config = ConfigDict(frozen=True)

    action: TicketActionValue
    origin: ClickOrigin


class SnoozeModalMeta(ResolveModalMeta):
    """The Snooze modal's private_metadata: the same as Resolve's."""


class FollowModalMeta(BaseModel):
    """The deliverable Snooze and Escalate now modals' private_metadata: the click they came from."""

    model_config = ConfigDict(frozen=True)

    action: DeliverableFollowValue
    origin: ClickOrigin


class FindHelpValue(BaseModel):
    """A "Find help" button: the service, and where it was shown."""

    model_config = ConfigDict(frozen=True)

    s: RowNumber  # service id
    w: ViewRef  # where the button was shown


class FindHelpMeta(BaseModel):
    """The Find help modal's private_metadata: the service and the click it came from."""

    model_config = ConfigDict(frozen=True)

    s: RowNumber
    w: ViewRef
    origin: ClickOrigin


class ReallocationChoice(StrEnum):
    APPROVE = "approve"
    DECLINE = "decline"


class ReallocationValue(BaseModel):
    """A reallocation proposal's Approve or Decline button, carrying the proposal's version."""

    model_config = ConfigDict(frozen=True)

    d: ReallocationChoice
    p: RowNumber  # proposal id
    v: RowNumber  # the version the message was rendered from
