"""Following blocked deliverables through: their snoozes (each also the ledger of the DM that says it came
back) and the escalation ladder's ledger, one row per (deliverable, blocked episode, step), claimed before
anything is posted. Neither changes a deliverable's row, its version or its health: a snoozed or escalated
deliverable is as blocked as before, everywhere it is counted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from store.models.base import Base, UTCDateTime
from store.models.portfolio import Deliverable, Person

# A snooze whose return nobody has claimed yet: what a tick reads (by its end) to find the ended ones.
UNRETURNED_SQL = "return_status IS NULL"


class DeliverableSnooze(Base):
    """A blocked deliverable's follow-up held until `until` by someone, with their reason (audited as a status
    change too): it leaves the at-risk digest and its escalation waits. One row per deliverable (snoozing
    again replaces it); it holds the episode it was set in (`blocked_since`), so a deliverable unblocked and
    blocked again is not held by an old snooze. The `return_*` columns are the ledger of the DM to its owner
    when it ends: claimed before posting, so it is posted at most once."""

    __tablename__ = "deliverable_snoozes"
    __table_args__ = (Index("ix_deliverable_snoozes_unreturned", "team_id", "until",
                            sqlite_where=text(UNRETURNED_SQL), postgresql_where=text(UNRETURNED_SQL)),)

    deliverable_id: Mapped[int] = mapped_column(ForeignKey("deliverables.id", ondelete="CASCADE"), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    blocked_since: Mapped[datetime] = mapped_column(UTCDateTime())
    until: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(Text)
    snoozed_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    snoozed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The return: none until a tick claims it (store.enums.DeliveryStatus after).
    return_status: Mapped[str | None] = mapped_column(String(16))
    return_error: Mapped[str | None] = mapped_column(String(200))
    return_claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    return_claimed_by: Mapped[str | None] = mapped_column(String(64))
    return_finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


# A step whose outcome may have left a message in Slack, not yet drawn again as ended: what a tick reads to
# find the deliverables unblocked since (by an import or any write), never every deliverable.
UNSETTLED_SQL = "status IN ('sent', 'failed', 'uncertain') AND settled_at IS NULL"


class EscalationStep(Base):
    """The escalation ladder's ledger: one row per (deliverable, blocked episode, step), claimed before it is
    posted, so restarts, several schedulers and two clicks on "Escalate now" never take a step twice.
    `status` is a store.enums.DeliveryStatus."""

    __tablename__ = "escalation_steps"
    __table_args__ = (UniqueConstraint("deliverable_id", "blocked_since", "step"),
                      Index("ix_escalation_steps_team_status", "team_id", "status"),
                      Index("ix_escalation_steps_unsettled", "team_id", "deliverable_id",
                            sqlite_where=text(UNSETTLED_SQL), postgresql_where=text(UNSETTLED_SQL)))

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    deliverable_id: Mapped[int] = mapped_column(ForeignKey("deliverables.id", ondelete="CASCADE"))
    blocked_since: Mapped[datetime] = mapped_column(UTCDateTime())  # the episode
    step: Mapped[int] = mapped_column(Integer)  # 1 owner, 2 lead, 3 channels (store.rules.escalation.RUNGS)
    # Who a DM step told (the owner, or the lead): named on cards ("escalated to @priya on Tue").
    told_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    # "Escalate now": who asked, and their note; none when the ladder took it on its schedule.
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(String(200))
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime())  # when the step was taken
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When the episode's messages were drawn again showing it ended (by the click that unblocked it, else by
    # the scheduler's next tick): done once.
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When ops were told the step failed or may not have arrived (digests.ops_report): once.
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    # For writing a step with its objects (the demo): queries read the ids.
    deliverable: Mapped[Deliverable] = relationship()
    told: Mapped[Person | None] = relationship(foreign_keys=[told_id])
