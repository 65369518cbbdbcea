"""Who could help a service, and moving them there: people's and services' skills, and reallocation
proposals (issue 21).

Skills are short names ("data modeling"), stored normalised (store.rules.help.normalise_skill): what a
person can do, and what a service needs. A proposal asks for a person's hours a week on a service until
a day; its service's lead, the person's own leads (or ops) approve or decline it, or it expires.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, Numeric, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from store.enums import ProposalStatus
from store.models.base import Base, UTCDateTime, enum_column, team_column
from store.models.portfolio import Person, Service
from store.rules.help import SKILL_CHARS

# A proposal still waiting for a decision, as SQL over its own row (a partial index's condition).
PENDING_SQL = f"status = '{ProposalStatus.PENDING.value}'"


class PersonSkill(Base):
    """Something a person can do."""

    __tablename__ = "person_skills"
    # Who has a skill, by index alone (Find help matches a service's skills against everyone's).
    __table_args__ = (Index("ix_person_skills_team_skill", "team_id", "skill", "person_id"),)

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    skill: Mapped[str] = mapped_column(String(SKILL_CHARS), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))

    person: Mapped[Person] = relationship()


class ServiceSkill(Base):
    """Something a service needs."""

    __tablename__ = "service_skills"
    __table_args__ = (Index("ix_service_skills_team_skill", "team_id", "skill", "service_id"),)

    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"), primary_key=True)
    skill: Mapped[str] = mapped_column(String(SKILL_CHARS), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))

    service: Mapped[Service] = relationship()


class ReallocationProposal(Base):
    """A person proposed for a service, `hours_per_week` from `starts_on` until `ends_on` (both included).

    `status` moves once, from pending, by a conditional UPDATE that also bumps `version`: two clicks on
    Approve at once apply it once. Approved, it made `allocation_id` and put the person on the team."""

    __tablename__ = "reallocation_proposals"
    __table_args__ = (
        CheckConstraint("hours_per_week > 0 AND hours_per_week <= 168", name="hours_in_a_week"),
        CheckConstraint("ends_on >= starts_on", name="ends_after_it_starts"),
        # What a scheduler's tick reads: the pending proposals by expiry, and only those.
        Index("ix_reallocation_proposals_pending", "team_id", "expires_at",
              sqlite_where=text(PENDING_SQL), postgresql_where=text(PENDING_SQL)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = team_column()
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    hours_per_week: Mapped[float] = mapped_column(Numeric(5, 2))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[ProposalStatus] = mapped_column(enum_column(ProposalStatus), default=ProposalStatus.PENDING)
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    allocation_id: Mapped[int | None] = mapped_column(ForeignKey("allocations.id", ondelete="SET NULL"), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
