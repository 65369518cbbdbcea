"""Find help and reallocation in the store (issue 21), on SQLite and PostgreSQL: the ranked list on the
demo's Gamma LLC, who may ask and who may decide, a proposal approved (the person on the team with an
allocation, capacity moved, audited), declined or expired (nothing changed), two approvals at once
applying once, and the scheduler's tick marking what nobody decided."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from support import TEAM, UTC, WEDNESDAY, run_together

from store.changes import ChangeRefused, InvalidChange, StaleChange
from store.changes.reallocation import (
    check_help_request,
    decide_reallocation,
    expire_reallocations,
    propose_reallocation,
)
from store.clock import FixedClock
from store.db import make_sessionmaker
from store.enums import ProposalStatus, ServiceStatus
from store.models import (
    Allocation,
    Person,
    PersonSkill,
    ReallocationProposal,
    Service,
    ServiceSkill,
    StatusChange,
    service_members,
)
from store.queries.capacity import capacity_report
from store.queries.help import find_help
from store.queries.history import service_history
from store.queries.reallocation import reallocation_view
from store.rules.help import LeftOut
from store.workspace import Workspace

UNTIL = date(2026, 12, 4)  # the Friday ending the two weeks after WEDNESDAY's


def workspace_of(engine, at=WEDNESDAY) -> Workspace:
    return Workspace(sessions=make_sessionmaker(engine), team_id=TEAM, clock=FixedClock(at), tz=UTC)


def ids(engine) -> dict[str, int]:
    with Session(engine) as session:
        people = {name.split()[0].lower(): pid for pid, name in session.execute(select(Person.id, Person.name))}
        services = {name: sid for sid, name in session.execute(select(Service.id, Service.name))}
    return people | services


def counts(engine) -> tuple[int, int, int]:
    with Session(engine) as session:
        return (session.scalar(select(func.count()).select_from(Allocation)),
                session.scalar(select(func.count()).select_from(service_members)),
                session.scalar(select(func.count()).select_from(ReallocationProposal)))


def bill_next_week(workspace: Workspace) -> tuple[float, float]:
    report = workspace.read(capacity_report)
    (bill,) = [p for p in report.people if p.person.name == "Bill Nguyen"]
    assert bill.next_week is not None
    return bill.next_week.scheduled_hours, bill.next_week.free_hours


def propose(workspace: Workspace, ids: dict[str, int], *, by: str = "U0DANA", who: str = "bill",
            hours: float = 16, until: date = UNTIL, service: str = "Platform Discovery"):
    return workspace.change(propose_reallocation, actor_slack_user_id=by, service_id=ids[service],
                            person_id=ids[who], hours_per_week=hours, ends_on=until, note="Discovery wrap-up")


def decide(workspace: Workspace, proposal_id: int, *, by: str = "U0CHRIS", approve: bool = True, version: int = 1):
    return workspace.change(decide_reallocation, actor_slack_user_id=by, proposal_id=proposal_id, version=version,
                            approve=approve)


def test_find_help_on_gamma_ranks_bill_first_with_the_capacity_answers_figures(demo_engine):
    workspace = workspace_of(demo_engine)
    found = workspace.read(find_help, service_id=ids(demo_engine)["Platform Discovery"])
    assert found.service.label == "Gamma LLC · Platform Discovery"
    assert found.needed_skills == ["data modeling", "discovery workshops", "solution architecture"]
    assert [h.person.name for h in found.helpers] == ["Bill Nguyen", "Marcus Bell", "Elena Sousa", "Priya Raman"]
    bill = found.helpers[0]
    _scheduled, free_next_week = bill_next_week(workspace)
    # Free over the two weeks: next week's free hours as /delivery capacity shows them, and the week after's.
    assert (free_next_week, bill.free_hours) == (24, 48)
    assert bill.on_team and bill.matched_skills == ["data modeling", "discovery workshops"]
    assert bill.customer_hours > 0 and bill.worked_with_customer and bill.customer_services == []
    assert bill.billable_share == pytest.approx(0.4) and bill.billable_room == pytest.approx(16)
    assert bill.points == 80 and found.helpers[1].points < bill.points
    # Chris leads it, Dana is ops, Ryan (4 of 4 services) would be overloaded by joining.
    assert found.left_out == {LeftOut.SERVICE_LEAD: 1, LeftOut.OPS: 1, LeftOut.WOULD_OVERLOAD: 1}
    assert (found.first_day, found.last_day, found.suggested_until) == (
        date(2026, 11, 23), date(2026, 12, 6), UNTIL)


def test_skills_are_the_workspaces_own(demo_engine):
    with Session(demo_engine) as session:
        assert set(session.scalars(select(PersonSkill.team_id))) == {TEAM}
        assert set(session.scalars(select(ServiceSkill.team_id))) == {TEAM}


def test_leads_ops_and_the_services_team_may_ask_for_help_others_are_told_who_can(demo_engine):
    workspace, gamma = workspace_of(demo_engine), ids(demo_engine)["Platform Discovery"]
    for user in ("U0CHRIS", "U0DANA", "U0BILL"):  # its lead, ops, a member on its team
        assert workspace.read(check_help_request, actor_slack_user_id=user, service_id=gamma).label == \
            "Gamma LLC · Platform Discovery"
    with pytest.raises(ChangeRefused) as refused:
        workspace.read(check_help_request, actor_slack_user_id="U0MARCUS", service_id=gamma)
    assert refused.value.who_can == "Chris Patel (the service's lead), people assigned to the service, or ops"
    assert refused.value.linked
    with pytest.raises(ChangeRefused) as unlinked:
        workspace.read(check_help_request, actor_slack_user_id="U0NOBODY", service_id=gamma)
    assert not unlinked.value.linked
    before = counts(demo_engine)
    with pytest.raises(ChangeRefused):
        propose(workspace, ids(demo_engine), by="U0MARCUS")
    assert counts(demo_engine) == before


def test_a_proposal_approved_puts_bill_on_gamma_with_the_hours_and_moves_his_capacity(demo_engine):
    workspace, known = workspace_of(demo_engine), ids(demo_engine)
    scheduled, free = bill_next_week(workspace)
    allocations, members, _ = counts(demo_engine)
    made = propose(workspace, known)
    assert [p.name for p in made.asked] == ["Chris Patel", "Dana Whitfield"], "Gamma's lead; ops for Bill's lead"
    pending = workspace.read(reallocation_view, proposal_id=made.proposal_id)
    assert pending.pending and pending.ops_standing_in and pending.expires_at == WEDNESDAY + timedelta(days=3)
    assert (pending.standing.rank, pending.standing.offered_total, pending.standing.helper.free_hours) == (1, 4, 48)
    assert bill_next_week(workspace) == (scheduled, free), "a proposal changes nothing yet"

    applied = decide(workspace, made.proposal_id)
    assert applied.status == ProposalStatus.APPROVED and not applied.joined_team, "on the team already"
    assert (applied.object_type, applied.object_id, applied.service_id) == ("reallocation", made.proposal_id,
                                                                           known["Platform Discovery"])
    assert bill_next_week(workspace) == (scheduled + 16, free - 16)
    assert counts(demo_engine)[:2] == (allocations + 1, members)
    with Session(demo_engine) as session:
        proposal = session.get(ReallocationProposal, made.proposal_id)
        allocation = session.get(Allocation, proposal.allocation_id)
        assert (proposal.status, proposal.version, proposal.decided_by_id) == (
            ProposalStatus.APPROVED, 2, known["chris"])
        assert allocation.key == f"demo-service-gamma-reallocation-{made.proposal_id}", "the demo's own"
        assert (allocation.person_id, allocation.service_id, float(allocation.hours_per_week),
                allocation.starts_on, allocation.ends_on) == (known["bill"], known["Platform Discovery"], 16,
                                                              WEDNESDAY.date(), UNTIL)
    history = workspace.read(service_history, name="Gamma").changes
    assert [(c.field, c.from_value, c.to_value) for c in history[:2]] == [
        ("reallocation", "pending", "approved"), ("reallocation", None, "proposed")]
    assert history[0].reason == "Bill Nguyen: 16 h a week until 2026-12-04"
    assert history[1].reason == "Bill Nguyen: 16 h a week until 2026-12-04. Discovery wrap-up"
    with pytest.raises(StaleChange) as stale:
        decide(workspace, made.proposal_id, by="U0DANA", approve=False)
    assert stale.value.current == "approved" and stale.value.changed_by.name == "Chris Patel"


def test_someone_not_on_the_team_joins_it_and_their_load_counts_it(demo_engine):
    workspace, known = workspace_of(demo_engine), ids(demo_engine)
    with Session(demo_engine) as session, session.begin():  # Marcus helps on Priya's Beta Corp program too
        session.execute(service_members.insert().values(service_id=known["Admin Training Program"],
                                                        person_id=known["marcus"]))
    made = propose(workspace, known, by="U0CHRIS", who="marcus", hours=8)
    # Marcus's other services are led by himself and by Priya: Priya is asked as his lead, not ops.
    assert [p.name for p in made.asked] == ["Chris Patel", "Priya Raman"]
    with pytest.raises(ChangeRefused) as refused:
        decide(workspace, made.proposal_id, by="U0RYAN")
    assert refused.value.who_can == ("Chris Patel (the service's lead), Priya Raman (Marcus Bell's lead) or ops")
    applied = decide(workspace, made.proposal_id, by="U0PRIYA")
    assert applied.joined_team
    report = workspace.read(capacity_report)
    (marcus,) = [p for p in report.people if p.person.name == "Marcus Bell"]
    assert marcus.active_services == 4


def test_a_declined_proposal_changes_nothing_but_its_own_status_and_says_so(demo_engine):
    workspace, known = workspace_of(demo_engine), ids(demo_engine)
    made = propose(workspace, known)
    before, capacity = counts(demo_engine), bill_next_week(workspace)
    applied = decide(workspace, made.proposal_id, by="U0DANA", approve=False)
    assert applied.status == ProposalStatus.DECLINED
    assert counts(demo_engine) == before and bill_next_week(workspace) == capacity
    view = workspace.read(reallocation_view, proposal_id=made.proposal_id)
    assert view.status == ProposalStatus.DECLINED and view.decided_by.name == "Dana Whitfield"
    assert view.standing is None, "the reasons are shown while it waits for a decision only"
    assert workspace.read(service_history, name="Gamma").changes[0].to_value == "declined"


def test_an_expired_proposal_changes_nothing_at_a_click_or_at_the_schedulers_tick(demo_engine):
    workspace, known = workspace_of(demo_engine), ids(demo_engine)
    first, second = propose(workspace, known), propose(workspace, known, hours=4)
    before = counts(demo_engine)
    later = workspace_of(demo_engine, WEDNESDAY + timedelta(days=3))
    applied = decide(later, first.proposal_id)
    assert applied.status == ProposalStatus.EXPIRED and counts(demo_engine) == before
    assert workspace.change(expire_reallocations) == [], "not yet due at the proposal's time"
    (expired,) = later.change(expire_reallocations)
    assert (expired.proposal_id, expired.label, expired.proposed_by.name) == (
        second.proposal_id, "Gamma LLC · Platform Discovery", "Dana Whitfield")
    assert later.change(expire_reallocations) == []
    assert counts(demo_engine) == before
    for proposal_id in (first.proposal_id, second.proposal_id):
        assert later.read(reallocation_view, proposal_id=proposal_id).status == ProposalStatus.EXPIRED
    with pytest.raises(StaleChange):
        decide(later, second.proposal_id)


def test_two_approvals_at_once_apply_once(demo_engine):
    workspace, known = workspace_of(demo_engine), ids(demo_engine)
    made = propose(workspace, known)
    allocations = counts(demo_engine)[0]
    results = run_together(lambda n: decide(workspace_of(demo_engine), made.proposal_id,
                                            by=("U0CHRIS", "U0DANA")[n]), 2)
    applied = [r for r in results if not isinstance(r, BaseException)]
    stale = [r for r in results if isinstance(r, StaleChange)]
    assert len(applied) == 1 and len(stale) == 1, results
    assert counts(demo_engine)[0] == allocations + 1
    with Session(demo_engine) as session:
        approvals = session.scalar(select(func.count()).select_from(StatusChange).where(
            StatusChange.field == "reallocation", StatusChange.to_value == "approved"))
    assert approvals == 1


def test_who_cannot_be_proposed(demo_engine):
    workspace, known = workspace_of(demo_engine), ids(demo_engine)
    with pytest.raises(InvalidChange, match="Ryan Ortiz would be overloaded"):
        propose(workspace, known, who="ryan")
    with pytest.raises(InvalidChange, match="leads 'Platform Discovery' already"):
        propose(workspace, known, who="chris")
    with pytest.raises(InvalidChange, match="more than the 40 hours a week"):
        propose(workspace, known, hours=41)
    with pytest.raises(InvalidChange, match="in the past"):
        propose(workspace, known, until=date(2026, 11, 17))
    with Session(demo_engine) as session, session.begin():
        session.get(Service, known["Platform Discovery"]).status = ServiceStatus.PAUSED
    with pytest.raises(InvalidChange, match="active services only"):
        workspace.read(check_help_request, actor_slack_user_id="U0DANA", service_id=known["Platform Discovery"])


def test_approval_is_refused_when_the_person_became_overloaded_and_the_proposal_stays(demo_engine):
    workspace, known = workspace_of(demo_engine), ids(demo_engine)
    made = propose(workspace, known, who="elena")
    with Session(demo_engine) as session, session.begin():
        session.get(Person, known["elena"]).max_concurrent_services = 2
    with pytest.raises(InvalidChange, match="Elena Sousa would be overloaded"):
        decide(workspace, made.proposal_id)
    assert workspace.read(reallocation_view, proposal_id=made.proposal_id).pending
