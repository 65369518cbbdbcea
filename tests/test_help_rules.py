"""The rules of "Find help" and reallocation proposals (store/rules/help.py, store/rules/reallocation.py):
pure functions, no database."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from store.enums import Role
from store.rules.capacity import LoadState
from store.rules.help import (
    MAX_HELPERS,
    Candidate,
    LeftOut,
    billable_room,
    left_out,
    normalise_skill,
    parse_skills,
    rank_helpers,
    skills_text,
)
from store.rules.reallocation import asked, expiry, has_expired, may_decide, proposal_problem

NEEDED = ("Discovery workshops", "data  modeling", "solution architecture")


def person(pid: int, name: str, **facts) -> Candidate:
    defaults = dict(role=Role.MEMBER, active_services=1, max_services=4, on_team=False, leads_service=False,
                    free_hours=20.0, skills=frozenset(), customer_hours=0.0, available_last_week=40.0,
                    billable_last_week=32.0)
    return Candidate(person_id=pid, name=name, **(defaults | facts))


def test_skills_are_compared_trimmed_single_spaced_and_in_lower_case():
    assert normalise_skill("  Data   Modeling ") == "data modeling"
    assert parse_skills("SSO; data  modeling;;sso ; ") == ["data modeling", "sso"]
    assert skills_text(["sso", "data modeling"]) == "data modeling;sso"
    assert parse_skills(skills_text(parse_skills("b;A;c"))) == ["a", "b", "c"]
    with pytest.raises(ValueError, match="too long"):
        parse_skills("x" * 65)


def test_the_demo_story_bill_ranks_first_for_clear_reasons():
    """Gamma's case: Bill is on its team with 48 h free, two of its skills, 104 h on Gamma and 40% billed."""
    bill = person(2, "Bill Nguyen", active_services=2, on_team=True, free_hours=48.0,
                  skills=frozenset({"discovery workshops", "data modeling", "react"}), customer_hours=104.0,
                  billable_last_week=16.0)
    marcus = person(6, "Marcus Bell", active_services=2, max_services=5, free_hours=16.0,
                    skills=frozenset({"discovery workshops", "training design"}))
    elena = person(7, "Elena Sousa", active_services=2, free_hours=12.0, skills=frozenset({"data modeling"}),
                   available_last_week=32.0, billable_last_week=26.0)
    ryan = person(1, "Ryan Ortiz", role=Role.LEAD, active_services=4, free_hours=16.0,
                  skills=frozenset({"solution architecture"}))
    chris = person(3, "Chris Patel", role=Role.LEAD, active_services=3, leads_service=True, free_hours=20.0)
    dana = person(4, "Dana Whitfield", role=Role.OPS, active_services=0, max_services=2, free_hours=80.0)
    ranking = rank_helpers([ryan, marcus, chris, dana, elena, bill], NEEDED)
    assert [h.candidate.name for h in ranking.helpers] == ["Bill Nguyen", "Marcus Bell", "Elena Sousa"]
    first = ranking.helpers[0]
    assert first.matched_skills == ("data modeling", "discovery workshops")
    assert first.worked_with_customer and first.billable_share == 0.4 and first.billable_room == 16.0
    # 40 (48 free hours, capped) + 2 skills + the customer + 10 (16 h of billable room, capped)
    assert first.points == 40 + 20 + 10 + 10
    assert first.state_after == LoadState.AVAILABLE and not first.joins_team
    assert ranking.helpers[1].points == 16 + 10 and ranking.helpers[2].points == 12 + 10
    assert ranking.offered_total == 3
    assert ranking.left_out == {LeftOut.WOULD_OVERLOAD: 1, LeftOut.SERVICE_LEAD: 1, LeftOut.OPS: 1}


@pytest.mark.parametrize(("facts", "why"), [
    (dict(role=Role.OPS), LeftOut.OPS),
    (dict(leads_service=True), LeftOut.SERVICE_LEAD),
    (dict(active_services=5, max_services=4), LeftOut.OVERLOADED),
    (dict(active_services=5, max_services=4, on_team=True), LeftOut.OVERLOADED),
    (dict(active_services=4, max_services=4), LeftOut.WOULD_OVERLOAD),
    (dict(active_services=1, max_services=0), LeftOut.OVERLOADED),
    (dict(free_hours=0.0), LeftOut.NO_FREE_HOURS),
])
def test_who_is_never_offered(facts, why):
    assert left_out(person(1, "X", **facts)) == why
    assert rank_helpers([person(1, "X", **facts)], NEEDED).helpers == []


def test_at_capacity_on_the_team_already_can_still_help():
    """Joining adds no service for someone on the team already: at capacity, not overloaded."""
    on_team = person(1, "Ann", active_services=4, max_services=4, on_team=True)
    assert left_out(on_team) is None
    (offered,) = rank_helpers([on_team], NEEDED).helpers
    assert offered.state_after == LoadState.AT_CAPACITY


def test_billable_room_is_under_the_80_percent_ceiling_and_never_negative():
    assert billable_room(40, 16) == pytest.approx(16)
    assert billable_room(40, 32) == 0
    assert billable_room(32, 26) == 0
    assert billable_room(0, 0) == 0
    (nothing_available,) = rank_helpers([person(1, "Ann", available_last_week=0.0, billable_last_week=0.0)],
                                        NEEDED).helpers
    assert nothing_available.billable_share is None and nothing_available.billable_room == 0


def test_points_cap_free_hours_and_billable_room_and_ties_go_to_free_hours_then_name():
    rich = person(1, "Zed", free_hours=200.0, billable_last_week=0.0)
    assert rank_helpers([rich], NEEDED).helpers[0].points == 40 + 10
    a = person(2, "amy", free_hours=30.0, skills=frozenset({"sso"}))
    b = person(3, "Bob", free_hours=30.0)
    c = person(4, "Cy", free_hours=31.0)
    ranking = rank_helpers([c, b, a], ["sso"])
    # amy has 10 points of skill more; Bob and Cy: Cy has 31 points against 30.
    assert [h.candidate.name for h in ranking.helpers] == ["amy", "Cy", "Bob"]
    same = rank_helpers([person(5, "bea", free_hours=30.0), person(6, "Al", free_hours=30.0)], [])
    assert [h.candidate.name for h in same.helpers] == ["Al", "bea"]


def test_at_most_five_are_offered_and_all_are_counted():
    people = [person(n, f"P{n:02d}", free_hours=float(n)) for n in range(1, 12)]
    ranking = rank_helpers(people, NEEDED)
    assert len(ranking.helpers) == MAX_HELPERS and ranking.offered_total == 11
    assert [h.candidate.free_hours for h in ranking.helpers] == [11, 10, 9, 8, 7]


def test_the_customer_counts_through_hours_logged_or_a_place_on_another_of_its_services():
    hours = rank_helpers([person(1, "A", customer_hours=2.5)], []).helpers[0]
    place = rank_helpers([person(1, "A", customer_services=("Data Discovery",))], []).helpers[0]
    new = rank_helpers([person(1, "A")], []).helpers[0]
    assert hours.worked_with_customer and place.worked_with_customer and not new.worked_with_customer
    assert hours.points - new.points == 10


# ---- proposals ----------------------------------------------------------------------------------


def test_the_service_lead_and_the_persons_own_leads_are_asked_else_ops_stand_in():
    ops = [40, 41]
    # Bill (2) on Gamma (Chris, 3); his other service is his own: no lead of his own, ops stand in.
    gamma = asked(service_lead=3, person_id=2, leads_of_their_services=[2], ops=ops)
    assert (gamma.service_lead, gamma.person_leads, gamma.ops) == (3, frozenset(), frozenset(ops))
    assert gamma.everyone == frozenset({3, 40, 41})
    # Marcus (6) on services led by Priya (5) and himself: Priya is his lead; ops are not asked.
    marcus = asked(service_lead=3, person_id=6, leads_of_their_services=[5, 6, None, 5], ops=ops)
    assert marcus.everyone == frozenset({3, 5})
    # A service with no lead: ops stand in for it.
    leaderless = asked(service_lead=None, person_id=6, leads_of_their_services=[5], ops=ops)
    assert leaderless.everyone == frozenset({5, 40, 41})
    # An ops person proposed for a service is never asked to decide it.
    assert 40 not in asked(service_lead=3, person_id=40, leads_of_their_services=[], ops=ops).everyone


def test_who_may_decide():
    asked_ids = frozenset({3, 40})
    assert may_decide(3, Role.LEAD, asked_ids)
    assert may_decide(99, Role.OPS, asked_ids), "any ops"
    assert not may_decide(5, Role.LEAD, asked_ids), "a lead not asked"
    assert not may_decide(7, Role.MEMBER, asked_ids)
    assert not may_decide(None, None, asked_ids)


def test_a_proposal_expires_after_three_days_or_at_the_end_of_its_last_day():
    tz = ZoneInfo("America/New_York")
    made = datetime(2026, 12, 7, 15, 0, tzinfo=timezone.utc)
    assert expiry(made, date(2026, 12, 31), tz) == made + timedelta(days=3)
    end_of_tuesday = datetime(2026, 12, 9, 5, 0, tzinfo=timezone.utc)  # midnight in New York
    assert expiry(made, date(2026, 12, 8), tz) == end_of_tuesday
    assert not has_expired(made + timedelta(days=3), made + timedelta(days=3) - timedelta(seconds=1))
    assert has_expired(made + timedelta(days=3), made + timedelta(days=3))


def test_what_a_proposal_may_ask_for():
    today = date(2026, 12, 7)
    assert proposal_problem(hours_per_week=16, ends_on=today, today=today, weekly_capacity=40) is None
    assert "more than 0" in proposal_problem(hours_per_week=0, ends_on=today, today=today, weekly_capacity=40)
    assert "40 hours a week" in proposal_problem(hours_per_week=41, ends_on=today, today=today, weekly_capacity=40)
    assert "past" in proposal_problem(hours_per_week=8, ends_on=date(2026, 12, 6), today=today, weekly_capacity=40)
