"""State derived from the portfolio and kept current for the answers (store/health): never
loaded, imported or exported."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from store.enums import Health
from store.models.base import Base, UTCDateTime, enum_column

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


# The service of internal time (time entries on no service), in the weekly hours below.
NO_SERVICE = 0


class WeeklyHours(Base):
    """Hours a person logged in a week (Monday to Sunday of `week_on`, a Monday) on a service (or on
    internal work, `NO_SERVICE`), and the billable ones: kept by triggers on time entries (migration
    0014) in the writing transaction, so a week's hours per person read a few thousand sums instead
    of grouping tens of thousands of time entries."""

    __tablename__ = "weekly_hours"
    __table_args__ = {"sqlite_with_rowid": False}

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    week_on: Mapped[date] = mapped_column(Date, primary_key=True)
    person_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    service_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hours: Mapped[float] = mapped_column(Numeric(10, 2))
    billable_hours: Mapped[float] = mapped_column(Numeric(10, 2))


class ServiceHours(Base):
    """Hours a person has logged on a service to date, and the billable ones: kept by triggers on
    time entries (migration 0016) in the writing transaction, so every service's spend (its budget's
    burn, cost and revenue) reads a few rows per service instead of all its time entries."""

    __tablename__ = "service_hours"
    __table_args__ = {"sqlite_with_rowid": False}

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    service_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hours: Mapped[float] = mapped_column(Numeric(10, 2))
    billable_hours: Mapped[float] = mapped_column(Numeric(10, 2))


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
    team's checkpoint (store/health/tallies.py keeps them and reads them)."""

    __tablename__ = "engagement_tallies"
    # Clustered on the key in SQLite too: a team's tallies are read in one range, without a lookup each.
    __table_args__ = {"sqlite_with_rowid": False}

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    service_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recent: Mapped[int] = mapped_column(Integer)
    prior: Mapped[int] = mapped_column(Integer)

class TicketCheckpoint(Base):
    """Where a team's customer ticket tallies stand: the moment they were counted at and the window they
    counted. `as_of` is None when a change to the tickets moved a count as of that moment (the tickets
    table's triggers, migration 0025, clear it in the writing transaction): readers then count from the
    tickets."""

    __tablename__ = "ticket_checkpoints"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    as_of: Mapped[datetime | None] = mapped_column(UTCDateTime())
    window_days: Mapped[int] = mapped_column(Integer)


class TicketTally(Base):
    """One customer's tickets opened in the last window and the one before, and resolved late in the last,
    counted at its team's checkpoint (store/queries/customer_tickets.py keeps them and reads them)."""

    __tablename__ = "ticket_tallies"
    __table_args__ = {"sqlite_with_rowid": False}

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    customer_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    opened: Mapped[int] = mapped_column(Integer)
    opened_before: Mapped[int] = mapped_column(Integer)
    late: Mapped[int] = mapped_column(Integer)


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
    window's edge, an override expiring, midnight. store/health/kept.py."""

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


class KeptReport(Base):
    """A report over whole weeks already past, as counted at a refresh, for the period and rules it was
    counted with: `/delivery patterns` of the default length, the past weeks of `/delivery trends`. Past
    weeks change only by bulk writes, which drop these rows, so answers read this instead of counting.
    store/queries/kept_reports.py."""

    __tablename__ = "kept_reports"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    report: Mapped[str] = mapped_column(String(32), primary_key=True)  # which report: "patterns", "trends"
    weeks: Mapped[int] = mapped_column(Integer, primary_key=True)
    first_day: Mapped[date] = mapped_column(Date)  # the period's first day
    rules: Mapped[str] = mapped_column(String(255))  # the time zone and thresholds it was counted with
    body: Mapped[str] = mapped_column(Text)  # the report as JSON
    counted_at: Mapped[datetime] = mapped_column(UTCDateTime())

