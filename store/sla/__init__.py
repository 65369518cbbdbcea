"""SLA warnings in the store: the one place that knows when a ticket crosses a threshold and who
has claimed warning of it.

- `schedule`: each open ticket's next threshold and its instant, kept in `sla_marks` (derived; the
  rules are store.rules.sla) and computed again after a bulk load or a change of policy.
- `crossings`: what a tick claims (the thresholds crossed since, from the marks' index), and the
  warnings ledger's outcomes.
- `holds`: warnings not posted to someone (quiet hours, a mute), kept for their digest and at-risk.
- `follow_up`: what follows a posted warning: ops told of failures once, and the messages of a ticket
  resolved since drawn again once.

Callers import from here, never the modules inside.
"""

from store.sla.crossings import (
    MOST_PER_TICK,
    Crossing,
    WarningOutcome,
    claim_crossings,
    expire_stale_warnings,
    finish_warnings,
    warnings_of,
)
from store.sla.follow_up import (
    MOST_REDRAWN_PER_TICK,
    WarningProblem,
    release_untold_warnings,
    settle_resolved,
    take_resolved,
    take_untold_warnings,
)
from store.sla.holds import (
    HELD_LOOKBACK,
    HoldFacts,
    held_warnings,
    hold_facts,
    mute_service_warnings,
    record_held,
)
from store.sla.schedule import ensure_schedule, forget_schedule, next_marks

__all__ = [
    "HELD_LOOKBACK", "MOST_PER_TICK", "MOST_REDRAWN_PER_TICK", "Crossing", "HoldFacts", "WarningOutcome",
    "WarningProblem", "claim_crossings", "ensure_schedule", "expire_stale_warnings", "finish_warnings",
    "forget_schedule", "held_warnings", "hold_facts", "mute_service_warnings", "next_marks", "record_held",
    "release_untold_warnings", "settle_resolved", "take_resolved", "take_untold_warnings",
    "warnings_of",
]
