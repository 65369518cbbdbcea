"""The portfolio: customers, people, services and what delivering them is made of."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.expression import text, true

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
from store.models.base import Base, UTCDateTime, enum_column, team_column

# A deliverable still to do, as SQL over its own row (a partial index's condition).
OPEN_STATUSES_SQL = "status IN ({})".format(
    ", ".join(f"'{s.value}'" for s in DeliverableStatus if not s.is_done))

# A blocked deliverable, as SQL over its own row.
BLOCKED_SQL = f"status = '{DeliverableStatus.BLOCKED.value}'"

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
    # Money an hour of this person's costs and is billed at; none: their role's (`RoleRate`).
    cost_rate: Mapped[float | None] = mapped_column(Numeric(10, 2))
    bill_rate: Mapped[float | None] = mapped_column(Numeric(10, 2))


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
    # What the engagement may take: hours, money (the organisation's currency), either or both.
    budget_hours: Mapped[float | None] = mapped_column(Numeric(10, 2))
    budget_amount: Mapped[float | None] = mapped_column(Numeric(14, 2))

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
    ends_on: Mapped[date | None] = mapped_column(Date)  # planned
    completed_on: Mapped[date | None] = mapped_column(Date)
    budget_hours: Mapped[float | None] = mapped_column(Numeric(10, 2))
    budget_amount: Mapped[float | None] = mapped_column(Numeric(14, 2))

    service: Mapped[Service] = relationship()


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
        # What is still to come on each service (open deliverables' estimates and last due day),
        # without reading the rows: open deliverables only, a fifth of them.
        Index("ix_deliverables_open_work", "team_id", "service_id", "due_on", "estimate_hours",
              sqlite_where=text(OPEN_STATUSES_SQL), postgresql_where=text(OPEN_STATUSES_SQL)),
        # The blocked ones by how long, as the escalation ladder's tick reads them (store.escalations): a
        # tenth of the open ones, and only those blocked long enough for a step are visited.
        Index("ix_deliverables_blocked", "team_id", "blocked_since",
              sqlite_where=text(BLOCKED_SQL), postgresql_where=text(BLOCKED_SQL)),
        # The completions of a period with what `/delivery patterns` counts of them (migration 0024).
        Index("ix_deliverables_team_completed", "team_id", "completed_at", "status", "due_on", "service_id",
              "owner_id"),
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
    # What kind of blocker (store.enums.BlockerCategory); none (rows from before categories) reads as "other".
    blocked_category: Mapped[str | None] = mapped_column(String(32))
    blocked_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    expected_unblock_on: Mapped[date | None] = mapped_column(Date)
    # Hours still expected to finish it (estimate to complete): what an open deliverable will add
    # to its service's spent hours.
    estimate_hours: Mapped[float | None] = mapped_column(Numeric(7, 2))
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
    # A block's category (store.enums.BlockerCategory), kept with the change for `/delivery patterns`.
    blocker_category: Mapped[str | None] = mapped_column(String(32))
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    changed_by_slack_user_id: Mapped[str | None] = mapped_column(String(32))
    surface: Mapped[Surface] = mapped_column(enum_column(Surface))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())

    changed_by: Mapped[Person | None] = relationship()


