"""Read-model rows built the same way by every query that shows them."""

from __future__ import annotations

from datetime import date

from store.models import Deliverable
from store.readmodels import DeliverableLine, PersonRef


def person_ref(name: str | None, slack_user_id: str | None) -> PersonRef | None:
    return PersonRef(name=name, slack_user_id=slack_user_id) if name else None


def deliverable_line(deliverable: Deliverable, owner: PersonRef | None, today: date) -> DeliverableLine:
    """One deliverable as every list shows it; late = not done and due before today."""
    due = deliverable.due_on
    return DeliverableLine(
        deliverable_id=deliverable.id, name=deliverable.name, status=deliverable.status, owner=owner, due_on=due,
        blocked_reason=deliverable.blocked_reason, blocked_since=deliverable.blocked_since,
        blocked_category=deliverable.blocked_category,
        late=not deliverable.status.is_done and due is not None and due < today,
        version=deliverable.version,
    )
