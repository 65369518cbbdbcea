"""Move a deliverable between statuses, from Slack, the CLI or an import; snooze a blocked one, or escalate it now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from store.changes import ChangeApplied, ChangeRefused, InvalidChange, StaleChange, rows_matched
from store.changes.actors import actor_facts, actor_person, last_change, target_facts
from store.context import QueryContext
from store.enums import BlockerCategory, DeliverableStatus, Surface
from store.escalations import (
    NOBODY,
    Episode,
    audit_step,
    claim_step,
    end_snooze_early,
    places_for_step,
    settle_episode,
    taken_steps,
    until_words,
)
from store.models import Deliverable, DeliverableSnooze, Person, Service, StatusChange
from store.readmodels.escalations import EscalationApplied, StepPlace
from store.rules.escalation import LAST_STEP, MAX_SNOOZE_DAYS, Rung, rung_of, step_words
from store.rules.permissions import Permission, authorize
from store.rules.transitions import RESULT, Move, allowed_moves, permission_for


def _stale(session: Session, ctx: QueryContext, deliverable: Deliverable) -> StaleChange:
    who, when = last_change(session, ctx, "deliverable", deliverable.id)
    return StaleChange(f"marked {deliverable.status.label}", who, when)


def _new_values(ctx: QueryContext, deliverable: Deliverable, move: Move, person_id: int | None,
                reason: str | None, expected_unblock_on: date | None, category: BlockerCategory | None) -> dict:
    status = RESULT[move]
    values: dict = {"status": status, "version": deliverable.version + 1}
    if move == Move.BLOCK:
        values |= {"blocked_reason": reason, "blocked_since": ctx.now, "expected_unblock_on": expected_unblock_on,
                   "blocked_category": (category or BlockerCategory.OTHER).value}
    elif deliverable.status == DeliverableStatus.BLOCKED:
        values |= {"blocked_reason": None, "blocked_since": None, "expected_unblock_on": None,
                   "blocked_category": None}
    if status == DeliverableStatus.COMPLETE:
        values["completed_at"] = ctx.now
    if move == Move.ACCEPT:
        values |= {"accepted_at": ctx.now, "accepted_by_id": person_id}
    if move == Move.REOPEN:
        values |= {"completed_at": None, "accepted_at": None, "accepted_by_id": None}
    return values


def _current_and_allowed(session: Session, ctx: QueryContext, actor_slack_user_id: str, deliverable_id: int,
                         version: int, permission: Permission) -> tuple[Deliverable, Service, Person]:
    """The deliverable, its service and the actor, when the actor has `permission` on it and it is still at
    `version`; else the refusal, or why it cannot change."""
    deliverable = session.get(Deliverable, deliverable_id)
    if deliverable is None or deliverable.team_id != ctx.team_id:
        raise InvalidChange("that deliverable no longer exists")
    service = session.get(Service, deliverable.service_id)
    assert service is not None  # deliverables.service_id is a non-null foreign key
    person = actor_person(session, ctx, actor_slack_user_id)
    decision = authorize(permission, actor_facts(person), target_facts(session, service, deliverable.owner_id))
    if not decision.allowed:
        raise ChangeRefused(decision.who_can, linked=person is not None)
    assert person is not None  # authorize allows no one without a Person row
    if deliverable.version != version:
        raise _stale(session, ctx, deliverable)
    return deliverable, service, person


def move_deliverable(
    session: Session,
    ctx: QueryContext,
    *,
    actor_slack_user_id: str,
    deliverable_id: int,
    move: Move,
    version: int,
    reason: str | None = None,
    expected_unblock_on: date | None = None,
    category: BlockerCategory | None = None,
    surface: Surface = Surface.SLACK,
) -> ChangeApplied:
    """Apply `move` if the actor may and the deliverable is still at `version`; else change nothing.

    Blocking keeps its `category` (none given: "other") on the deliverable and on its StatusChange row, for
    `/delivery patterns`; unblocking clears the deliverable's. Runs inside the caller's transaction: the new
    state and its StatusChange commit together.
    """
    deliverable, service, person = _current_and_allowed(session, ctx, actor_slack_user_id, deliverable_id, version,
                                                        permission_for(move))
    if move not in allowed_moves(deliverable.status):
        raise InvalidChange(f"'{deliverable.name}' is {deliverable.status.label}: it cannot {move.value} now")
    if move == Move.BLOCK and not (reason or "").strip():
        raise InvalidChange("blocking needs a reason")
    before, episode = deliverable.status, deliverable.blocked_since
    values = _new_values(ctx, deliverable, move, person.id, reason, expected_unblock_on, category)
    applied = rows_matched(session.execute(
        update(Deliverable)
        .where(Deliverable.id == deliverable_id, Deliverable.version == version)
        .values(**values)
        .execution_options(synchronize_session=False)
    ))
    if applied != 1:
        # Someone else's change committed between our read and our write.
        session.refresh(deliverable)
        raise _stale(session, ctx, deliverable)
    session.add(StatusChange(
        team_id=ctx.team_id, object_type="deliverable", object_id=deliverable_id, field="status",
        from_value=before.value, to_value=values["status"].value, reason=reason,
        blocker_category=values["blocked_category"] if move == Move.BLOCK else None, changed_by_id=person.id,
        changed_by_slack_user_id=actor_slack_user_id, surface=surface, changed_at=ctx.now,
    ))
    if before == DeliverableStatus.BLOCKED and episode is not None and surface == Surface.SLACK:
        # The click's listener draws every message showing the deliverable again (its escalations too): the
        # scheduler's tick, which draws those of deliverables unblocked any other way, leaves this one alone.
        settle_episode(session, ctx, deliverable_id=deliverable_id, blocked_since=episode)
    session.flush()
    return ChangeApplied(object_type="deliverable", object_id=deliverable_id, service_id=service.id,
                         from_value=before.value, to_value=values["status"].value, version=values["version"])


# ---- following a blocked deliverable through: snooze it, escalate it now (store.escalations) ----------------


ESCALATED = "escalated"


def _blocked_checked(session: Session, ctx: QueryContext, actor_slack_user_id: str, deliverable_id: int,
                     version: int, doing: str) -> tuple[Deliverable, Service, Person]:
    """The deliverable, its service and the actor, when the actor may change it (as for a move) and it is still
    blocked, as rendered."""
    deliverable, service, person = _current_and_allowed(session, ctx, actor_slack_user_id, deliverable_id, version,
                                                        Permission.CHANGE_DELIVERABLE)
    if deliverable.status != DeliverableStatus.BLOCKED or deliverable.blocked_since is None:
        raise InvalidChange(f"'{deliverable.name}' is {deliverable.status.label}: only a blocked deliverable can be "
                            f"{doing}")
    return deliverable, service, person


def check_blocked_change(session: Session, ctx: QueryContext, *, actor_slack_user_id: str, deliverable_id: int,
                         version: int, doing: str) -> str:
    """Raise what snoozing or escalating now would raise (refused, stale, not blocked; no step left, or nobody
    to tell at the next); else the deliverable's name. Lets the menu answer at once instead of after the form
    is filled in; the change checks again."""
    deliverable, service, _person = _blocked_checked(session, ctx, actor_slack_user_id, deliverable_id, version,
                                                     doing)
    if doing == ESCALATED:
        _next_step(session, ctx, deliverable, service)
    return deliverable.name


@dataclass(frozen=True)
class _NextStep:
    episode: Episode
    step: int
    taken: list[int]  # the episode's steps' ids
    places: list[StepPlace]
    told_id: int | None


def _next_step(session: Session, ctx: QueryContext, deliverable: Deliverable, service: Service) -> _NextStep:
    """The blocked episode's next step and where it goes; InvalidChange when none is left or nobody is there."""
    since = deliverable.blocked_since
    assert since is not None  # checked blocked, with its episode
    taken = taken_steps(session, ctx, [(deliverable.id, since)])[(deliverable.id, since)]
    step = max(taken, default=0) + 1
    if step > LAST_STEP:
        raise InvalidChange(f"'{deliverable.name}' has taken every escalation step already; the last told "
                            f"{Rung.CHANNELS.words}")
    episode = Episode(deliverable.id, service.id, since, deliverable.owner_id, service.owner_id)
    places, told_id = places_for_step(session, ctx, episode, step)
    if not places:
        raise InvalidChange(f"its next escalation step has nobody to tell: {NOBODY[rung_of(step)]}")
    return _NextStep(episode, step, [step_id for step_id, _at in taken.values()], places, told_id)


def snooze_deliverable(session: Session, ctx: QueryContext, *, actor_slack_user_id: str, deliverable_id: int,
                       version: int, until: datetime, reason: str, surface: Surface = Surface.SLACK) -> ChangeApplied:
    """Hold a blocked deliverable's follow-up until `until` (a reason required): it leaves the at-risk digest and
    its escalation waits; when it ends its owner hears it is back. The deliverable itself is unchanged (its
    version and health too): it still counts as blocked everywhere. Snoozing again replaces the snooze."""
    deliverable, service, person = _blocked_checked(session, ctx, actor_slack_user_id, deliverable_id, version,
                                                    "snoozed")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidChange("snoozing needs a reason")
    if until <= ctx.now:
        raise InvalidChange("a snooze must end in the future")
    if until > ctx.now + timedelta(days=MAX_SNOOZE_DAYS + 1):
        raise InvalidChange(f"a snooze lasts at most {MAX_SNOOZE_DAYS} days")
    assert deliverable.blocked_since is not None  # checked blocked, with its episode
    snooze = session.get(DeliverableSnooze, deliverable_id)
    live = snooze is not None and snooze.blocked_since == deliverable.blocked_since and snooze.until > ctx.now
    before = until_words(snooze.until) if snooze is not None and live else None
    if snooze is None:
        snooze = DeliverableSnooze(deliverable_id=deliverable_id, team_id=ctx.team_id)
        session.add(snooze)
    snooze.blocked_since, snooze.until, snooze.reason = deliverable.blocked_since, until, reason
    snooze.snoozed_by_id, snooze.snoozed_at = person.id, ctx.now
    snooze.return_status = snooze.return_error = snooze.return_claimed_by = None
    snooze.return_claimed_at = snooze.return_finished_at = None
    after = until_words(until)
    session.add(StatusChange(
        team_id=ctx.team_id, object_type="deliverable", object_id=deliverable_id, field="snooze", from_value=before,
        to_value=after, reason=reason, changed_by_id=person.id, changed_by_slack_user_id=actor_slack_user_id,
        surface=surface, changed_at=ctx.now))
    session.flush()
    return ChangeApplied(object_type="deliverable", object_id=deliverable_id, service_id=service.id,
                         from_value=before, to_value=after, version=deliverable.version)


def escalate_deliverable(session: Session, ctx: QueryContext, *, actor_slack_user_id: str, deliverable_id: int,
                         version: int, note: str, surface: Surface = Surface.SLACK) -> EscalationApplied:
    """"Escalate now": take the blocked episode's next step at once, with the asker's note (required), claimed
    in the ladder's ledger for the caller to post (a live snooze ends with it). Refused when every step was
    taken, or when the next one has nobody to tell (a step is never spent on no one)."""
    deliverable, service, person = _blocked_checked(session, ctx, actor_slack_user_id, deliverable_id, version,
                                                    ESCALATED)
    note = (note or "").strip()
    if not note:
        raise InvalidChange("escalating needs a note saying what is needed")
    found = _next_step(session, ctx, deliverable, service)
    step = found.step
    end_snooze_early(session, ctx, deliverable_id=deliverable_id, blocked_since=found.episode.blocked_since,
                     why="ended by an escalation", person=person, actor_slack_user_id=actor_slack_user_id)
    claim = claim_step(session, ctx, found.episode, step, found.places, found.told_id, found.taken,
                       claimed_by=f"slack:{actor_slack_user_id}"[:64], requested_by_id=person.id, note=note)
    if claim is None:
        # Another "Escalate now", or the scheduler's tick, took this step first.
        who, when = last_change(session, ctx, "deliverable", deliverable_id)
        raise StaleChange(f"escalated to {rung_of(step).words}", who, when)
    audit_step(session, ctx, claim, reason=note, person=person, actor_slack_user_id=actor_slack_user_id,
               surface=surface)
    session.flush()
    return EscalationApplied(object_type="deliverable", object_id=deliverable_id, service_id=service.id,
                             from_value=step_words(step - 1) if step > 1 else None, to_value=step_words(step),
                             version=deliverable.version, claim=claim)
