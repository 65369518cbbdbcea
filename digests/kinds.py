"""The digests the bot can send."""

from enum import StrEnum


class DigestKind(StrEnum):
    AT_RISK = "at-risk"
    OVERDUE_TICKETS = "overdue-tickets"
    WEEKLY_PORTFOLIO = "weekly-portfolio"
    PERSONAL = "personal"
