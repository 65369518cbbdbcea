"""Where people's hours went and are planned to go: time entries from timesheets, time off, allocations."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.expression import true

from store.models.base import Base, team_column
from store.models.portfolio import Person, Project, Service


class TimeEntry(Base):
    """Hours a person logged on a day: on a service (and project) or on internal work (neither)."""

    __tablename__ = "time_entries"
    __table_args__ = (
        UniqueConstraint("team_id", "key"),
        CheckConstraint("hours > 0 AND hours <= 24", name="hours_in_a_day"),
        # Covers a week's logged and billable hours per person (utilization) without reading rows.
        Index("ix_time_entries_team_day_person", "team_id", "worked_on", "person_id", "billable", "hours"),
        # A service's hours spent, for its budget.
        Index("ix_time_entries_service_day", "service_id", "worked_on"),
        Index("ix_time_entries_person_day", "person_id", "worked_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = team_column()
    key: Mapped[str] = mapped_column(String(64))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id", ondelete="SET NULL"))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="SET NULL"), index=True)
    worked_on: Mapped[date] = mapped_column(Date)
    hours: Mapped[float] = mapped_column(Numeric(4, 2))  # to the minute timesheets round to (0.25 h)
    billable: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    note: Mapped[str | None] = mapped_column(Text)
    # Where it came from: the timesheet tool, "csv", "demo".
    source: Mapped[str | None] = mapped_column(String(32))

    person: Mapped[Person] = relationship()
    service: Mapped[Service | None] = relationship()
    project: Mapped[Project | None] = relationship()


class TimeOff(Base):
    """A person away from `starts_on` to `ends_on` (both included), `hours_per_day` of each working day."""

    __tablename__ = "time_off"
    __table_args__ = (
        UniqueConstraint("team_id", "key"),
        CheckConstraint("ends_on >= starts_on", name="ends_after_it_starts"),
        CheckConstraint("hours_per_day > 0 AND hours_per_day <= 24", name="hours_in_a_day"),
        Index("ix_time_off_team_ends", "team_id", "ends_on", "starts_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = team_column()
    key: Mapped[str] = mapped_column(String(64))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    hours_per_day: Mapped[float] = mapped_column(Numeric(4, 2), default=8)
    note: Mapped[str | None] = mapped_column(String(200))

    person: Mapped[Person] = relationship()


class Allocation(Base):
    """Hours a week a person is planned to work on a service, from `starts_on` to `ends_on` (both
    included; no end: until further notice). What is scheduled ahead, with appointments."""

    __tablename__ = "allocations"
    __table_args__ = (
        UniqueConstraint("team_id", "key"),
        CheckConstraint("hours_per_week > 0 AND hours_per_week <= 168", name="hours_in_a_week"),
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="ends_after_it_starts"),
        Index("ix_allocations_team_person", "team_id", "person_id", "starts_on", "ends_on", "hours_per_week"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = team_column()
    key: Mapped[str] = mapped_column(String(64))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"), index=True)
    hours_per_week: Mapped[float] = mapped_column(Numeric(5, 2))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(String(200))

    person: Mapped[Person] = relationship()
    service: Mapped[Service] = relationship()
