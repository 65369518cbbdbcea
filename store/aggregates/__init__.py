"""Counts kept up to date for the answers that would otherwise count the same rows each time.

`engagement`: customer sessions per service in the engagement windows, at a checkpoint the
scheduler moves. The deliverable counts need no code here: triggers keep them (migration 0009,
`store.models.DeliverableCount`) and `store.queries.portfolio.deliverable_tally` reads them.
"""

# Counted from other tables, never loaded, imported or exported.
DERIVED_TABLES = ("deliverable_counts", "engagement_checkpoints", "engagement_tallies")
