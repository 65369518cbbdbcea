"""SQLAlchemy models for every object of the portfolio, by what they are about: `portfolio` (the
objects delivery managers work with), `time` (time entries and time off), `messages` (what the bot
posted and sends), `derived` (state kept current from the portfolio for the answers), `warnings`
(SLA warnings' schedule and ledger), `escalations` (blocked deliverables' snoozes and escalation
ladder), `help` (skills and reallocation proposals), `slack_oauth` (Slack's
install flow), on `base`.

Every row that belongs to a Slack workspace carries that workspace's `team_id`,
so one deployment can serve several workspaces without a data migration.
Timestamps are timezone-aware and stored in UTC; calendar dates (due dates) are dates.
"""

from store.models.base import (  # noqa: F401 (the models' one import path)
    NAMING,
    Base,
    UTCDateTime,
)
from store.models.derived import (  # noqa: F401 (the models' one import path)
    NO_DUE_DAY,
    NO_SERVICE,
    DeliverableCount,
    EngagementCheckpoint,
    EngagementTally,
    HealthChange,
    HealthCheckpoint,
    KeptHealth,
    KeptReport,
    ServiceHours,
    TicketCheckpoint,
    TicketTally,
    WeeklyHours,
)
from store.models.escalations import DeliverableSnooze, EscalationStep  # noqa: F401 (the models' one import path)
from store.models.help import (  # noqa: F401 (the models' one import path)
    PersonSkill,
    ReallocationProposal,
    ServiceSkill,
)
from store.models.messages import (  # noqa: F401 (the models' one import path)
    DigestDelivery,
    DigestSubscription,
    PostedMessage,
    PostedMessageObject,
)
from store.models.money import RoleRate  # noqa: F401 (the models' one import path)
from store.models.portfolio import (  # noqa: F401 (the models' one import path)
    OPEN_STATUSES_SQL,
    Appointment,
    Customer,
    Deliverable,
    Milestone,
    Person,
    Project,
    Service,
    StatusChange,
    Task,
    Ticket,
    service_members,
)
from store.models.slack_oauth import (  # noqa: F401 (the models' one import path)
    slack_bots,
    slack_installations,
    slack_oauth_states,
)
from store.models.time import Allocation, TimeEntry, TimeOff  # noqa: F401 (the models' one import path)
from store.models.warnings import (  # noqa: F401 (the models' one import path)
    HeldWarning,
    SlaMark,
    SlaSchedule,
    SlipWarning,
    TicketSnooze,
    TicketWarning,
    WarningMute,
)
