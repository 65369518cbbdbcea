"""SLA warnings: when each open ticket next crosses a threshold (kept by `store.sla`), the ledger of
the warnings claimed, one row per (ticket, threshold), written before anything is posted, and the
snoozes that hold a ticket's warnings for a while."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base, UTCDateTime


class SlaMark(Base):
    """An open ticket's next threshold not yet warned of, and when it is crossed. Derived (store.sla
    schedules it from the tickets and the ledger): never imported or exported."""

    __tablename__ = "sla_marks"
    # What a scheduler's tick reads: the marks crossed since, in time order, by index alone.
    __table_args__ = (Index("ix_sla_marks_team_at", "team_id", "at"),)

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    level: Mapped[int] = mapped_column(Integer)  # percent of the SLA; 100 is the breach
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class SlaSchedule(Base):
    """Which warning policy a team's marks were computed by (store.rules.sla.SlaPolicy.fingerprint):
    when the thresholds or working hours change, or a bulk load drops the row, the marks are computed again."""

    __tablename__ = "sla_schedules"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(200))
    scheduled_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The highest ticket id looked at: tickets added since (by id) are scheduled at the next tick.
    last_ticket_id: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class TicketSnooze(Base):
    """A ticket's SLA warnings held until `until` by someone, with their reason (audited as a status
    change too). The ticket still counts as it is everywhere else: only its warnings wait."""

    __tablename__ = "ticket_snoozes"

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    until: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(Text)
    snoozed_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    snoozed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class HeldWarning(Base):
    """A warning not posted: a DM in its reader's quiet hours or about a service they muted (their next
    personal digest lists it), or a channel post past the channel's hourly budget (rolled into that
    hour's summary message). `/delivery at-risk` lists them all."""

    __tablename__ = "held_warnings"
    __table_args__ = (Index("ix_held_warnings_team_held", "team_id", "held_at"),
                      Index("ix_held_warnings_team_place", "team_id", "place", "held_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    level: Mapped[int] = mapped_column(Integer)
    place: Mapped[str] = mapped_column(String(32))  # a Slack user id (a DM) or a channel id
    reason: Mapped[str] = mapped_column(String(16))  # store.rules.sla.HoldReason
    held_at: Mapped[datetime] = mapped_column(UTCDateTime())


class WarningMute(Base):
    """Someone's SLA warnings by DM for one service, muted until `until` (from a warning's button)."""

    __tablename__ = "warning_mutes"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    slack_user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"), primary_key=True)
    until: Mapped[datetime] = mapped_column(UTCDateTime())
    muted_at: Mapped[datetime] = mapped_column(UTCDateTime())


# A warning whose outcome may have left a message in Slack (sent to every place, or to some before one
# failed or went unanswered), while its ticket's messages have not been drawn again as resolved: what a
# tick reads to find the tickets resolved since (by an import or any write), never every ticket.
UNSETTLED_SQL = "status IN ('sent', 'failed', 'uncertain') AND resolution_shown_at IS NULL"
# A failed or uncertain warning ops have not been told of: usually none.
UNTOLD_SQL = "status IN ('failed', 'uncertain') AND reported_at IS NULL"


class TicketWarning(Base):
    """The warnings ledger: one row per (ticket, threshold), claimed before it is posted, so restarts and
    several schedulers never warn twice. `status` is a store.enums.DeliveryStatus."""

    __tablename__ = "ticket_warnings"
    __table_args__ = (UniqueConstraint("team_id", "ticket_id", "level"),
                      Index("ix_ticket_warnings_team_status", "team_id", "status"),
                      Index("ix_ticket_warnings_unsettled", "team_id", "ticket_id",
                            sqlite_where=text(UNSETTLED_SQL), postgresql_where=text(UNSETTLED_SQL)),
                      Index("ix_ticket_warnings_untold", "team_id", "id",
                            sqlite_where=text(UNTOLD_SQL), postgresql_where=text(UNTOLD_SQL)))

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    level: Mapped[int] = mapped_column(Integer)
    crossed_at: Mapped[datetime] = mapped_column(UTCDateTime())  # when the ticket crossed the threshold
    status: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(String(200))
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # when ops were told of a failure
    # When the ticket's posted warnings were drawn again showing it resolved (by the click that resolved
    # it, else by the scheduler's next tick): done once.
    resolution_shown_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SlipWarning(Base):
    """The milestone-slip warnings ledger: one row per milestone, claimed before the service's lead is
    told it is forecast to slip, so the warning is posted once; `shown` is what the posted message says
    of the forecast now, so a move of the forecast updates that one message, and only once."""

    __tablename__ = "slip_warnings"
    __table_args__ = (UniqueConstraint("milestone_id"), Index("ix_slip_warnings_team_status", "team_id", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    milestone_id: Mapped[int] = mapped_column(ForeignKey("milestones.id", ondelete="CASCADE"))
    team_id: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))  # store.enums.DeliveryStatus
    error: Mapped[str | None] = mapped_column(String(200))
    shown: Mapped[str] = mapped_column(String(64))  # store.rules.forecast: the forecast's state in a few words
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # when ops were told of a failure
