"""Each digest's default rhythm, used when a subscription does not say otherwise."""

from __future__ import annotations

from dataclasses import dataclass

from digests.kinds import DigestKind


@dataclass(frozen=True)
class DefaultSchedule:
    at_time: str
    days: str


DEFAULTS = {
    DigestKind.AT_RISK: DefaultSchedule("08:30", "weekdays"),
    DigestKind.OVERDUE_TICKETS: DefaultSchedule("09:00", "weekdays"),
    DigestKind.WEEKLY_PORTFOLIO: DefaultSchedule("08:00", "mon"),
    # In each person's own Slack time zone, by DM.
    DigestKind.PERSONAL: DefaultSchedule("08:30", "weekdays"),
}
# Channels subscribe to these; the personal digest goes to everyone linked, unless they turn it off.
CHANNEL_DIGESTS = (DigestKind.AT_RISK, DigestKind.OVERDUE_TICKETS, DigestKind.WEEKLY_PORTFOLIO)
