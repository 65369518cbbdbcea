"""The lead's warning of a milestone forecast to slip: posted once, and updated as the forecast moves.

At each scheduler tick, one transaction, committed before anything is posted:
- every open milestone due today or later that is forecast to slip (`store.queries.throughput`) and
  has no row in `slip_warnings` is claimed for its service's lead, unless the lead is in quiet hours
  or muted the service's warnings (`store.sla.hold_facts`): then it waits for a later tick, and the
  health finding "forecast to slip" shows it meanwhile in every answer and digest. A milestone whose
  service has no lead in Slack is recorded as having nobody to tell;
- every warning posted before whose forecast moved since (other dates, back on schedule, overdue,
  done, the service closed) has its `shown` moved on, so exactly one scheduler draws its message again.
A milestone is claimed once (its row is the key): it may slip, recover and slip again, and its lead
still has the one message, updated each time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Integer, String, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from store.db import mapped_table
from store.enums import DeliveryStatus, ServiceStatus
from store.ledger import expire_stale, finish_claims, release_told, take_untold
from store.models import Customer, Milestone, Person, Service, SlipWarning
from store.queries.forecast import slip_state
from store.queries.throughput import slipping
from store.rules.forecast import SlipState, slip_shown, week_end
from store.sla import hold_facts

if TYPE_CHECKING:
    from store.context import QueryContext

# At most this many warnings are claimed by one tick; the rest wait for the next.
MOST_PER_TICK = 200


@dataclass(frozen=True)
class SlipClaim:
    """A claimed warning: tell `lead` (a Slack user id) that the milestone is forecast to slip."""

    milestone_id: int
    lead: str


@dataclass(frozen=True)
class SlipWork:
    claimed: list[SlipClaim]
    moved: list[int]  # milestones whose posted warning is to be drawn again
    waiting: int  # forecast to slip, but their lead is in quiet hours or muted them: claimed later


@dataclass(frozen=True)
class SlipOutcome:
    milestone_id: int
    status: DeliveryStatus
    error: str | None = None


def _leads(session: Session, milestone_ids: Sequence[int]) -> dict[int, tuple[int, str | None]]:
    """(service id, lead's Slack user id) of each milestone."""
    rows = session.execute(
        select(Milestone.id, Milestone.service_id, Person.slack_user_id)
        .join(Service, Service.id == Milestone.service_id)
        .outerjoin(Person, Person.id == Service.owner_id)
        .where(Milestone.id.in_(list(milestone_ids))))
    return {milestone_id: (service_id, slack_id) for milestone_id, service_id, slack_id in rows}


def _states_of_posted(session: Session, ctx: QueryContext, slipping_now: dict[int, str]) -> dict[int, tuple[str, str]]:
    """(shown, shown now) of every warning posted: locked on PostgreSQL, less those another scheduler holds."""
    query = (select(SlipWarning.milestone_id, SlipWarning.shown, Milestone.due_on, Milestone.done_on, Service.status)
             .join(Milestone, Milestone.id == SlipWarning.milestone_id)
             .join(Service, Service.id == Milestone.service_id)
             .where(SlipWarning.team_id == ctx.team_id, SlipWarning.status == DeliveryStatus.SENT.value))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=SlipWarning, skip_locked=True)
    states = {}
    for milestone_id, shown, due_on, done_on, status in session.execute(query):
        now_shown = slipping_now.get(milestone_id) or slip_shown(slip_state(
            active=status == ServiceStatus.ACTIVE, done_on=done_on, due_on=due_on, today=ctx.today,
            slipping_now=False))
        states[milestone_id] = (shown, now_shown)
    return states


def claim_slip_work(session: Session, ctx: QueryContext, *, claimed_by: str,
                    limit: int = MOST_PER_TICK) -> SlipWork:
    """Claim the new slips and move on the warnings whose forecast moved (see the module's words)."""
    first_day = ctx.week.first_day
    found = slipping(session, ctx, from_today=True)
    slipping_now = {row.id: slip_shown(SlipState.SLIPS, week_end(first_day, weeks.likely) if weeks.likely else None,
                                       week_end(first_day, weeks.safe) if weeks.safe else None)
                    for row, weeks in found.milestones}
    known = set(session.scalars(select(SlipWarning.milestone_id).where(SlipWarning.team_id == ctx.team_id)))
    new = [milestone_id for milestone_id in slipping_now if milestone_id not in known][:limit]
    leads = _leads(session, new) if new else {}
    holds = hold_facts(session, ctx, slack_user_ids=[lead for _s, lead in leads.values() if lead],
                       service_ids=[service_id for service_id, _l in leads.values()])
    rows, waiting = [], 0
    for milestone_id in new:
        service_id, lead = leads[milestone_id]
        if lead and holds.reason(ctx, lead, service_id) is not None:
            waiting += 1
            continue
        status = DeliveryStatus.PENDING if lead else DeliveryStatus.EMPTY
        rows.append({"milestone_id": milestone_id, "team_id": ctx.team_id, "status": status.value,
                     "error": None if lead else "its service has no lead in Slack to tell",
                     "shown": slipping_now[milestone_id], "claimed_at": ctx.now, "claimed_by": claimed_by,
                     "finished_at": None if lead else ctx.now})
    claimed = []
    if rows:
        dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        inserted = session.execute(dialect.insert(SlipWarning).values(rows)
                                   .on_conflict_do_nothing(index_elements=["milestone_id"])
                                   .returning(SlipWarning.milestone_id, SlipWarning.status))
        claimed = [SlipClaim(milestone_id, leads[milestone_id][1] or "") for milestone_id, status in inserted
                   if status == DeliveryStatus.PENDING.value]
    moved = {milestone_id: now_shown for milestone_id, (shown, now_shown)
             in _states_of_posted(session, ctx, slipping_now).items() if shown != now_shown}
    if moved:
        table = mapped_table(SlipWarning)
        session.execute(update(table).where(table.c.milestone_id == bindparam("milestone", type_=Integer()))
                        .values(shown=bindparam("now_shown", type_=String())),
                        [{"milestone": milestone_id, "now_shown": shown} for milestone_id, shown in moved.items()])
    return SlipWork(sorted(claimed, key=lambda claim: claim.milestone_id), sorted(moved), waiting)


def finish_slip_warnings(session: Session, ctx: QueryContext, *, outcomes: Sequence[SlipOutcome]) -> None:
    """Record how each claim ended, in one statement."""
    finish_claims(session, ctx, SlipWarning, "milestone_id", [(o.milestone_id, o.status, o.error) for o in outcomes])


def expire_stale_slip_warnings(session: Session, ctx: QueryContext, *, claimed_before: datetime) -> int:
    """Claims still pending from a process that stopped: uncertain, never posted again (`expire_stale`)."""
    return expire_stale(session, ctx, SlipWarning, claimed_before=claimed_before)


@dataclass(frozen=True)
class SlipProblem:
    """A failed or uncertain slip warning ops have not been told of."""

    warning_id: int
    status: DeliveryStatus
    error: str | None
    milestone: str
    service: str
    customer: str


def take_untold_slip_warnings(session: Session, ctx: QueryContext, *, limit: int = 500) -> list[SlipProblem]:
    """The failed and uncertain slip warnings ops have not been told of, marked told in this transaction."""
    rows = take_untold(session, ctx, SlipWarning, select(
        SlipWarning.id, SlipWarning.status, SlipWarning.error, Milestone.name, Service.name, Customer.name)
        .join(Milestone, Milestone.id == SlipWarning.milestone_id)
        .join(Service, Service.id == Milestone.service_id).join(Customer, Customer.id == Service.customer_id),
        limit=limit)
    return [SlipProblem(warning_id, DeliveryStatus(status), error, milestone, service, customer)
            for warning_id, status, error, milestone, service, customer in rows]


def release_untold_slip_warnings(session: Session, ctx: QueryContext, *, warning_ids: Sequence[int]) -> None:
    """Ops could not be told after all (the summary was not posted): tell them at the next tick."""
    release_told(session, ctx, SlipWarning, warning_ids)


def slip_warnings_of(session: Session, ctx: QueryContext) -> list[tuple[int, str, str]]:
    """(milestone id, status, shown) of every slip warning, by milestone: for tests and the CLI."""
    return list(session.execute(select(SlipWarning.milestone_id, SlipWarning.status, SlipWarning.shown)
                                .where(SlipWarning.team_id == ctx.team_id).order_by(SlipWarning.milestone_id)))
