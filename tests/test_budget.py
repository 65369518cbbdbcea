"""Budgets, burn and margin (issue 19): where a service's budget stands, `/delivery budget`, the card's
budget line, the project success rate, and money shown only to a service's lead and ops."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from support import TEAM, UTC, WEDNESDAY, demo_people

from messages.blocks.budget import budget_detail, budget_message, budget_summary, forecast_words
from messages.blocks.service_card import service_card_message
from store.context import QueryContext
from store.enums import DONE_STATUSES
from store.models import Deliverable, Person, Project, RoleRate, Service, TimeEntry
from store.queries.budget import budget_report, service_budget
from store.queries.service_card import service_card
from store.readmodels import ServiceRef
from store.readmodels.budget import BudgetLine
from store.rules.budget import BudgetBasis, Remaining, RemainingFrom, standing

CTX = QueryContext(team_id=TEAM, now=WEDNESDAY, tz=UTC)


# Rules and renderers, without a database.

def test_an_hours_budget_is_measured_in_hours():
    s = standing(120, 23400, spent_hours=104, earned=20280, remaining=Remaining(64, RemainingFrom.ESTIMATES))
    assert (s.basis, s.budget, s.spent, s.eac) == (BudgetBasis.HOURS, 120, 104, 168)
    assert s.burn == pytest.approx(104 / 120) and s.overrun == pytest.approx(0.4)


def test_a_money_budget_alone_prices_the_hours_to_come_at_what_an_hour_has_earned():
    s = standing(None, 10000, spent_hours=40, earned=6000, remaining=Remaining(30, RemainingFrom.WEEKLY_BURN))
    assert (s.basis, s.spent) == (BudgetBasis.MONEY, 6000)
    assert s.eac == pytest.approx(6000 + 30 * 150) and s.overrun == pytest.approx(0.05)


def test_no_budget_and_no_forecast_say_so():
    assert standing(None, None, 10, 0, Remaining(5, RemainingFrom.ESTIMATES)).basis is None
    unknown = standing(100, None, 10, 0, Remaining(None, RemainingFrom.NOTHING))
    assert unknown.eac is None and unknown.overrun is None and unknown.burn == pytest.approx(0.1)


def line(**changes) -> BudgetLine:
    ref = ServiceRef(service_id=1, service_name="Rollout", customer_name="Delta <!channel> Corp", status="active")
    values = dict(ref=ref, owner=None, basis=BudgetBasis.HOURS, budget=100.0, spent=62.0, burn=0.62, complete=0.55,
                  remaining_hours=46.0, remaining_from=RemainingFrom.ESTIMATES, eac=108.0, overrun=0.08,
                  margin=0.36, cost=6400.0, earned=10000.0, money_shown=True)
    return BudgetLine(**{**values, **changes})


def test_the_card_line_reads_as_the_issue_asks():
    assert budget_summary(line()) == "62% spent at 55% complete · forecast 8% over · margin 36% (target 40%)"
    assert budget_detail(line()) == ("62 h of 100 h spent · forecast 108 h · 46 h to come from the open "
                                     "deliverables' estimates · cost 6,400, earned 10,000")
    assert forecast_words(line(overrun=-0.12)) == "forecast 12% under"
    assert forecast_words(line(overrun=0.001)) == "forecast on budget"
    assert forecast_words(line(overrun=None, eac=None)) == "no forecast yet"


def test_hidden_money_leaves_hours_and_percentages():
    hidden = line(margin=None, cost=None, earned=None, money_shown=False)
    assert budget_summary(hidden) == "62% spent at 55% complete · forecast 8% over"
    assert "cost" not in budget_detail(hidden) and "62 h of 100 h" in budget_detail(hidden)
    money_only = line(basis=BudgetBasis.MONEY, budget=None, spent=None, eac=None, margin=None, cost=None,
                      earned=None, money_shown=False)
    assert budget_detail(money_only) == "46 h to come from the open deliverables' estimates"


# The demo, on SQLite and PostgreSQL.

def spent_hours(session: Session, service_id: int) -> float:
    return float(session.scalar(select(func.sum(TimeEntry.hours)).where(TimeEntry.service_id == service_id)) or 0)


def service_named(session: Session, name: str) -> Service:
    return session.scalars(select(Service).where(Service.team_id == TEAM, Service.name == name)).one()


def test_delta_s_blocked_work_is_forecast_past_its_budget_from_the_estimates(demo_engine):
    with Session(demo_engine) as session:
        delta = service_named(session, "Integration Rollout")
        found = service_budget(session, CTX, service_id=delta.id, viewer="U0RYAN")
        estimates = float(session.scalar(select(func.sum(Deliverable.estimate_hours)).where(
            Deliverable.service_id == delta.id, Deliverable.status.not_in(DONE_STATUSES))))
        spent = spent_hours(session, delta.id)
    assert found is not None and found.basis == BudgetBasis.HOURS and found.budget == 120
    assert found.spent == pytest.approx(spent) and found.remaining_hours == pytest.approx(estimates)
    assert found.remaining_from == RemainingFrom.ESTIMATES
    assert found.eac == pytest.approx(spent + estimates)
    assert found.overrun == pytest.approx((spent + estimates) / 120 - 1) and found.overrun > 0.10
    # Ryan (lead 95/195 an hour, his own rates) logs every hour on Delta, all billable.
    assert found.money_shown and found.margin == pytest.approx((195 - 95) / 195)
    assert found.cost == pytest.approx(spent * 95) and found.earned == pytest.approx(spent * 195)


@pytest.mark.parametrize("viewer", [None, "U0BILL", "U0CHRIS", "U0NOBODY"])
def test_money_is_hidden_from_everyone_but_the_lead_and_ops(demo_engine, viewer):
    with Session(demo_engine) as session:
        delta = service_named(session, "Integration Rollout").id
        hidden = service_budget(session, CTX, service_id=delta, viewer=viewer)
        for allowed in ("U0RYAN", "U0DANA"):
            assert service_budget(session, CTX, service_id=delta, viewer=allowed).money_shown
    assert hidden is not None and not hidden.money_shown
    assert (hidden.margin, hidden.cost, hidden.earned) == (None, None, None)
    assert hidden.burn is not None and hidden.overrun is not None and hidden.spent is not None, "hours stay"


def test_a_money_budget_hides_its_amounts_too(demo_engine):
    with Session(demo_engine) as session, session.begin():
        delta = service_named(session, "Integration Rollout")
        delta.budget_hours = None
        session.flush()
        member = service_budget(session, CTX, service_id=delta.id, viewer="U0BILL")
        lead = service_budget(session, CTX, service_id=delta.id, viewer="U0RYAN")
    assert member.basis == BudgetBasis.MONEY and (member.budget, member.spent, member.eac) == (None, None, None)
    assert member.burn == pytest.approx(lead.burn) and lead.budget == 23400
    assert lead.spent == pytest.approx(lead.earned) and member.overrun == pytest.approx(lead.overrun)


def test_the_card_shows_the_budget_line_with_money_only_for_the_lead(demo_engine):
    with Session(demo_engine) as session:
        delta = service_named(session, "Integration Rollout").id
        for_lead = service_card_message(service_card(session, CTX, service_id=delta, viewer="U0RYAN"), UTC)
        for_all = service_card_message(service_card(session, CTX, service_id=delta), UTC)
    lead_text, all_text = str(for_lead.block_dicts()), str(for_all.block_dicts())
    assert "*Budget*: " in lead_text and "margin 51% (target 40%)" in lead_text and "cost " in lead_text
    assert "*Budget*: " in all_text and "margin" not in all_text and "cost " not in all_text


def test_the_report_scopes_money_by_who_is_looking(demo_engine):
    with Session(demo_engine) as session:
        ops = budget_report(session, CTX, viewer="U0DANA")
        lead = budget_report(session, CTX, viewer="U0RYAN")
        member = budget_report(session, CTX, viewer="U0BILL")
        public = budget_report(session, CTX)
    assert ops.budgeted == 2 and ops.money_scope == "all" and ops.margin_total is not None
    assert [b.ref.customer_name for b in ops.forecast_over] == ["Delta Corp"] and ops.forecast_over_count == 1
    assert lead.money_scope == "own" and lead.margin_total is None and lead.customers_below_target == []
    for hidden in (member, public):
        assert hidden.money_scope == "none" and hidden.margin_total is None and hidden.lowest_margins == []
        assert all(not line.money_shown for line in hidden.forecast_over)
    member_text = str(budget_message(member, UTC).block_dicts())
    assert "Rates, costs and margins are shown only to the service's lead and ops" in member_text
    assert "Portfolio margin" in str(budget_message(ops, UTC).block_dicts())


def test_margins_below_target_are_listed_for_those_who_may_see_them(demo_engine):
    with Session(demo_engine) as session, session.begin():
        # Ryan's own rates go; his role's (lead 90/180) stay: Delta earns less over more cost.
        session.execute(update(Person).where(Person.team_id == TEAM, Person.slack_user_id == "U0RYAN")
                        .values(cost_rate=Decimal(150), bill_rate=None))
        session.flush()
        ops = budget_report(session, CTX, viewer="U0DANA")
        member = budget_report(session, CTX, viewer="U0BILL")
    assert [b.ref.customer_name for b in ops.lowest_margins][:1] == ["Delta Corp"]
    assert ops.lowest_margins[0].margin == pytest.approx((180 - 150) / 180)
    assert [c.customer_name for c in ops.customers_below_target][:1] == ["Delta Corp"]
    assert member.lowest_margins == [] and member.below_target_count == 0


def add_project(session: Session, key: str, service_id: int, *, completed_on: date, ends_on: date,
                budget_hours: float | None = None, logged: float = 0, person_id: int | None = None) -> None:
    project = Project(team_id=TEAM, key=key, service_id=service_id, name=key, completed_on=completed_on,
                      ends_on=ends_on, budget_hours=budget_hours)
    session.add(project)
    session.flush()
    if logged:
        session.add(TimeEntry(team_id=TEAM, key=f"{key}-time", person_id=person_id, service_id=service_id,
                              project_id=project.id, worked_on=completed_on, hours=Decimal(logged), billable=True))


def test_project_success_counts_on_time_and_within_budget_now_and_a_week_ago(demo_engine):
    ryan = demo_people(demo_engine)["ryan"]
    week_start = WEDNESDAY.date() - timedelta(days=6)  # completed since a week ago
    with Session(demo_engine) as session, session.begin():
        delta = service_named(session, "Integration Rollout").id
        before = week_start - timedelta(days=10)
        add_project(session, "on-time", delta, completed_on=before, ends_on=before, budget_hours=20, logged=8,
                    person_id=ryan)
        add_project(session, "late", delta, completed_on=before, ends_on=before - timedelta(days=1))
        add_project(session, "over", delta, completed_on=before, ends_on=before, budget_hours=5, logged=6,
                    person_id=ryan)
        add_project(session, "this-week", delta, completed_on=week_start, ends_on=week_start + timedelta(days=3))
        add_project(session, "open", delta, completed_on=None, ends_on=before)
        session.flush()
        report = budget_report(session, CTX, viewer="U0BILL")
    # The demo's ten (9 succeeded; 8 of 9 a week ago), and these: on time, late, over, this week.
    assert (report.success.completed, report.success.succeeded) == (14, 11)
    assert (report.success_week_ago.completed, report.success_week_ago.succeeded) == (12, 9)
    text = str(budget_message(report, UTC).block_dicts())
    assert "11 of 14 completed projects finished on time and within budget: 79% (target 90%; a week ago 75%)" in text


def test_role_rates_price_people_without_their_own(demo_engine):
    with Session(demo_engine) as session, session.begin():
        session.execute(update(Person).where(Person.team_id == TEAM, Person.slack_user_id == "U0RYAN")
                        .values(cost_rate=None, bill_rate=None))
        session.execute(update(RoleRate).where(RoleRate.team_id == TEAM, RoleRate.role == "lead")
                        .values(cost_rate=Decimal(100), bill_rate=Decimal(200)))
        session.flush()
        delta = service_named(session, "Integration Rollout").id
        found = service_budget(session, CTX, service_id=delta, viewer="U0DANA")
        spent = spent_hours(session, delta)
    assert found.cost == pytest.approx(spent * 100) and found.margin == pytest.approx(0.5)


def expected_margin(session: Session, first: date, last: date) -> float:
    """(earned - cost) / earned of the hours logged on services between two days, priced row by row."""
    rates = {role: (rate.cost_rate, rate.bill_rate) for role, rate in session.execute(
        select(RoleRate.role, RoleRate).where(RoleRate.team_id == TEAM)).all()}
    earned = cost = 0.0
    for entry, person in session.execute(select(TimeEntry, Person).join(Person, Person.id == TimeEntry.person_id).where(
            TimeEntry.team_id == TEAM, TimeEntry.service_id.is_not(None), TimeEntry.worked_on.between(first, last))):
        role_cost, role_bill = rates.get(person.role, (None, None))
        bill = person.bill_rate if person.bill_rate is not None else role_bill
        cost_rate = person.cost_rate if person.cost_rate is not None else role_cost
        earned += float(entry.hours) * float(bill or 0) if entry.billable else 0.0
        cost += float(entry.hours) * float(cost_rate or 0)
    return (earned - cost) / earned


def test_the_weekly_digest_s_business_slice_shows_margin_and_success_with_a_week_before(demo_engine):
    from messages.digests import weekly_portfolio as renderer
    from store.queries.weekly import weekly_portfolio

    last_monday = WEDNESDAY.date() - timedelta(days=WEDNESDAY.weekday() + 7)
    with Session(demo_engine) as session:
        data = weekly_portfolio(session, CTX)
        last = expected_margin(session, last_monday, last_monday + timedelta(days=6))
        before = expected_margin(session, last_monday - timedelta(days=7), last_monday - timedelta(days=1))
    assert data.margin_last_week == pytest.approx(last) and data.margin_week_before == pytest.approx(before)
    # Summit's sandbox was completed within the last seven days: not yet a week ago.
    assert (data.success.succeeded, data.success.completed) == (9, 10)
    assert (data.success_week_ago.succeeded, data.success_week_ago.completed) == (8, 9)
    text = str(renderer.render(data, UTC, all_clear=True).block_dicts())
    assert f"Services margin against the 40% target: {last:.0%} in the week of" in text
    assert "Projects on time and within budget: 90% (9 of 10) against the 90% target, 89% a week ago" in text


# A forecast past the budget is a health finding (Needs Attention), kept like the others.

def test_a_forecast_past_the_threshold_is_a_needs_attention_finding_with_its_reason():
    from store.health.rules import BudgetForecast, HealthSignals, HealthThresholds, assess

    limits = HealthThresholds()
    over = BudgetForecast(0.4, (168.0, 120.0), RemainingFrom.ESTIMATES.label)
    found = assess(HealthSignals(budget=over), now=WEDNESDAY, today=WEDNESDAY.date(), limits=limits)
    assert found.computed.value == "needs_attention" and [f.rule for f in found.findings] == ["forecast_over_budget"]
    assert found.findings[0].reason == ("Forecast 40% over budget (168 h against 120 h, from the open "
                                        "deliverables' estimates)")
    money = BudgetForecast(0.12, None, RemainingFrom.WEEKLY_BURN.label)
    (finding,) = assess(HealthSignals(budget=money), now=WEDNESDAY, today=WEDNESDAY.date(), limits=limits).findings
    assert finding.reason == "Forecast 12% over budget (at the last 4 weeks' burn)", "no money in a health reason"
    within = BudgetForecast(0.10, None, "")
    assert assess(HealthSignals(budget=within), now=WEDNESDAY, today=WEDNESDAY.date(), limits=limits).findings == []
    # Not dated: compared with a week ago, the rest decide.
    assert found.dated.value == "on_track"


def test_delta_s_card_gives_the_budget_finding_and_precision_stays_on_track(demo_engine):
    with Session(demo_engine) as session:
        delta = service_card(session, CTX, service_id=service_named(session, "Integration Rollout").id)
        precision = service_card(session, CTX, service_id=service_named(session, "ERP Go-Live").id)
    reasons = [f.reason for f in delta.health.findings]
    assert delta.health.health.value == "at_risk" and any(r.startswith("Forecast 4") and "over budget" in r
                                                          for r in reasons), reasons
    assert precision.health.health.value == "on_track" and precision.budget.overrun < 0


def test_raising_a_budget_clears_the_finding_through_kept_health(demo_engine):
    from store.context import QueryContext as Ctx
    from store.db import make_sessionmaker
    from store.health import portfolio_health, refresh_kept

    ctx = Ctx(TEAM, WEDNESDAY, UTC)
    with Session(demo_engine) as session, session.begin():
        precision = service_named(session, "ERP Go-Live")
        precision.budget_hours = Decimal(10)  # far past it now
    assert refresh_kept(make_sessionmaker(demo_engine), ctx) is not None
    with Session(demo_engine) as session:
        assert portfolio_health(session, ctx).health_counts["needs_attention"] == 3
    with Session(demo_engine) as session, session.begin():
        service_named(session, "ERP Go-Live").budget_hours = Decimal(1000)
    with Session(demo_engine) as session:  # marked by the change: assessed again, no refresh needed
        assert portfolio_health(session, ctx).health_counts["needs_attention"] == 2
