"""SQLAlchemy models for every object of the portfolio.

Every row that belongs to a Slack workspace carries that workspace's `team_id`,
so one deployment can serve several workspaces without a data migration.
Timestamps are timezone-aware and stored in UTC; calendar dates (due dates) are dates.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.sql.expression import false, true
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from store.enums import (
    AppointmentKind,
    DeliverableStatus,
    Health,
    Phase,
    Role,
    ServiceStatus,
    Surface,
    TaskStatus,
)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out, on every database.

    SQLite has no time zone type, so values are stored as naive UTC there.
    Naive values are refused: a naive datetime is a bug waiting for a time zone.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: store aware datetimes only")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def enum_column(enum_type: type[StrEnum]) -> Enum:
    return Enum(
        enum_type,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [member.value for member in members],
        name=enum_type.__name__.lower(),
    )


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def team_column() -> Mapped[str]:
    return mapped_column(String(32), index=True)


service_members = Table(
    "service_members",
    Base.metadata,
    Column("service_id", ForeignKey("services.id", ondelete="CASCADE"), primary_key=True),
    Column("person_id", ForeignKey("people.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Customer(Base):
    __tablename__ = "customers"
    __table_args__ = (UniqueConstraint("team_id", "key"), UniqueConstraint("team_id", "name"))

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = team_column()
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))

    services: Mapped[list[Service]] = relationship(back_populates="customer")


class Person(Base):
    __tablename__ = "people"
    __table_args__ = (UniqueConstraint("team_id", "key"), UniqueConstraint("team_id", "slack_user_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = team_column()
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    slack_user_id: Mapped[str | None] = mapped_column(String(32))
    slack_tz: Mapped[str | None] = mapped_column(String(64))
    role: Mapped[Role] = mapped_column(enum_column(Role), default=Role.MEMBER)
    weekly_capacity_hours: Mapped[float] = mapped_column(Numeric(5, 1), default=40)
    max_concurrent_services: Mapped[int] = mapped_column(Integer, default=4)
    # `/delivery digest off|on`: the personal morning DM.
    personal_digest: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


class Service(Base):
    __tablename__ = "services"
    __table_args__ = (UniqueConstraint("team_id", "key"), Index("ix_services_team_status", "team_id", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = team_column()
    key: Mapped[str] = mapped_column(String(64))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[ServiceStatus] = mapped_column(enum_column(ServiceStatus), default=ServiceStatus.ACTIVE)
    phase: Mapped[Phase] = mapped_column(enum_column(Phase), default=Phase.DISCOVERY)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    # The latest action a person took about this service's health ("escalation meeting scheduled").
    action_note: Mapped[str | None] = mapped_column(Text)
    health_override: Mapped[Health | None] = mapped_column(enum_column(Health))
    health_override_reason: Mapped[str | None] = mapped_column(Text)
    health_override_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    health_override_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Bumped by every change: an action rendered from an older version changes nothing.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    customer: Mapped[Customer] = relationship(back_populates="services")
    owner: Mapped[Person | None] = relationship(foreign_keys=[owner_id])
    members: Mapped[list[Person]] = relationship(secondary=service_members)


class Project(Base):
    __tablename__ = "projects"
    __table_args__ = (UniqueConstraint("team_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = team_column()
    key: Mapped[str] = mapped_column(String(64))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    phase: Mapped[Phase] = mapped_column(enum_column(Phase), default=Phase.DISCOVERY)
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)


class Milestone(Base):
    __tablename__ = "milestones"
    __table_args__ = (
        UniqueConstraint("team_id", "key"),
        Index("ix_milestones_team_due", "team_id", "due_on"),
        # The open ones due by a day, as the health rules read them: 1,490 of 20,000 at 10,000 services.
        Index("ix_milestones_team_done_due", "team_id", "done_on", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = team_column()
    key: Mapped[str] = mapped_column(String(64))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="SET NULL"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[date] = mapped_column(Date)
    done_on: Mapped[date | None] = mapped_column(Date)

    service: Mapped[Service] = relationship()


class Deliverable(Base):
    __tablename__ = "deliverables"
    __table_args__ = (
        UniqueConstraint("team_id", "key"),
        # Cover the deliverable tally: the team's deliverables by status and lateness, less those
        # of services not active (found through the services).
        Index("ix_deliverables_team_status_due", "team_id", "status", "due_on"),
        Index("ix_deliverables_service_status_due", "service_id", "status", "due_on"),
        # A milestone's deliverables and how many are done, without reading the rows.
        Index("ix_deliverables_milestone_status", "milestone_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = team_column()
    key: Mapped[str] = mapped_column(String(64))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="SET NULL"), index=True)
    milestone_id: Mapped[int | None] = mapped_column(ForeignKey("milestones.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(200))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    status: Mapped[DeliverableStatus] = mapped_column(
        enum_column(DeliverableStatus), default=DeliverableStatus.NOT_STARTED
    )
    due_on: Mapped[date | None] = mapped_column(Date)
    blocked_reason: Mapped[str | None] = mapped_column(Text)
    blocked_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    expected_unblock_on: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    service: Mapped[Service] = relationship()
    milestone: Mapped[Milestone | None] = relationship()
    owner: Mapped[Person | None] = relationship(foreign_keys=[owner_id])


class Appointment(Base):
    __tablename__ = "appointments"
    __table_args__ = (
        UniqueConstraint("team_id", "key"),
        # Both cover their queries, so the week's capacity and the engagement windows read no rows:
        # hours per person in a time range, and each service's customer sessions in a time range.
        Index("ix_appointments_team_starts_person", "team_id", "starts_at", "person_id", "kind", "duration_minutes"),
        Index("ix_appointments_service_kind_starts", "service_id", "kind", "starts_at"),
        Index("ix_appointments_service_starts", "service_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = team_column()
    key: Mapped[str] = mapped_column(String(64))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id", ondelete="SET NULL"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"), index=True)
    kind: Mapped[AppointmentKind] = mapped_column(enum_column(AppointmentKind))
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    duration_minutes: Mapped[int] = mapped_column(Integer)

    person: Mapped[Person] = relationship()
    service: Mapped[Service | None] = relationship()
    customer: Mapped[Customer | None] = relationship()


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        UniqueConstraint("team_id", "key"),
        # Tickets opened in a time range, and open tickets by due time (resolved_at IS NULL) or
        # resolved in a time range, each with what the week's flow, the SLA and the breakdown by
        # customer, owner or type read: those queries never visit the ticket rows.
        Index("ix_tickets_team_opened_groups", "team_id", "opened_at", "customer_id", "owner_id", "type"),
        Index("ix_tickets_team_resolved_due", "team_id", "resolved_at", "due_at", "opened_at", "customer_id",
              "owner_id", "type"),
        # A service's open tickets (its card), and the foreign key's index.
        Index("ix_tickets_service_resolved", "service_id", "resolved_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = team_column()
    key: Mapped[str] = mapped_column(String(64))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="RESTRICT"), index=True)
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(300))
    type: Mapped[str] = mapped_column(String(32))
    priority: Mapped[str] = mapped_column(String(16))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolution_note: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    customer: Mapped[Customer] = relationship()
    service: Mapped[Service | None] = relationship()
    owner: Mapped[Person | None] = relationship()


class Task(Base):
    __tablename__ = "tasks"
    __table_args__ = (UniqueConstraint("team_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = team_column()
    key: Mapped[str] = mapped_column(String(64))
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"), index=True)
    deliverable_id: Mapped[int | None] = mapped_column(ForeignKey("deliverables.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    due_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[TaskStatus] = mapped_column(enum_column(TaskStatus), default=TaskStatus.OPEN)

    owner: Mapped[Person | None] = relationship()


class StatusChange(Base):
    """The audit trail: who changed what, from, to, why, when, through which surface."""

    __tablename__ = "status_changes"
    __table_args__ = (Index("ix_status_changes_object", "team_id", "object_type", "object_id", "changed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = team_column()
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[int] = mapped_column(Integer)
    field: Mapped[str] = mapped_column(String(32))
    from_value: Mapped[str | None] = mapped_column(String(64))
    to_value: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(Text)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    changed_by_slack_user_id: Mapped[str | None] = mapped_column(String(32))
    surface: Mapped[Surface] = mapped_column(enum_column(Surface))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())

    changed_by: Mapped[Person | None] = relationship()


class PostedMessage(Base):
    """A message the bot posted that shows live objects, so a change can rebuild it in place."""

    __tablename__ = "posted_messages"
    __table_args__ = (UniqueConstraint("team_id", "channel_id", "ts"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = team_column()
    channel_id: Mapped[str] = mapped_column(String(32))
    ts: Mapped[str] = mapped_column(String(32))
    # What to render again: a view code and its subject (see handlers/views_ref.py).
    view: Mapped[str] = mapped_column(String(200))
    viewer_slack_user_id: Mapped[str | None] = mapped_column(String(32))
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PostedMessageObject(Base):
    """An object a posted message shows: (message, object type, object id)."""

    __tablename__ = "posted_message_objects"
    __table_args__ = (Index("ix_posted_message_objects_object", "object_type", "object_id"),)

    message_id: Mapped[int] = mapped_column(ForeignKey("posted_messages.id", ondelete="CASCADE"), primary_key=True)
    object_type: Mapped[str] = mapped_column(String(32), primary_key=True)
    object_id: Mapped[int] = mapped_column(Integer, primary_key=True)


class DigestSubscription(Base):
    """A channel's standing order for a digest: which one, when, in which time zone."""

    __tablename__ = "digest_subscriptions"
    __table_args__ = (UniqueConstraint("team_id", "digest", "channel_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = team_column()
    digest: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str] = mapped_column(String(32))
    at_time: Mapped[str] = mapped_column(String(5))  # HH:MM in `timezone`
    days: Mapped[str] = mapped_column(String(40))  # weekdays | daily | mon,wed,fri
    timezone: Mapped[str] = mapped_column(String(64))
    all_clear: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_by_slack_user_id: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DigestDelivery(Base):
    """The ledger: one row per (subscription, period), written before posting.

    The unique key is what makes a digest go out once, whatever restarts or extra schedulers do.
    """

    __tablename__ = "digest_deliveries"
    __table_args__ = (UniqueConstraint("team_id", "subscription_key", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = team_column()
    subscription_key: Mapped[str] = mapped_column(String(64))  # sub:<id> or personal:<person id>
    period: Mapped[str] = mapped_column(String(32))  # the local date of the scheduled run
    digest: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str] = mapped_column(String(32))
    scheduled_for: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16))  # pending, sent, empty, failed, missed
    error: Mapped[str | None] = mapped_column(String(200))
    ts: Mapped[str | None] = mapped_column(String(32))
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())



# A due day for deliverables with none, in the counts below: never past, so never late.
NO_DUE_DAY = date(9999, 12, 31)


class DeliverableCount(Base):
    """How many of a team's deliverables have each status and due day, whatever their service's
    status: kept by triggers on deliverables (migration 0009) in the writing transaction, so the
    deliverable tally reads a few thousand counts instead of 150,000 index entries."""

    __tablename__ = "deliverable_counts"
    __table_args__ = {"sqlite_with_rowid": False}

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    status: Mapped[str] = mapped_column(String(32), primary_key=True)
    due_on: Mapped[date] = mapped_column(Date, primary_key=True)
    n: Mapped[int] = mapped_column(Integer)

class EngagementCheckpoint(Base):
    """Where a team's engagement tallies stand: the moment they were counted at, and the window they
    counted. `as_of` is None when customer sessions changed since (the appointments table's triggers,
    migration 0007, clear it in the writing transaction): readers then count from the appointments."""

    __tablename__ = "engagement_checkpoints"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    as_of: Mapped[datetime | None] = mapped_column(UTCDateTime())
    window_days: Mapped[int] = mapped_column(Integer)


class EngagementTally(Base):
    """One service's customer sessions in the recent and the prior engagement window, counted at its
    team's checkpoint (store/aggregates/engagement.py keeps them and reads them)."""

    __tablename__ = "engagement_tallies"
    # Clustered on the key in SQLite too: a team's tallies are read in one range, without a lookup each.
    __table_args__ = {"sqlite_with_rowid": False}

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    service_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recent: Mapped[int] = mapped_column(Integer)
    prior: Mapped[int] = mapped_column(Integer)

class HealthCheckpoint(Base):
    """Whose kept health exists, and under which rules: the thresholds and time zone it was assessed
    with (`rules`), and the last refresh. Readers use kept health only under the same rules."""

    __tablename__ = "health_checkpoints"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    rules: Mapped[str] = mapped_column(String(255))
    as_of: Mapped[datetime] = mapped_column(UTCDateTime())


class KeptHealth(Base):
    """One active service's shown health as assessed at a refresh, with what orders it (since when,
    as a moment or as a calendar day) and the first moment at which time alone could change its
    signals (`valid_until`): a ticket falling due, a block reaching its days, a session crossing a
    window's edge, an override expiring, midnight. store/aggregates/kept_health.py."""

    __tablename__ = "kept_health"
    __table_args__ = (
        Index("ix_kept_health_team_health", "team_id", "health"),
        Index("ix_kept_health_team_valid_until", "team_id", "valid_until"),
        {"sqlite_with_rowid": False},
    )

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    service_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    health: Mapped[Health] = mapped_column(enum_column(Health))
    since_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    since_day: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[datetime] = mapped_column(UTCDateTime())


class HealthChange(Base):
    """A service whose health signals changed since its kept health was assessed: written by
    triggers on services, deliverables, milestones, tickets and appointments (migration 0010) in the
    writing transaction; `mark` grows with each change, so a refresh removes only the marks it saw."""

    __tablename__ = "health_changes"
    __table_args__ = {"sqlite_with_rowid": False}

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    service_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mark: Mapped[int] = mapped_column(Integer)


# Slack's OAuth install flow keeps its rows here: one row per installation (and per bot) of
# the app in a workspace, and the one-time `state` values of installs in progress. slack_sdk's
# SQLAlchemy stores (bot/workspaces.py) read and write them; the layout is theirs (see
# `SQLAlchemyInstallationStore.build_*_table`, `SQLAlchemyOAuthStateStore.build_oauth_states_table`),
# declared here with this project's conventions so the migrations own the schema.

slack_installations = Table(
    "slack_installations",
    Base.metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("client_id", String(32), nullable=False),
    Column("app_id", String(32), nullable=False),
    Column("enterprise_id", String(32)),
    Column("enterprise_name", String(200)),
    Column("enterprise_url", String(200)),
    Column("team_id", String(32)),
    Column("team_name", String(200)),
    Column("bot_token", String(200)),
    Column("bot_id", String(32)),
    Column("bot_user_id", String(32)),
    Column("bot_scopes", String(1000)),
    Column("bot_refresh_token", String(200)),
    Column("bot_token_expires_at", DateTime(timezone=True)),
    Column("user_id", String(32), nullable=False),
    Column("user_token", String(200)),
    Column("user_scopes", String(1000)),
    Column("user_refresh_token", String(200)),
    Column("user_token_expires_at", DateTime(timezone=True)),
    Column("incoming_webhook_url", String(200)),
    Column("incoming_webhook_channel", String(200)),
    Column("incoming_webhook_channel_id", String(200)),
    Column("incoming_webhook_configuration_url", String(200)),
    Column("is_enterprise_install", Boolean, nullable=False, default=False, server_default=false()),
    Column("token_type", String(32)),
    Column("installed_at", DateTime(timezone=True), nullable=False),
    Index("slack_installations_idx", "client_id", "enterprise_id", "team_id", "user_id", "installed_at"),
)

slack_bots = Table(
    "slack_bots",
    Base.metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("client_id", String(32), nullable=False),
    Column("app_id", String(32), nullable=False),
    Column("enterprise_id", String(32)),
    Column("enterprise_name", String(200)),
    Column("team_id", String(32)),
    Column("team_name", String(200)),
    Column("bot_token", String(200)),
    Column("bot_id", String(32)),
    Column("bot_user_id", String(32)),
    Column("bot_scopes", String(1000)),
    Column("bot_refresh_token", String(200)),
    Column("bot_token_expires_at", DateTime(timezone=True)),
    Column("is_enterprise_install", Boolean, nullable=False, default=False, server_default=false()),
    Column("installed_at", DateTime(timezone=True), nullable=False),
    Index("slack_bots_idx", "client_id", "enterprise_id", "team_id", "installed_at"),
)

slack_oauth_states = Table(
    "slack_oauth_states",
    Base.metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("state", String(200), nullable=False),
    Column("expire_at", DateTime(timezone=True), nullable=False),
)
