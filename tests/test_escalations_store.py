"""Following blocked deliverables through, in the store (store/escalations, store/changes/deliverables.py):
the escalation ladder's ledger as the clock moves, snoozes and their returns, "Escalate now", and what a
tick notices of deliverables unblocked since. On the demo, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from sqlalchemy import event, select, update
from support import TEAM, WEDNESDAY, run_together

from bot.app import single_workspace
from bot.settings import load_settings
from handlers.commands.delivery import reply_for
from store.changes import ChangeRefused, InvalidChange, StaleChange
from store.changes.deliverables import (
    ESCALATED,
    check_blocked_change,
    escalate_deliverable,
    move_deliverable,
    snooze_deliverable,
)
from store.clock import FixedClock
from store.digests import subscribe
from store.enums import DeliverableStatus, DeliveryStatus
from store.escalations import (
    StepOutcome,
    claim_due_steps,
    claim_returns,
    expire_stale_steps,
    finish_steps,
    returns_of,
    steps_of,
    take_ended,
)
from store.health import health_of
from store.models import Deliverable, EscalationStep, Person, Service, StatusChange
from store.queries.digests import at_risk_digest
from store.queries.service_card import service_card
from store.rules.transitions import Move

DAY = timedelta(days=1)
BLOCKED_AT = WEDNESDAY - 2 * DAY - timedelta(minutes=1)  # the new deliverable: blocked two days ago
QUIET_OFF = load_settings(delivery_quiet_hours="")


@pytest.fixture
def workspace(demo_engine):
    return single_workspace(QUIET_OFF, demo_engine, FixedClock(WEDNESDAY))


def at(workspace, moment: datetime):
    return replace(workspace, clock=FixedClock(moment))


def sso(workspace) -> Deliverable:
    with workspace.sessions() as session:
        return session.scalars(select(Deliverable).where(Deliverable.name == "SSO integration")).one()


@pytest.fixture
def export(workspace) -> int:
    """Bill's blocked deliverable on Chris's Gamma LLC (Bill is on its team), blocked two days and a minute ago."""
    with workspace.sessions.begin() as session:
        gamma = session.scalars(select(Service).where(Service.name == "Platform Discovery")).one()
        bill = session.scalars(select(Person).where(Person.slack_user_id == "U0BILL")).one()
        row = Deliverable(team_id=TEAM, key="esc-export", service_id=gamma.id, name="Data export", owner_id=bill.id,
                          status=DeliverableStatus.BLOCKED, blocked_reason="Waiting for the customer's VPN",
                          blocked_since=BLOCKED_AT)
        session.add(row)
        session.flush()
        return row.id


def claimed(workspace, moment: datetime) -> list[tuple[int, int, list[str]]]:
    work = at(workspace, moment).change(claim_due_steps, claimed_by="test")
    return [(c.deliverable_id, c.step, [p.id for p in c.places]) for c in work.claimed]


def version(workspace, deliverable_id: int) -> int:
    with workspace.sessions() as session:
        return session.get(Deliverable, deliverable_id).version


# -- the ladder ---------------------------------------------------------------------------------------------


def test_the_demo_has_delta_sso_escalated_to_its_lead_on_record_and_the_channels_are_next(workspace):
    delivered = sso(workspace)
    assert workspace.read(steps_of) == [(delivered.id, 1, "sent"), (delivered.id, 2, "sent")]
    card = workspace.read(service_card, service_id=delivered.service_id)
    (line,) = [d for d in card.deliverables if d.deliverable_id == delivered.id]
    assert (line.escalation.step, line.escalation.told.slack_user_id, line.escalation.last) == (2, "U0RYAN", False)
    assert claimed(workspace, WEDNESDAY) == [], "the lead was told on Monday: the channels' step is at 6 days"

    thursday = WEDNESDAY + DAY + timedelta(minutes=1)
    work = at(workspace, thursday).change(claim_due_steps, claimed_by="test")
    assert work.claimed == [] and work.empty == 1, "no channel subscribed to escalations: nobody to tell"
    assert workspace.read(steps_of)[-1] == (delivered.id, 3, "empty")
    with workspace.sessions() as session:
        audit = session.scalars(select(StatusChange).where(StatusChange.field == "escalation")
                                .order_by(StatusChange.changed_at)).all()
    assert [(a.from_value, a.to_value, a.changed_by_id) for a in audit] == [
        (None, "step 1: owner", None), ("step 1: owner", "step 2: lead", None), ("step 2: lead", "step 3: channels",
                                                                                None)]
    assert "no channel is subscribed to escalations" in audit[-1].reason
    card = at(workspace, thursday).read(service_card, service_id=delivered.service_id)
    (line,) = [d for d in card.deliverables if d.deliverable_id == delivered.id]
    assert line.escalation.step == 2 and line.escalation.last, "the last step was taken: Escalate now is not offered"


def test_a_channel_subscribed_to_escalations_gets_the_last_step_once(workspace):
    workspace.change(subscribe, digest="escalations", channel_id="C0ESC", timezone="UTC")
    thursday = WEDNESDAY + DAY + timedelta(minutes=1)
    assert claimed(workspace, thursday) == [(sso(workspace).id, 3, ["C0ESC"])]
    assert claimed(workspace, thursday + timedelta(minutes=1)) == [], "claimed once"


def test_each_step_falls_due_once_for_its_rung(workspace, export):
    assert claimed(workspace, WEDNESDAY) == [(export, 1, ["U0BILL"])]
    assert claimed(workspace, WEDNESDAY + timedelta(minutes=1)) == []
    # Due at 4 days blocked, and two days after step 1 at the earliest: step 1 was taken a minute late.
    assert claimed(workspace, BLOCKED_AT + 4 * DAY) == []
    assert claimed(workspace, WEDNESDAY + 2 * DAY) == [(export, 2, ["U0CHRIS"])], "the lead of Gamma LLC"
    with workspace.sessions() as session:
        told = session.scalars(select(EscalationStep.told_id).where(EscalationStep.deliverable_id == export)
                               .order_by(EscalationStep.step)).all()
        people = dict(session.execute(select(Person.slack_user_id, Person.id)).all())
    assert told == [people["U0BILL"], people["U0CHRIS"]]


def test_a_reader_in_quiet_hours_is_told_when_they_end(demo_engine, export):
    quiet = single_workspace(load_settings(delivery_quiet_hours="20:00-08:00"), demo_engine, FixedClock(WEDNESDAY))
    evening = WEDNESDAY.replace(hour=22)
    work = at(quiet, evening).change(claim_due_steps, claimed_by="test")
    assert work.claimed == [] and work.waiting == 1 and quiet.read(steps_of)[-1][0] != export
    assert claimed(quiet, evening + timedelta(hours=10, minutes=30)) == [(export, 1, ["U0BILL"])]


def test_a_paused_service_does_not_escalate(workspace, export):
    with workspace.sessions.begin() as session:
        session.execute(update(Service).where(Service.name == "Platform Discovery").values(status="paused"))
    assert claimed(workspace, WEDNESDAY) == []


def test_two_schedulers_ticking_at_once_claim_each_step_once(workspace, export):
    results = run_together(lambda n: claimed(workspace, WEDNESDAY), 2)
    assert sorted(claim for result in results for claim in result) == [(export, 1, ["U0BILL"])], results


def test_a_stopped_claim_becomes_uncertain_and_is_never_claimed_again(workspace, export):
    claimed(workspace, WEDNESDAY)
    assert at(workspace, WEDNESDAY + timedelta(minutes=4)).change(
        expire_stale_steps, claimed_before=WEDNESDAY - timedelta(minutes=1)) == 0
    assert at(workspace, WEDNESDAY + timedelta(minutes=6)).change(
        expire_stale_steps, claimed_before=WEDNESDAY + timedelta(minutes=1)) == 1
    assert workspace.read(steps_of)[-1] == (export, 1, "uncertain")
    assert claimed(workspace, WEDNESDAY + timedelta(minutes=7)) == []


# -- snoozes ------------------------------------------------------------------------------------------------


def test_a_snooze_holds_the_ladder_and_the_digest_but_not_the_health(workspace, export):
    delivered = sso(workspace)
    [before] = workspace.read(health_of, service_ids=[delivered.service_id])
    until = WEDNESDAY + 3 * DAY
    applied = workspace.change(snooze_deliverable, actor_slack_user_id="U0RYAN", deliverable_id=delivered.id,
                               version=delivered.version, until=until, reason="Waiting for the customer's IdP")
    assert applied.to_value == "until 2026-11-21 15:00 UTC" and applied.version == delivered.version
    [after] = workspace.read(health_of, service_ids=[delivered.service_id])
    assert after.health == before.health and after.findings == before.findings, "a blocked deliverable still counts"
    assert version(workspace, delivered.id) == delivered.version

    digest = workspace.read(at_risk_digest)
    assert [b.deliverable.name for b in digest.blocked] == ["Data export"] and digest.snoozed_total == 1
    card = workspace.read(service_card, service_id=delivered.service_id)
    (line,) = [d for d in card.deliverables if d.deliverable_id == delivered.id]
    assert (line.snooze.until, line.snooze.by.slack_user_id, line.snooze.reason) == (
        until, "U0RYAN", "Waiting for the customer's IdP")

    thursday = WEDNESDAY + DAY + timedelta(minutes=1)
    assert [c[:2] for c in claimed(workspace, thursday) if c[0] == delivered.id] == [], \
        "snoozed: the channels' step waits"
    assert at(workspace, until - timedelta(minutes=1)).change(claim_returns, claimed_by="test").claimed == []
    back = at(workspace, until).change(claim_returns, claimed_by="test")
    assert [(c.deliverable_id, c.place) for c in back.claimed] == [(delivered.id, "U0RYAN")]
    assert at(workspace, until + timedelta(minutes=1)).change(claim_returns, claimed_by="test").claimed == [], \
        "its return is claimed once"
    assert (delivered.id, "pending") in workspace.read(returns_of)
    work = at(workspace, until).change(claim_due_steps, claimed_by="test")
    assert [(c.deliverable_id, c.step) for c in work.claimed] == [] and work.empty == 1, \
        "the snooze ended: its ladder goes on (to no channel)"
    assert at(workspace, until).read(at_risk_digest).snoozed_total == 0


def test_a_snooze_that_ends_after_an_unblock_tells_nobody(workspace, export):
    workspace.change(snooze_deliverable, actor_slack_user_id="U0BILL", deliverable_id=export, version=1,
                     until=WEDNESDAY + DAY, reason="VPN next week")
    workspace.change(move_deliverable, actor_slack_user_id="U0BILL", deliverable_id=export, move=Move.UNBLOCK,
                     version=1)
    back = at(workspace, WEDNESDAY + DAY).change(claim_returns, claimed_by="test")
    assert back.claimed == [] and back.empty == 1
    assert (export, "empty") in workspace.read(returns_of)


def test_snoozing_asks_as_any_deliverable_change_does(workspace, export):
    def snooze(user: str, *, reason: str = "Later", deliverable: int = export, at_version: int = 1):
        return workspace.change(snooze_deliverable, actor_slack_user_id=user, deliverable_id=deliverable,
                                version=at_version, until=WEDNESDAY + DAY, reason=reason)

    with pytest.raises(ChangeRefused) as stranger:
        snooze("U0NOBODY")
    assert not stranger.value.linked
    with pytest.raises(ChangeRefused, match="only its owner, Chris Patel"):
        snooze("U0PRIYA")  # a lead, of other services
    with pytest.raises(InvalidChange, match="snoozing needs a reason"):
        snooze("U0BILL", reason="  ")
    with pytest.raises(StaleChange):
        snooze("U0BILL", at_version=7)
    delivered = sso(workspace)
    snooze("U0DANA", deliverable=delivered.id, at_version=delivered.version)  # ops
    workspace.change(move_deliverable, actor_slack_user_id="U0BILL", deliverable_id=export, move=Move.UNBLOCK,
                     version=1)
    with pytest.raises(InvalidChange, match="only a blocked deliverable can be snoozed"):
        snooze("U0BILL", at_version=2)


# -- Escalate now -----------------------------------------------------------------------------------------


def test_escalate_now_takes_the_next_step_at_once_and_is_audited_with_its_note(workspace, export):
    early = WEDNESDAY - DAY  # blocked a day: the ladder would wait another
    applied = at(workspace, early).change(escalate_deliverable, actor_slack_user_id="U0BILL", deliverable_id=export,
                                          version=1, note="Need the VPN by Friday")
    assert (applied.claim.step, [p.id for p in applied.claim.places]) == (1, ["U0BILL"])
    assert (applied.from_value, applied.to_value) == (None, "step 1: owner")
    with workspace.sessions() as session:
        (audit,) = session.scalars(select(StatusChange).where(StatusChange.field == "escalation",
                                                              StatusChange.object_id == export)).all()
    assert (audit.reason, audit.changed_by_slack_user_id) == ("Need the VPN by Friday", "U0BILL")
    assert claimed(workspace, WEDNESDAY) == [], "the ladder finds step 1 taken; step 2 keeps its gap"
    second = at(workspace, early).change(escalate_deliverable, actor_slack_user_id="U0CHRIS", deliverable_id=export,
                                         version=1, note="Chasing their IT lead")
    assert (second.claim.step, [p.id for p in second.claim.places]) == (2, ["U0CHRIS"])
    with pytest.raises(InvalidChange, match="nobody to tell: no channel is subscribed to escalations"):
        at(workspace, early).change(escalate_deliverable, actor_slack_user_id="U0CHRIS", deliverable_id=export,
                                    version=1, note="And now the channel")


def test_escalate_now_ends_a_live_snooze(workspace, export):
    workspace.change(snooze_deliverable, actor_slack_user_id="U0BILL", deliverable_id=export, version=1,
                     until=WEDNESDAY + 3 * DAY, reason="Waiting")
    workspace.change(escalate_deliverable, actor_slack_user_id="U0CHRIS", deliverable_id=export, version=1,
                     note="It cannot wait after all")
    assert workspace.read(at_risk_digest).snoozed_total == 0
    assert (export, "empty") in workspace.read(returns_of), "no return DM for a snooze someone ended"


def test_two_escalate_now_clicks_at_once_take_one_step(workspace, export):
    def click(n: int):
        return workspace.change(escalate_deliverable, actor_slack_user_id=("U0BILL", "U0CHRIS")[n],
                                deliverable_id=export, version=1, note=f"click {n}")

    results = run_together(click, 2)
    steps = sorted(r.claim.step for r in results if not isinstance(r, BaseException))
    problems = [r for r in results if isinstance(r, BaseException)]
    # Both read step 1 as next: one writes it, the other finds it written (stale), or, had it read after the
    # first committed, takes step 2.
    assert steps in ([1], [1, 2]), results
    assert all(isinstance(p, StaleChange) for p in problems), problems
    assert [s for _d, s, _st in workspace.read(steps_of) if _d == export] == steps


def test_escalate_now_is_refused_to_strangers_and_for_what_is_not_blocked(workspace, export):
    with pytest.raises(ChangeRefused):
        workspace.change(escalate_deliverable, actor_slack_user_id="U0PRIYA", deliverable_id=export, version=1,
                         note="x")
    with pytest.raises(InvalidChange, match="needs a note"):
        workspace.change(escalate_deliverable, actor_slack_user_id="U0BILL", deliverable_id=export, version=1,
                         note=" ")
    workspace.change(move_deliverable, actor_slack_user_id="U0BILL", deliverable_id=export, move=Move.UNBLOCK,
                     version=1)
    with pytest.raises(StaleChange):
        workspace.change(escalate_deliverable, actor_slack_user_id="U0BILL", deliverable_id=export, version=1,
                         note="x")


# -- unblocked since ----------------------------------------------------------------------------------------


def _post_all(workspace, moment: datetime) -> None:
    with workspace.sessions() as session:
        ids = session.scalars(select(EscalationStep.id).where(EscalationStep.status == "pending")).all()
    at(workspace, moment).change(finish_steps, outcomes=[StepOutcome(i, DeliveryStatus.SENT) for i in ids])


def test_a_deliverable_unblocked_by_an_import_is_taken_once_and_one_unblocked_by_a_click_never(workspace, export):
    claimed(workspace, WEDNESDAY)
    _post_all(workspace, WEDNESDAY)
    assert at(workspace, WEDNESDAY).change(take_ended) == []
    with workspace.sessions.begin() as session:  # as an import writes it: no click, no settling
        session.execute(update(Deliverable).where(Deliverable.id == export)
                        .values(status=DeliverableStatus.IN_PROGRESS, blocked_since=None, version=2))
    assert at(workspace, WEDNESDAY).change(take_ended) == [export]
    assert at(workspace, WEDNESDAY).change(take_ended) == [], "drawn again once"

    delivered = sso(workspace)  # its demo steps were sent: unblocked by a click, its listener draws them
    workspace.change(move_deliverable, actor_slack_user_id="U0RYAN", deliverable_id=delivered.id, move=Move.UNBLOCK,
                     version=delivered.version)
    assert at(workspace, WEDNESDAY).change(take_ended) == []


def test_a_deliverable_blocked_again_starts_a_new_ladder(workspace, export):
    claimed(workspace, WEDNESDAY)
    _post_all(workspace, WEDNESDAY)
    workspace.change(move_deliverable, actor_slack_user_id="U0BILL", deliverable_id=export, move=Move.UNBLOCK,
                     version=1)
    workspace.change(move_deliverable, actor_slack_user_id="U0BILL", deliverable_id=export, move=Move.BLOCK,
                     version=2, reason="The VPN broke again")
    assert claimed(workspace, WEDNESDAY + DAY) == []
    assert claimed(workspace, WEDNESDAY + 2 * DAY) == [(export, 1, ["U0BILL"])], "step 1 of the new episode"


# -- cheap ticks ----------------------------------------------------------------------------------------


def test_a_tick_reads_through_the_partial_indexes(workspace, export):
    """The blocked deliverables through ix_deliverables_blocked, the steps that may be unsettled through
    ix_escalation_steps_unsettled, the snoozes not returned through ix_deliverable_snoozes_unreturned."""
    engine = workspace.sessions.kw["bind"]
    statements: list[tuple[str, object]] = []

    def keep(conn, cursor, statement, parameters, context, executemany) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        with workspace.sessions.begin() as session:
            ctx = workspace.context()
            claim_due_steps(session, ctx, claimed_by="plan")
            take_ended(session, ctx)
            claim_returns(session, ctx, claimed_by="plan")
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    postgres = engine.dialect.name == "postgresql"
    plans = []
    with engine.connect() as connection:
        if postgres:  # a table this small is read whole otherwise
            connection.exec_driver_sql("SET enable_seqscan = off")
        for statement, parameters in statements:
            explain = "EXPLAIN " if postgres else "EXPLAIN QUERY PLAN "
            plans.append(" ".join(str(row) for row in connection.exec_driver_sql(explain + statement, parameters)))
    everything = "\n".join(plans)
    for index in ("ix_deliverables_blocked", "ix_escalation_steps_unsettled", "ix_deliverable_snoozes_unreturned"):
        assert index in everything, (index, everything)


def test_rows_in_answers_say_who_was_told(workspace):
    text = "\n".join(b.get("text", {}).get("text", "") for b in reply_for(workspace, "at-risk", "U0RYAN").block_dicts())
    assert "escalated to <@U0RYAN> on <!date^" in text


def test_the_menu_answers_at_once_when_the_next_step_has_nobody_to_tell(workspace):
    delivered = sso(workspace)
    with pytest.raises(InvalidChange, match="no channel is subscribed to escalations"):
        workspace.read(check_blocked_change, actor_slack_user_id="U0RYAN", deliverable_id=delivered.id,
                       version=delivered.version, doing=ESCALATED)
    assert workspace.read(check_blocked_change, actor_slack_user_id="U0RYAN", deliverable_id=delivered.id,
                          version=delivered.version, doing="snoozed") == "SSO integration"
    workspace.change(subscribe, digest="escalations", channel_id="C0ESC", timezone="UTC")
    assert workspace.read(check_blocked_change, actor_slack_user_id="U0RYAN", deliverable_id=delivered.id,
                          version=delivered.version, doing=ESCALATED) == "SSO integration"
