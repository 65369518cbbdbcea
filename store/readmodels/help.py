"""What "Find help" reads (who could help a service, ranked) and what a reallocation proposal's message
shows (issue 21). Figures are defined in `store.metrics` (help_*, reallocation_expiry)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from store.enums import ProposalStatus, Role
from store.readmodels import PersonRef, ReadModel, ServiceRef
from store.rules.capacity import LoadState
from store.rules.help import LeftOut


class HelperView(ReadModel):
    """Someone who could help, with every reason they were ranked where they are."""

    person_id: int
    person: PersonRef
    role: Role
    state: LoadState
    state_after: LoadState  # once on the team (the same when on it already)
    active_services: int
    max_services: int
    on_team: bool
    free_hours: float  # over the two weeks (help_free_hours)
    matched_skills: list[str]  # the service's skills they have (help_skills)
    customer_hours: float  # logged on the customer's services to date (help_customer)
    customer_services: list[str]  # the customer's other services they own or are on
    billable_share: float | None  # last whole week
    billable_room: float  # hours a week under the 80% ceiling (help_billable_room)
    points: float  # help_rank

    @property
    def worked_with_customer(self) -> bool:
        return self.customer_hours > 0 or bool(self.customer_services)


class HelpList(ReadModel):
    as_of: datetime
    service: ServiceRef
    service_lead: PersonRef | None
    needed_skills: list[str]
    # The first few who could help, best first; all of them counted, and those left out by why.
    helpers: list[HelperView]
    offered_total: int
    left_out: dict[LeftOut, int]
    # The two whole weeks free hours are counted over, and the last whole week billable share is read from.
    first_day: date
    last_day: date
    last_week_first_day: date

    @property
    def suggested_until(self) -> date:
        """The Friday ending the two weeks: what the modal offers as the last day."""
        return self.last_day - timedelta(days=2)


class HelpStanding(ReadModel):
    """Where one person stands among those who could help a service now (1: first), and why; or why
    they are left out (overloaded since, say)."""

    needed_skills: list[str]
    last_week_first_day: date
    helper: HelperView | None
    rank: int | None
    offered_total: int
    left_out: LeftOut | None = None


class ReallocationView(ReadModel):
    """A reallocation proposal as its messages show it, and whether it can still be decided."""

    proposal_id: int
    version: int
    status: ProposalStatus
    service: ServiceRef
    person: PersonRef
    hours_per_week: float
    starts_on: date
    ends_on: date
    note: str | None
    proposed_by: PersonRef | None
    proposed_at: datetime
    expires_at: datetime
    decided_by: PersonRef | None = None
    decided_at: datetime | None = None
    asked: list[PersonRef] = []  # who may decide besides ops (the service's lead, the person's leads)
    ops_standing_in: bool = False  # ops were asked, standing in for a lead
    standing: HelpStanding | None = None  # while pending: why them, as Find help ranks them now

    @property
    def pending(self) -> bool:
        return self.status == ProposalStatus.PENDING
