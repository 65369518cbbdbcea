"""Counts kept up to date for the answers that would otherwise count the same rows each time.

`engagement`: customer sessions per service in the engagement windows, at a checkpoint the
scheduler moves. `kept_health`: each active service's shown health, assessed again by readers only
for the services marked changed (by triggers, migration 0010) or whose signals time has moved.
`refresh`: bringing both up to date, on the scheduler and after bulk writes (`after_bulk_load`, the one
step every bulk writer takes once its load has committed). The deliverable
counts need no code here: triggers keep them (migration 0009, `store.models.DeliverableCount`) and
`store.queries.portfolio.deliverable_tally` reads them.
"""

# Counted from other tables, never loaded, imported or exported.
DERIVED_TABLES = ("deliverable_counts", "engagement_checkpoints", "engagement_tallies", "health_changes",
                  "health_checkpoints", "kept_health")
