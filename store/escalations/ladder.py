"""The escalation ladder's ledger: what a scheduler's tick claims, and how each claim ends.

At each tick, one transaction, committed before anything is posted: the blocked deliverables of active
services blocked long enough for a first step are read through `ix_deliverables_blocked`, less those whose
next step is not due yet (their episode's steps counted, and the last one's time read, through the
ledger's unique key): in a steady tick none or a few rows come back, with their episode's steps and
snooze. Each whose next step is due (store.rules.escalation) is claimed: its row in `escalation_steps`
written (a second scheduler, a restart or an "Escalate now" that wrote it first leaves nothing to claim),
its places decided (the owner's DM, the lead's, the channels subscribed to `escalations`) and the step
audited. A step whose reader is in their quiet hours waits for a later tick; one with nobody to tell is
recorded so (empty), and the ladder goes on.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from store.context import QueryContext
from store.digests import alert_channels
from store.enums import AlertKind, DeliverableStatus, DeliveryStatus, Surface
from store.health import of_active_services
from store.ledger import expire_stale, finish_claims
from store.models import Deliverable, DeliverableSnooze, EscalationStep, Person, Service, StatusChange
from store.readmodels.escalations import StepClaim, StepPlace
from store.rules.escalation import LAST_STEP, Rung, rung_of, step_words
from store.rules.sla import duration_words
from store.sla import hold_facts

# At most this many steps are claimed by one tick; the rest wait for the next.
MOST_PER_TICK = 200
NOBODY = {Rung.OWNER: "neither its owner nor the service's lead is in Slack",
          Rung.LEAD: "its service has no lead in Slack",
          Rung.CHANNELS: "no channel is subscribed to escalations (/delivery subscribe escalations)"}


@dataclass(frozen=True)
class StepOutcome:
    step_id: int
    status: DeliveryStatus
    error: str | None = None


@dataclass(frozen=True)
class Episode:
    """A blocked deliverable as the ladder sees it."""

    deliverable_id: int
    service_id: int
    blocked_since: datetime
    owner_id: int | None
    lead_id: int | None


@dataclass
class StepWork:
    claimed: list[StepClaim] = field(default_factory=list)
    empty: int = 0  # taken with nobody to tell (recorded so, and audited)
    waiting: int = 0  # due, but their reader is in quiet hours: claimed at a later tick


Taken = dict[tuple[int, datetime], dict[int, tuple[int, datetime]]]


def taken_steps(session: Session, ctx: QueryContext, episodes: Iterable[tuple[int, datetime]]) -> Taken:
    """The steps taken of each (deliverable, blocked since) episode: {step: (step id, when)}. One statement."""
    wanted = set(episodes)
    found: Taken = {key: {} for key in wanted}
    if not wanted:
        return found
    rows = session.execute(
        select(EscalationStep.deliverable_id, EscalationStep.blocked_since, EscalationStep.step, EscalationStep.id,
               EscalationStep.claimed_at)
        .where(EscalationStep.deliverable_id.in_(sorted({d for d, _ in wanted}))))
    for deliverable_id, since, step, step_id, at in rows:
        if (deliverable_id, since) in found:
            found[(deliverable_id, since)][step] = (step_id, at)
    return found


def _people(session: Session, ids: Iterable[int | None]) -> dict[int, str | None]:
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    return dict(session.execute(select(Person.id, Person.slack_user_id).where(Person.id.in_(wanted))).all())


def places_of(rung: Rung, episode: Episode, slack_ids: dict[int, str | None],
              channels: Sequence[str]) -> tuple[list[StepPlace], int | None]:
    """Where a step of `rung` goes, and the person it tells (a DM step)."""
    owner = slack_ids.get(episode.owner_id) if episode.owner_id else None
    lead = slack_ids.get(episode.lead_id) if episode.lead_id else None
    if rung == Rung.CHANNELS:
        return [StepPlace(id=channel, dm=False) for channel in dict.fromkeys(channels)], None
    if rung == Rung.OWNER and owner:
        return [StepPlace(id=owner, dm=True)], episode.owner_id
    if lead:  # the lead's step, or an owner's step when the owner is not in Slack
        return [StepPlace(id=lead, dm=True)], episode.lead_id
    return [], None


def places_for_step(session: Session, ctx: QueryContext, episode: Episode,
                    step: int) -> tuple[list[StepPlace], int | None]:
    """Where one step of `episode` goes now, and the person it tells: two statements at most."""
    rung = rung_of(step)
    slack_ids = _people(session, [episode.owner_id, episode.lead_id])
    channels = alert_channels(session, ctx, kind=AlertKind.ESCALATIONS) if rung == Rung.CHANNELS else []
    return places_of(rung, episode, slack_ids, channels)


def claim_step(session: Session, ctx: QueryContext, episode: Episode, step: int, places: list[StepPlace],
               told_id: int | None, episode_ids: list[int], *, claimed_by: str, requested_by_id: int | None = None,
               note: str | None = None) -> StepClaim | None:
    """Write the step's ledger row (pending, or empty with nobody to tell); None when it was written first."""
    status = DeliveryStatus.PENDING if places else DeliveryStatus.EMPTY
    row = {"team_id": ctx.team_id, "deliverable_id": episode.deliverable_id, "blocked_since": episode.blocked_since,
           "step": step, "told_id": told_id, "requested_by_id": requested_by_id, "note": note,
           "status": status.value, "error": None if places else NOBODY[rung_of(step)],
           "claimed_at": ctx.now, "claimed_by": claimed_by, "finished_at": None if places else ctx.now}
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    step_id = session.execute(
        dialect.insert(EscalationStep).values(row)
        .on_conflict_do_nothing(index_elements=["deliverable_id", "blocked_since", "step"])
        .returning(EscalationStep.id)).scalar()
    if step_id is None:
        return None
    return StepClaim(step_id=step_id, deliverable_id=episode.deliverable_id, service_id=episode.service_id,
                     blocked_since=episode.blocked_since, step=step, places=places, episode=[*episode_ids, step_id])


def audit_step(session: Session, ctx: QueryContext, claim: StepClaim, *, reason: str, person: Person | None = None,
               actor_slack_user_id: str | None = None, surface: Surface = Surface.SLACK) -> None:
    """The step in the audit trail: by the person who asked for it, or by the bot (no one) on its schedule."""
    session.add(StatusChange(
        team_id=ctx.team_id, object_type="deliverable", object_id=claim.deliverable_id, field="escalation",
        from_value=step_words(claim.step - 1) if claim.step > 1 else None, to_value=step_words(claim.step),
        reason=reason, changed_by_id=person.id if person else None, changed_by_slack_user_id=actor_slack_user_id,
        surface=surface, changed_at=ctx.now))


Candidate = tuple[int, int, datetime | None, int | None, datetime | None, datetime | None]


def _candidates(session: Session, ctx: QueryContext) -> list[Candidate]:
    """(id, service, blocked since, owner, snooze's end, snooze's episode) of the blocked deliverables of active
    services whose next step may be due (store.rules.escalation: blocked the days of the step after those their
    episode took, and the gap since the last one passed; steps are taken in order, so the count taken is the
    last one's number), longest blocked first; their episode's steps are read through the ledger's unique key.
    Snoozes are the caller's to weigh."""
    episode = (EscalationStep.deliverable_id == Deliverable.id,
               EscalationStep.blocked_since == Deliverable.blocked_since)
    taken = select(func.count()).where(*episode).scalar_subquery()
    last_at = select(func.max(EscalationStep.claimed_at)).where(*episode).scalar_subquery()
    days = ctx.escalation.days
    may_be_due = or_(
        and_(taken == 0, Deliverable.blocked_since <= ctx.now - timedelta(days=days[0])),
        *(and_(taken == step - 1, Deliverable.blocked_since <= ctx.now - timedelta(days=days[step - 1]),
               last_at <= ctx.now - timedelta(days=days[step - 1] - days[step - 2]))
          for step in range(2, len(days) + 1)))
    rows: list[Candidate] = []
    rows += session.execute(
        select(Deliverable.id, Deliverable.service_id, Deliverable.blocked_since, Deliverable.owner_id,
               DeliverableSnooze.until, DeliverableSnooze.blocked_since)
        .outerjoin(DeliverableSnooze, DeliverableSnooze.deliverable_id == Deliverable.id)
        .where(Deliverable.team_id == ctx.team_id, Deliverable.status == DeliverableStatus.BLOCKED,
               Deliverable.blocked_since <= ctx.now - ctx.escalation.first_gap, may_be_due,
               of_active_services(Deliverable.service_id, ctx.team_id))
        .order_by(Deliverable.blocked_since, Deliverable.id))
    return rows


def _leads(session: Session, service_ids: Iterable[int]) -> dict[int, int | None]:
    wanted = sorted(set(service_ids))
    return dict(session.execute(select(Service.id, Service.owner_id).where(Service.id.in_(wanted))).all()) \
        if wanted else {}


def _locked(session: Session, ids: list[int]) -> set[int]:
    """On PostgreSQL, the due deliverables no other scheduler's tick is claiming (those it locked are its own)."""
    if not ids or session.get_bind().dialect.name != "postgresql":
        return set(ids)
    return set(session.scalars(select(Deliverable.id).where(Deliverable.id.in_(ids))
                               .with_for_update(skip_locked=True, key_share=True)))


def claim_due_steps(session: Session, ctx: QueryContext, *, claimed_by: str, limit: int = MOST_PER_TICK) -> StepWork:
    """Claim every escalation step due now (see the module's words), at most `limit`."""
    rows = _candidates(session, ctx)
    taken = taken_steps(session, ctx, [(row[0], row[2]) for row in rows if row[2] is not None]) if rows else {}
    due: list[tuple[Episode, int]] = []
    for deliverable_id, service_id, since, owner_id, until, snoozed_since in rows:
        if since is None:
            continue  # the query asked for a blocked since: the type does not know it
        held = until if until is not None and snoozed_since == since else None
        if held is not None and held > ctx.now:
            continue  # snoozed: its next step waits for the snooze's end
        steps = taken[(deliverable_id, since)]
        next_due = ctx.escalation.next_step(since, {step: at for step, (_id, at) in steps.items()}, held)
        if next_due is not None and next_due.at <= ctx.now:
            due.append((Episode(deliverable_id, service_id, since, owner_id, None), next_due.step))
        if len(due) >= limit:
            break
    work = StepWork()
    if not due:
        return work
    mine = _locked(session, [episode.deliverable_id for episode, _step in due])
    leads = _leads(session, [episode.service_id for episode, _step in due])
    due = [(Episode(e.deliverable_id, e.service_id, e.blocked_since, e.owner_id, leads.get(e.service_id)), step)
           for e, step in due if e.deliverable_id in mine]
    slack_ids = _people(session, [p for e, _s in due for p in (e.owner_id, e.lead_id)])
    channels = alert_channels(session, ctx, kind=AlertKind.ESCALATIONS) \
        if any(step == LAST_STEP for _e, step in due) else []
    holds = hold_facts(session, ctx, slack_user_ids=[s for s in slack_ids.values() if s], service_ids=[])
    for episode, step in due:
        places, told_id = places_of(rung_of(step), episode, slack_ids, channels)
        if any(place.dm and holds.reason(ctx, place.id, None) is not None for place in places):
            work.waiting += 1  # their quiet hours: told when those end
            continue
        ids = [step_id for step_id, _at in taken[(episode.deliverable_id, episode.blocked_since)].values()]
        claim = claim_step(session, ctx, episode, step, places, told_id, ids, claimed_by=claimed_by)
        if claim is None:
            continue
        days = duration_words((ctx.now - episode.blocked_since).total_seconds())
        audit_step(session, ctx, claim, reason=f"blocked {days}" + ("" if places else f"; {NOBODY[rung_of(step)]}"))
        if places:
            work.claimed.append(claim)
        else:
            work.empty += 1
    session.flush()
    return work


def finish_steps(session: Session, ctx: QueryContext, *, outcomes: Sequence[StepOutcome]) -> None:
    """Record how each claim ended, in one statement."""
    finish_claims(session, ctx, EscalationStep, "id", [(o.step_id, o.status, o.error) for o in outcomes])


def expire_stale_steps(session: Session, ctx: QueryContext, *, claimed_before: datetime) -> int:
    """Claims still pending from a process that stopped: uncertain, never posted again (`expire_stale`)."""
    return expire_stale(session, ctx, EscalationStep, claimed_before=claimed_before)


def steps_of(session: Session, ctx: QueryContext) -> list[tuple[int, int, str]]:
    """(deliverable id, step, status) of every step claimed, in claim order: for tests and the CLI."""
    return list(session.execute(select(EscalationStep.deliverable_id, EscalationStep.step, EscalationStep.status)
                                .where(EscalationStep.team_id == ctx.team_id)
                                .order_by(EscalationStep.id)))
