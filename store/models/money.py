"""What an hour costs and is billed at, by role: the rates of people who have none of their own."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from store.enums import Role
from store.models.base import Base, enum_column, team_column


class RoleRate(Base):
    """A workspace's cost and bill rates for a role, in the organisation's currency an hour."""

    __tablename__ = "role_rates"
    __table_args__ = (
        UniqueConstraint("team_id", "key"),
        UniqueConstraint("team_id", "role"),
        CheckConstraint("cost_rate IS NULL OR cost_rate >= 0", name="cost_rate_not_negative"),
        CheckConstraint("bill_rate IS NULL OR bill_rate >= 0", name="bill_rate_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = team_column()
    key: Mapped[str] = mapped_column(String(64))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    cost_rate: Mapped[float | None] = mapped_column(Numeric(10, 2))
    bill_rate: Mapped[float | None] = mapped_column(Numeric(10, 2))
