"""What the escalation ladder and deliverable snoozes hand on: the steps claimed for posting, and what an
escalation message or a snooze's return DM shows (store.escalations, store.queries.escalations)."""

from __future__ import annotations

from datetime import datetime

from store.changes import ChangeApplied
from store.enums import DeliverableStatus
from store.readmodels import PersonRef, ReadModel, ServiceRef, SnoozeNote


class StepPlace(ReadModel):
    """Where a step is posted: a person's DM (their Slack user id) or a channel."""

    id: str
    dm: bool


class StepClaim(ReadModel):
    """A step claimed in the ledger, to post: to `places` (none: recorded as having nobody to tell)."""

    step_id: int
    deliverable_id: int
    service_id: int
    blocked_since: datetime
    step: int
    places: list[StepPlace]
    # The ids of every step of the episode, this one too: their messages are drawn again once it is posted.
    episode: list[int]


class ReturnClaim(ReadModel):
    """A snooze that ended, claimed: DM its owner (`place`) that the deliverable is back."""

    deliverable_id: int
    service_id: int
    until: datetime  # the end claimed: a snooze set again meanwhile is another one
    place: str


class EscalationApplied(ChangeApplied):
    """"Escalate now" applied: the step it claimed, for the listener to post at once."""

    claim: StepClaim


class EscalationStepLine(ReadModel):
    step_id: int
    step: int
    at: datetime
    told: PersonRef | None  # a DM step's person
    requested_by: PersonRef | None  # "Escalate now": who asked (none: the ladder's schedule)
    note: str | None
    status: str  # store.enums.DeliveryStatus
    error: str | None


class FollowUpView(ReadModel):
    """A blocked episode of a deliverable as its escalation messages and its snooze's return DM show it: the
    deliverable now, the steps taken, its live snooze and what comes next."""

    as_of: datetime
    deliverable_id: int
    name: str
    service: ServiceRef
    owner: PersonRef | None
    lead: PersonRef | None
    status: DeliverableStatus
    version: int
    blocked_since: datetime  # the episode shown
    blocked_reason: str | None
    blocked_category: str | None = None  # store.enums.BlockerCategory as stored, while current
    current: bool  # still blocked in this episode (else it ended: unblocked, done, or blocked again since)
    steps: list[EscalationStepLine]
    snooze: SnoozeNote | None  # the episode's snooze, live or ended
    next_step: int | None  # the ladder's next step and when it is due, while blocked and not at the top
    next_at: datetime | None
    days: tuple[int, ...]  # DELIVERY_ESCALATION_DAYS
    # For the DM of a snooze's return: the view was asked for by deliverable (`ViewRef.d`); else the step
    # whose message this is (`ViewRef.es`).
    returned: bool = False
    step_id: int | None = None

    @property
    def snoozed(self) -> bool:
        return self.current and self.snooze is not None and self.snooze.until > self.as_of
