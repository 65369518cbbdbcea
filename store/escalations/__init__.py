"""Following blocked deliverables through, in the store: the one place that knows who was told of a blocked
deliverable, when, and which are snoozed.

- `ladder`: the escalation ladder's ledger: what a tick claims (through `ix_deliverables_blocked`), how each
  step ends, and a step claimed by "Escalate now" (store.changes.deliverables).
- `follow_up`: the deliverables unblocked since a step was posted, whose messages are drawn again once.
- `snoozes`: live snoozes, and the ledger of the DM that says one came back.
- `notes`: what a blocked deliverable's row says of both.
- `problems`: the steps that failed or may not have arrived, for ops' summary.

The rules (when each step is due, until when a snooze holds) are store.rules.escalation. Callers import from
here, never the modules inside.
"""

from store.escalations.follow_up import MOST_REDRAWN_PER_TICK, settle_episode, take_ended
from store.escalations.ladder import (
    MOST_PER_TICK,
    NOBODY,
    Episode,
    StepOutcome,
    StepWork,
    audit_step,
    claim_due_steps,
    claim_step,
    expire_stale_steps,
    finish_steps,
    places_for_step,
    places_of,
    steps_of,
    taken_steps,
)
from store.escalations.notes import follow_ups
from store.escalations.problems import EscalationProblem, release_untold_escalations, take_untold_escalations
from store.escalations.snoozes import (
    ReturnOutcome,
    ReturnWork,
    claim_returns,
    end_snooze_early,
    expire_stale_returns,
    finish_returns,
    returns_of,
    snoozed_now,
    until_words,
)

__all__ = [
    "MOST_PER_TICK", "MOST_REDRAWN_PER_TICK", "NOBODY", "EscalationProblem", "Episode", "ReturnOutcome",
    "ReturnWork", "StepOutcome", "StepWork", "audit_step", "claim_due_steps", "claim_returns", "claim_step",
    "end_snooze_early", "expire_stale_returns", "expire_stale_steps", "finish_returns", "finish_steps", "follow_ups",
    "places_for_step", "places_of", "release_untold_escalations", "returns_of", "settle_episode", "snoozed_now",
    "steps_of", "take_ended", "take_untold_escalations", "taken_steps", "until_words",
]
