"""How a service's health reads, everywhere it appears."""

from __future__ import annotations

from datetime import datetime

from messages.blocks.common import escape, plural
from store.enums import Health
from store.health.rules import days_between
from store.readmodels import ServiceHealthView

HEALTH_EMOJI = {
    Health.AT_RISK: ":red_circle:",
    Health.NEEDS_ATTENTION: ":large_yellow_circle:",
    Health.ON_TRACK: ":large_green_circle:",
}


def service_title(view: ServiceHealthView) -> str:
    return f"*{escape(view.customer_name)}* · {escape(view.service_name)}"


def service_summary(view: ServiceHealthView) -> str:
    """'Customer: first reason' (or the health, without reasons) for a notification text, escaped as
    the blocks are: the top-level text reaches Slack as mrkdwn too."""
    reason = escape(view.findings[0].reason) if view.findings else view.health.label
    return f"{escape(view.customer_name)}: {reason}"


def in_state_for(view: ServiceHealthView, now: datetime) -> str:
    if view.health_since is None or view.health == Health.ON_TRACK:
        return ""
    days = days_between(view.health_since, now)
    return " for under a day" if days == 0 else f" for {plural(days, 'day')}"


def service_health_line(view: ServiceHealthView, now: datetime | None = None) -> str:
    """Emoji, name, health (and for how long), the rules' reasons, owner and latest action."""
    duration = in_state_for(view, now) if now is not None else ""
    lines = [f"{HEALTH_EMOJI[view.health]} {service_title(view)} — {view.health.label}{duration}"]
    lines += [escape(f.reason) for f in view.findings]
    if view.override_reason is not None:
        lines.append(f"_Health set to {view.health.label} by a lead: {escape(view.override_reason)}_")
    details = [f"Owner: {escape(view.owner.name) if view.owner else 'nobody'}"]
    if view.action_note:
        details.append(f"Action: {escape(view.action_note)}")
    lines.append(" · ".join(details))
    return "\n".join(lines)
