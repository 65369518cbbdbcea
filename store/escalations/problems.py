"""The escalation steps that failed or may not have arrived, for ops' one summary per tick
(digests.ops_report): each told once, through the ledgers' shared `take_untold`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.context import QueryContext
from store.enums import DeliveryStatus
from store.ledger import release_told, take_untold
from store.models import Customer, Deliverable, EscalationStep, Service


@dataclass(frozen=True)
class EscalationProblem:
    step_id: int
    status: DeliveryStatus
    error: str | None
    step: int
    deliverable: str
    service: str
    customer: str


def take_untold_escalations(session: Session, ctx: QueryContext, *, limit: int = 500) -> list[EscalationProblem]:
    """The failed and uncertain escalation steps ops have not been told of, marked told in this transaction."""
    rows = take_untold(session, ctx, EscalationStep, select(
        EscalationStep.id, EscalationStep.status, EscalationStep.error, EscalationStep.step, Deliverable.name,
        Service.name, Customer.name)
        .join(Deliverable, Deliverable.id == EscalationStep.deliverable_id)
        .join(Service, Service.id == Deliverable.service_id).join(Customer, Customer.id == Service.customer_id),
        limit=limit)
    return [EscalationProblem(step_id, DeliveryStatus(status), error, step, deliverable, service, customer)
            for step_id, status, error, step, deliverable, service, customer in rows]


def release_untold_escalations(session: Session, ctx: QueryContext, *, step_ids: Sequence[int]) -> None:
    """Ops could not be told after all (the summary was not posted): tell them at the next tick."""
    release_told(session, ctx, EscalationStep, step_ids)
