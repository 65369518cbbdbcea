"""Service health: the one place that knows how a service's health is found, and the one entry point
answers use to ask for it.

- `rules`: the pure rules that turn a service's signals into findings and a shown health.
- `signals`: the signals of many services at once, in SQL.
- `assessing`: signals and rules together, for some services or for those that can be other than On Track.
- `portfolio`: counts over every active service and read models of the first of a list, in an order.
- `as_of`: health at an earlier moment, from what the database dates.
- `kept`, `tallies`, `keeping`: what is kept to answer fast (each active service's shown health; the
  customer sessions in the engagement windows) and bringing it up to date. Migration 0010's triggers
  mark a service whenever something its health is assessed from changes, and readers assess the
  marked ones again. Nothing outside this package sees whether an answer was kept or assessed.
- `session_counts` and `session_counts_at` (in `tallies`): each service's customer sessions in the
  engagement windows as the rule counts them, from the tallies when they are current, or as a statement
  over some services (`/delivery customers` and a customer's card sum them by customer).

Callers import from here (and `store.health.rules` for the rules' types), never the modules inside.
"""

from store.health.as_of import HealthThen, done_by, existed_then, health_as_of, signalled_as_of
from store.health.assessing import assess_signalled, counts_with_quiet
from store.health.keeping import KEPT_EVERY, refresh_kept
from store.health.portfolio import (
    MAX_SHOWN_SERVICES,
    PortfolioHealth,
    ServiceOrder,
    ShownServices,
    Standing,
    by_customer_and_name,
    health_of,
    longest_in_state_first,
    portfolio_health,
    views_of,
    worst_first,
)
from store.health.signals import of_active_services
from store.health.tallies import session_counts, session_counts_at

__all__ = [
    "KEPT_EVERY", "MAX_SHOWN_SERVICES", "HealthThen", "PortfolioHealth", "ServiceOrder", "ShownServices", "Standing",
    "assess_signalled", "by_customer_and_name", "counts_with_quiet", "done_by", "existed_then", "health_as_of",
    "health_of", "longest_in_state_first", "of_active_services", "portfolio_health", "refresh_kept",
    "session_counts", "session_counts_at", "signalled_as_of", "views_of", "worst_first",
]
