"""How a service's health reads, everywhere it appears."""

from __future__ import annotations

from store.enums import Health
from store.readmodels import ServiceHealthView

from handlers.blocks.common import escape

HEALTH_EMOJI = {
    Health.AT_RISK: ":red_circle:",
    Health.NEEDS_ATTENTION: ":large_yellow_circle:",
    Health.ON_TRACK: ":large_green_circle:",
}


def service_title(view: ServiceHealthView) -> str:
    return f"*{escape(view.customer_name)}* · {escape(view.service_name)}"


def service_health_line(view: ServiceHealthView) -> str:
    """Emoji, name, health, the rules' reasons, owner and latest action."""
    lines = [f"{HEALTH_EMOJI[view.health]} {service_title(view)} — {view.health.label}"]
    lines += [escape(f.reason) for f in view.findings]
    if view.override_reason is not None:
        lines.append(f"_Health set to {view.health.label} by a lead: {escape(view.override_reason)}_")
    details = [f"Owner: {escape(view.owner.name) if view.owner else 'nobody'}"]
    if view.action_note:
        details.append(f"Action: {escape(view.action_note)}")
    lines.append(" · ".join(details))
    return "\n".join(lines)
