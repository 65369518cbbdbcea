"""The vocabulary of the portfolio. Values are what the database stores."""

from __future__ import annotations

from enum import StrEnum


class ServiceStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    COMPLETE = "complete"


class Phase(StrEnum):
    DISCOVERY = "discovery"
    BUILD = "build"
    TRAINING = "training"
    OPTIMIZATION = "optimization"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Health(StrEnum):
    ON_TRACK = "on_track"
    NEEDS_ATTENTION = "needs_attention"
    AT_RISK = "at_risk"

    @property
    def label(self) -> str:
        return {"on_track": "On Track", "needs_attention": "Needs Attention", "at_risk": "At Risk"}[self.value]

    @property
    def severity(self) -> int:
        # Looked up by the member itself (a str): Enum's `.value` is a descriptor call, and
        # sorting a portfolio's findings asks for severity tens of thousands of times.
        return _SEVERITY[self]


_SEVERITY = {"on_track": 0, "needs_attention": 1, "at_risk": 2}


class DeliverableStatus(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    BLOCKED = "blocked"
    COMPLETE = "complete"
    ACCEPTED = "accepted"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()

    @property
    def is_done(self) -> bool:
        return self in DONE_STATUSES


# A deliverable in one of these counts as done (for milestones, tallies and health).
DONE_STATUSES = (DeliverableStatus.COMPLETE, DeliverableStatus.ACCEPTED)


class DeliveryStatus(StrEnum):
    """Where one (subscription, period) of the delivery ledger stands, or one (ticket, threshold) of the
    SLA warnings' ledger. Every claim ends in one of the others; `uncertain` is a post whose outcome
    nobody knows (the connection was lost after the request went out, or the process claiming it died):
    it may have arrived, so it is never sent again."""

    PENDING = "pending"
    SENT = "sent"
    EMPTY = "empty"
    FAILED = "failed"
    MISSED = "missed"
    UNCERTAIN = "uncertain"
    HELD = "held"  # an SLA warning kept back (quiet hours, muted): listed in digests and at-risk instead


class AppointmentKind(StrEnum):
    CUSTOMER_SESSION = "customer_session"
    INTERNAL = "internal"


class TaskStatus(StrEnum):
    OPEN = "open"
    DONE = "done"


class ProposalStatus(StrEnum):
    """Where a reallocation proposal stands: waiting for a decision, or settled one of three ways."""

    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"
    EXPIRED = "expired"


class Role(StrEnum):
    MEMBER = "member"
    LEAD = "lead"
    OPS = "ops"


class Surface(StrEnum):
    SLACK = "slack"
    CLI = "cli"
    IMPORT = "import"


class MilestoneWindow(StrEnum):
    """Which milestones `/delivery milestones` lists."""

    THIS_WEEK = "this week"
    NEXT_WEEK = "next week"
    OVERDUE = "overdue"


class BlockerCategory(StrEnum):
    """What kind of blocker holds a deliverable (chosen in the Block modal, a CSV's `blocked_category`)."""

    WAITING_ON_CUSTOMER = "waiting-on-customer"
    ACCESS = "access"
    ENVIRONMENT = "environment"
    THIRD_PARTY = "third-party"
    SCOPE_CHANGE = "scope-change"
    INTERNAL_DEPENDENCY = "internal-dependency"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {"waiting-on-customer": "Waiting on customer", "access": "Access or credentials",
                "environment": "Environment", "third-party": "Third party", "scope-change": "Scope change",
                "internal-dependency": "Internal dependency", "other": "Other"}[self.value]

    @classmethod
    def of(cls, stored: str | None) -> BlockerCategory:
        """A stored category; none (a block from before categories) reads as "other"."""
        return cls(stored) if stored else cls.OTHER


class DigestKind(StrEnum):
    """The digests the bot can send (a subscription's `digest`)."""

    AT_RISK = "at-risk"
    OVERDUE_TICKETS = "overdue-tickets"
    WEEKLY_PORTFOLIO = "weekly-portfolio"
    PERSONAL = "personal"
    PATTERNS = "patterns"  # `/delivery patterns` of the last 4 whole weeks, weekly


class AlertKind(StrEnum):
    """Warnings a channel can subscribe to (a subscription's `digest` too): posted as they happen, not on
    a schedule, so the digest runner never plans them."""

    SLA_WARNINGS = "sla-warnings"
    # A blocked deliverable's last escalation step (store.rules.escalation): posted to these channels.
    ESCALATIONS = "escalations"
