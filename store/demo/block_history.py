"""The demo's audit trail of past work, for `/delivery patterns`: when each done deliverable started (its move
from Not started to In progress) and the block episodes some had before they were done (spec.PAST_BLOCKS)."""

from __future__ import annotations

from datetime import datetime, timedelta

from store.demo import spec
from store.enums import DeliverableStatus, Surface
from store.models import Deliverable, Person, StatusChange

DAY = timedelta(days=1)


def _move(team_id: str, person: Person | None, when: datetime, before: DeliverableStatus, after: DeliverableStatus,
          reason: str | None = None, category: str | None = None) -> StatusChange:
    change = StatusChange(team_id=team_id, object_type="deliverable", object_id=0, field="status",
                          from_value=before.value, to_value=after.value, reason=reason, blocker_category=category,
                          changed_by_slack_user_id=person.slack_user_id if person else None, surface=Surface.SLACK,
                          changed_at=when)
    change.changed_by = person
    return change


def past_work(team_id: str, rows: list[object], key: str) -> list[tuple[StatusChange, Deliverable]]:
    """Audit rows (with the deliverable each is about) for the done deliverables among `rows`; `key(service,
    number)` is a demo deliverable's key."""
    done = {d.key: d for d in rows if isinstance(d, Deliverable) and d.status.is_done and d.completed_at}
    blocks = {key.format(b.service, b.number): b for b in spec.PAST_BLOCKS}
    audit = []
    for deliverable in done.values():
        assert deliverable.completed_at is not None  # chosen done with a completion time
        number = int(deliverable.key.rsplit("-", 1)[-1])
        owner = deliverable.owner
        started = deliverable.completed_at - (spec.CYCLE_DAYS[deliverable.service.phase] + number % 3) * DAY
        block = blocks.get(deliverable.key)
        if block is not None:
            unblocked = deliverable.completed_at - DAY
            since = unblocked - block.days * DAY
            started = min(started, since - DAY)
            audit += [(_move(team_id, owner, since, DeliverableStatus.IN_PROGRESS, DeliverableStatus.BLOCKED,
                             block.reason, block.category.value), deliverable),
                      (_move(team_id, owner, unblocked, DeliverableStatus.BLOCKED, DeliverableStatus.IN_PROGRESS),
                       deliverable)]
        audit.append((_move(team_id, owner, started, DeliverableStatus.NOT_STARTED, DeliverableStatus.IN_PROGRESS),
                      deliverable))
    missing = set(blocks) - set(done)
    if missing:
        raise ValueError(f"demo spec: past blocks of deliverables that are not done: {sorted(missing)}")
    return audit
