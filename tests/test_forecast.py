"""`/delivery forecast [service]` (issue 20, part 2): milestone-slip forecasts from recent weekly
throughput. The store's answer on both databases (hand-made portfolios with known throughput, and
the demo), the command parsed and answered, its message within Slack's limits and escaped, the
answer over signed HTTP, and a statement count that does not grow with the portfolio."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from query_count import count_statements
from slack_signing import slash_command_body
from sqlalchemy import select
from sqlalchemy.orm import Session
from support import TEAM, UTC, WEDNESDAY, load_demo_at
from test_hostile_names import assert_reply_clean, load_hostile_demo
from test_interactions_http import post

from bot.app import single_workspace
from bot.settings import load_settings
from handlers.commands.delivery import reply_for
from handlers.commands.parse import Subcommand, parse_command
from messages.blocks.common import MAX_MESSAGE_BLOCKS, MAX_SECTION_TEXT
from messages.blocks.forecast import forecast_message, milestone_line, pace_words
from store.clock import FixedClock, local_midnight
from store.context import QueryContext
from store.db import make_sessionmaker
from store.demo.synthetic import load_synthetic
from store.enums import DeliverableStatus, Phase, ServiceStatus
from store.models import Customer, Deliverable, Milestone, Service
from store.queries.forecast import MAX_SLIPPING, forecast_report, throughput
from store.readmodels import ServiceRef
from store.readmodels.forecast import Forecast, ForecastReport, MilestoneForecast, PortfolioForecast
from store.rules.forecast import Outcome
from store.workspace import Workspace

CTX = QueryContext(TEAM, WEDNESDAY, UTC)  # Wednesday 18 November 2026: this week began Monday 16th
THIS_MONDAY = date(2026, 11, 16)
TOKEN = re.compile(r"<!date\^\d+\^[^|]*\|([^>]*)>")


def weeks_ago(n: int, day: int = 1, hour: int = 12, tz: ZoneInfo = UTC) -> datetime:
    """`day` days into the week `n` weeks before this one (0: this week), at `hour` in `tz`."""
    return datetime.combine(THIS_MONDAY - timedelta(weeks=n, days=-day), time(hour), tzinfo=tz).astimezone(
        timezone.utc)


class Portfolio:
    """Hand-made services with known weekly completions."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.count = 0

    def service(self, name: str, *, created: datetime, completions: dict[int, int],
                status: ServiceStatus = ServiceStatus.ACTIVE, open_unlinked: int = 0) -> Service:
        """`completions`: weeks ago -> how many deliverables completed that week (0: this week, on Monday)."""
        customer = Customer(team_id=TEAM, key=f"c-{name}", name=f"{name} Corp")
        service = Service(team_id=TEAM, key=f"s-{name}", customer=customer, name=f"{name} rollout", status=status,
                          phase=Phase.BUILD, created_at=created)
        self.session.add_all([customer, service])
        for ago, count in completions.items():
            for _ in range(count):
                self.deliverable(service, DeliverableStatus.COMPLETE, completed_at=weeks_ago(ago, 0 if ago == 0 else 1))
        for _ in range(open_unlinked):
            self.deliverable(service, DeliverableStatus.IN_PROGRESS)
        return service

    def deliverable(self, service: Service, status: DeliverableStatus, *, completed_at: datetime | None = None,
                    milestone: Milestone | None = None) -> Deliverable:
        self.count += 1
        deliverable = Deliverable(team_id=TEAM, key=f"d-{self.count}", service=service, name=f"Work {self.count}",
                                  status=status, due_on=THIS_MONDAY, completed_at=completed_at, milestone=milestone)
        self.session.add(deliverable)
        return deliverable

    def milestone(self, service: Service, name: str, due_on: date, *, open_count: int, done: int = 0,
                  done_on: date | None = None) -> Milestone:
        self.count += 1
        milestone = Milestone(team_id=TEAM, key=f"m-{self.count}", service=service, name=name, due_on=due_on,
                              done_on=done_on)
        self.session.add(milestone)
        for _ in range(open_count):
            self.deliverable(service, DeliverableStatus.NOT_STARTED, milestone=milestone)
        for _ in range(done):
            self.deliverable(service, DeliverableStatus.ACCEPTED, completed_at=weeks_ago(20), milestone=milestone)
        return milestone


def steady(per_week: int, weeks: int = 8) -> dict[int, int]:
    return {ago: per_week for ago in range(1, weeks + 1)}


LONG_AGO = weeks_ago(30)


@pytest.fixture
def portfolio(engine):
    """Services whose forecasts are known exactly (steady throughput) or by their outcome."""
    with Session(engine) as session, session.begin():
        made = Portfolio(session)
        # 2 a week, 2 open on a milestone due this Wednesday: done this week, on time.
        a = made.service("Alpha", created=LONG_AGO, completions=steady(2))
        made.milestone(a, "Alpha launch", date(2026, 11, 18), open_count=2)
        # 1 a week, 3 open due this Wednesday: done in week 3 (Sunday 6 December), 18 days late at 85%.
        b = made.service("Bravo", created=LONG_AGO, completions=steady(1), open_unlinked=2)
        made.milestone(b, "Bravo sign-off", date(2026, 11, 18), open_count=3, done=1)
        made.milestone(b, "Bravo wrap-up", date(2027, 2, 1), open_count=0, done=2)
        # 1 a week, 5 open due next Wednesday: week 5 (Sunday 20 December), 25 days late.
        c = made.service("Charlie", created=LONG_AGO, completions=steady(1))
        made.milestone(c, "Charlie go-live", date(2026, 11, 25), open_count=5)
        # Two whole weeks old: not enough history.
        d = made.service("Delta", created=weeks_ago(3, day=2), completions={1: 3, 2: 3})
        made.milestone(d, "Delta discovery", date(2026, 11, 20), open_count=9)
        # Nothing completed in eight weeks (one completed nine weeks ago does not count).
        e = made.service("Echo", created=LONG_AGO, completions={9: 4})
        made.milestone(e, "Echo review", date(2026, 12, 1), open_count=1)
        # Nothing open on it: nothing to forecast.
        f = made.service("Foxtrot", created=LONG_AGO, completions=steady(1))
        made.milestone(f, "Foxtrot handover", date(2026, 11, 19), open_count=0, done=3)
        # Left out of the portfolio: a paused service's milestone, and a milestone marked done.
        g = made.service("Golf", created=LONG_AGO, completions=steady(1), status=ServiceStatus.PAUSED)
        made.milestone(g, "Golf launch", date(2026, 11, 18), open_count=6)
        made.milestone(c, "Charlie kickoff", date(2026, 10, 1), open_count=4, done_on=date(2026, 10, 2))
    return engine


def read(engine, ctx: QueryContext = CTX, name: str | None = None) -> ForecastReport:
    with Session(engine) as session:
        return forecast_report(session, ctx, name=name)


# -- the store's answer, both databases -------------------------------------------------------------

def test_the_portfolio_lists_milestones_forecast_to_slip_worst_first_and_counts_the_rest(portfolio):
    report = read(portfolio)
    assert report.week_first_day == THIS_MONDAY and report.service is None
    p = report.portfolio
    assert p is not None
    # Seven open (Bravo's wrap-up has nothing open on it, Foxtrot's handover neither), five with open work.
    assert (p.open_milestones, p.with_open_work, p.forecast, p.short_history, p.no_throughput) == (7, 5, 3, 1, 1)
    assert p.slipping_total == 2
    charlie, bravo = p.slipping
    assert (charlie.name, charlie.days_late, charlie.forecast.likely_on, charlie.forecast.safe_on) == (
        "Charlie go-live", 25, date(2026, 12, 20), date(2026, 12, 20))
    assert (bravo.name, bravo.days_late, bravo.forecast.safe_on, bravo.forecast.open) == (
        "Bravo sign-off", 18, date(2026, 12, 6), 3)
    assert bravo.service.label == "Bravo Corp · Bravo rollout" and bravo.slips
    assert bravo.forecast.per_week == 1 and bravo.forecast.history_weeks == 8


def test_throughput_counts_each_whole_week_since_the_service_started(portfolio):
    with Session(portfolio) as session, session.begin():
        made = Portfolio(session)
        made.count = 1000
        # Created on a Wednesday four weeks before this one: its history is the three whole weeks after.
        s = made.service("Hotel", created=weeks_ago(4, day=2), completions={4: 5, 3: 1, 1: 2, 0: 3})
        # Week bounds: Monday 00:00 is the new week's; Sunday 23:59 the old one's.
        made.deliverable(s, DeliverableStatus.ACCEPTED, completed_at=weeks_ago(2, day=0, hour=0))
        made.deliverable(s, DeliverableStatus.COMPLETE, completed_at=weeks_ago(3, day=6, hour=23) + timedelta(
            minutes=59))
        # Reopened: a completion time, but not done, so not counted.
        made.deliverable(s, DeliverableStatus.IN_PROGRESS, completed_at=weeks_ago(1))
        session.flush()
        found = throughput(session, CTX, {s.id: s.created_at})[s.id]
    assert found.weekly == [2, 1, 2] and found.done_this_week == 3
    assert found.per_week == pytest.approx(5 / 3)


def test_weeks_start_on_monday_in_the_organisation_s_time_zone(engine):
    auckland = ZoneInfo("Pacific/Auckland")  # UTC+13 in November
    ctx = QueryContext(TEAM, WEDNESDAY, auckland)
    with Session(engine) as session, session.begin():
        made = Portfolio(session)
        s = made.service("India", created=LONG_AGO, completions={})
        # Sunday 12:00 UTC is Monday 01:00 in Auckland: the next week's there, the same week's in UTC.
        sunday_noon = datetime.combine(ctx.week.first_day - timedelta(days=8), time(12), tzinfo=timezone.utc)
        assert local_midnight(ctx.week.first_day - timedelta(days=7), auckland) < sunday_noon
        made.deliverable(s, DeliverableStatus.COMPLETE, completed_at=sunday_noon)
        session.flush()
        in_auckland = throughput(session, ctx, {s.id: s.created_at})[s.id]
        in_utc = throughput(session, QueryContext(TEAM, WEDNESDAY, UTC), {s.id: s.created_at})[s.id]
    assert in_auckland.weekly == [0, 0, 0, 0, 0, 0, 0, 1]
    assert in_utc.weekly == [0, 0, 0, 0, 0, 0, 1, 0]


def test_a_service_by_name_forecasts_all_its_open_work_and_each_open_milestone(portfolio):
    report = read(portfolio, name="bravo")
    service = report.service
    assert service is not None and report.query == "bravo"
    assert service.ref.label == "Bravo Corp · Bravo rollout"
    assert service.weekly == [1] * 8 and service.done_this_week == 0
    # Five open in all (three on the sign-off, two on no milestone): week 5, Sunday 20 December.
    assert (service.whole.open, service.whole.likely_on, service.whole.safe_on) == (
        5, date(2026, 12, 20), date(2026, 12, 20))
    sign_off, wrap_up = service.milestones
    assert sign_off.slips and sign_off.days_late == 18
    assert wrap_up.forecast.outcome == Outcome.DONE and not wrap_up.slips
    assert service.milestones_total == 2
    short = read(portfolio, name="Delta Corp").service
    assert short is not None and short.whole.outcome == Outcome.SHORT_HISTORY and short.weekly == [3, 3]
    paused = read(portfolio, name="golf").service
    assert paused is not None and paused.ref.status == ServiceStatus.PAUSED and paused.milestones[0].slips


def test_a_name_that_matches_several_or_none_gives_the_choices_or_the_closest(portfolio):
    several = read(portfolio, name="rollout")
    assert several.service is None and len(several.choices) == 7 and several.portfolio is None
    none = read(portfolio, name="bravvo rolout")
    assert none.service is not None, "a misspelling still finds it, as /delivery status does"
    nothing = read(portfolio, name="zzqqxx")
    assert nothing.service is None and nothing.choices == [] and nothing.query == "zzqqxx"


def test_the_same_facts_give_the_same_answer(portfolio):
    with Session(portfolio) as session, session.begin():
        made = Portfolio(session)
        made.count = 2000
        s = made.service("Juliet", created=LONG_AGO, completions={1: 0, 2: 3, 3: 1, 5: 2, 8: 1})
        made.milestone(s, "Juliet beta", date(2026, 11, 20), open_count=4)
    first, again = read(portfolio, name="juliet"), read(portfolio, name="juliet")
    assert first == again
    whole = first.service.whole if first.service else None
    assert whole is not None and whole.likely_on is not None and whole.safe_on is not None
    assert whole.likely_on < whole.safe_on, "a case where the draws matter"
    later = read(portfolio, QueryContext(TEAM, WEDNESDAY + timedelta(days=1), UTC), name="juliet")
    assert later == first.model_copy(update={"as_of": WEDNESDAY + timedelta(days=1)}), "the same all week"


NEW_YORK = ZoneInfo("America/New_York")
# The demo loaded early on Monday, on Wednesday afternoon and late on Sunday of the week of 16 November
# 2026, and at 00:10 on the Monday New York leaves daylight saving time: when Gamma's Discovery Wrap-up
# is due (the day after, Sunday at the latest), and its likely and 85% dates (the week seeds the draws).
DEMO_MOMENTS = [
    pytest.param(datetime(2026, 11, 16, 0, 20, tzinfo=timezone.utc), UTC, date(2026, 11, 17),
                 (date(2027, 1, 31), date(2027, 3, 14)), id="monday-00:20-utc"),
    pytest.param(WEDNESDAY, UTC, date(2026, 11, 19), (date(2027, 1, 31), date(2027, 3, 14)), id="wednesday-utc"),
    pytest.param(datetime(2026, 11, 22, 23, 50, tzinfo=timezone.utc), UTC, date(2026, 11, 22),
                 (date(2027, 1, 31), date(2027, 3, 14)), id="sunday-23:50-utc"),
    pytest.param(datetime(2026, 11, 2, 5, 10, tzinfo=timezone.utc), NEW_YORK, date(2026, 11, 3),
                 (date(2027, 1, 17), date(2027, 3, 7)), id="new-york-monday-after-dst"),
]


def active_customers(engine) -> list[str]:
    with Session(engine) as session:
        return list(session.scalars(select(Customer.name).join(Service, Service.customer_id == Customer.id)
                                    .where(Service.team_id == TEAM, Service.status == ServiceStatus.ACTIVE)))


@pytest.mark.parametrize("now, tz, due_on, dates", DEMO_MOMENTS)
def test_the_demo_forecasts_only_gamma_s_discovery_wrap_up_to_slip(engine, now, tz, due_on, dates):
    load_demo_at(engine, now, tz)
    ctx = QueryContext(TEAM, now, tz)
    sunday = ctx.week.last_day
    portfolio = read(engine, ctx).portfolio
    assert portfolio is not None
    # Three of the fifteen open milestones have open work, all three due this week; all have history.
    assert (portfolio.open_milestones, portfolio.with_open_work, portfolio.forecast, portfolio.short_history,
            portfolio.no_throughput, portfolio.slipping_total) == (15, 3, 3, 0, 0, 1)
    [wrap_up] = portfolio.slipping
    assert (wrap_up.service.customer_name, wrap_up.name, wrap_up.due_on) == ("Gamma LLC", "Discovery Wrap-up", due_on)
    # Why it slips: three open on it, and two completed in eight weeks.
    assert (wrap_up.forecast.open, wrap_up.forecast.per_week, wrap_up.forecast.history_weeks) == (3, 0.25, 8)
    assert (wrap_up.forecast.likely_on, wrap_up.forecast.safe_on) == dates
    assert sunday < dates[0] < dates[1] and wrap_up.days_late == (dates[1] - due_on).days
    gamma = read(engine, ctx, name="Gamma LLC").service
    assert gamma is not None and gamma.weekly == [0, 0, 0, 1, 0, 0, 0, 1] and gamma.done_this_week == 0

    forecast_on_time = {}
    for customer in active_customers(engine):
        if customer == "Gamma LLC":
            continue
        service = read(engine, ctx, name=customer).service
        assert service is not None and service.ref.customer_name == customer
        assert service.milestones and not any(m.slips for m in service.milestones), customer
        forecast_on_time |= {(customer, m.name): (m.due_on, m.forecast.likely_on, m.forecast.safe_on, service.weekly)
                             for m in service.milestones if m.forecast.outcome != Outcome.DONE}
    # The others' open milestones (a phase review each) have no open work on them, but Precision's and
    # Beta's, due this week: their steady weeks finish them this week.
    assert forecast_on_time == {
        ("Precision Components", "Go-Live Readiness"): (min(ctx.today + timedelta(days=2), sunday), sunday, sunday,
                                                        [1, 2, 1, 2, 1, 2, 1, 2]),
        ("Beta Corp", "Training Complete"): (min(ctx.today + timedelta(days=3), sunday), sunday, sunday,
                                             [1, 1, 1, 1]),
    }


# -- the command ------------------------------------------------------------------------------------

def test_forecast_parses_with_and_without_a_service():
    plain = parse_command("forecast")
    assert (plain.subcommand, plain.name, plain.text) == (Subcommand.FORECAST, None, "forecast")
    named = parse_command("  Forecast   Delta Corp ")
    assert (named.subcommand, named.name, named.text) == (Subcommand.FORECAST, "Delta Corp", "forecast Delta Corp")


def test_the_answer_through_the_command(demo_engine):
    workspace = single_workspace(load_settings(), demo_engine, FixedClock(WEDNESDAY))
    portfolio = reply_for(workspace, "forecast", "U0BILL")
    shown = json.dumps(portfolio.block_dicts(), ensure_ascii=False)
    assert portfolio.text.startswith("Milestone forecasts: ") and "likely to slip" in portfolio.text
    assert "*Discovery Wrap-up* (Gamma LLC · Platform Discovery): likely" in shown
    assert "share_reply" in shown and '{\\"text\\":\\"forecast\\"}' in shown
    gamma = reply_for(workspace, "forecast gamma", "U0BILL")
    assert gamma.text.startswith("Forecast · Gamma LLC · Platform Discovery: all 4 open likely by ")
    assert '{\\"text\\":\\"forecast gamma\\"}' in json.dumps(gamma.block_dicts())
    several = reply_for(workspace, "forecast corp", "U0BILL")
    assert several.text == "Several services match 'corp'." and "/delivery forecast" in json.dumps(
        several.block_dicts())
    none = reply_for(workspace, "forecast zzqqxx", "U0BILL")
    assert none.text == "No service matches 'zzqqxx'."


# -- the message ---------------------------------------------------------------------------------------

def _plain(text: str) -> str:
    """Slack's date tokens as their fallback text."""
    return TOKEN.sub(r"\1", text)


def forecast(**changes) -> Forecast:
    values = dict(outcome=Outcome.FORECAST, open=6, history_weeks=8, per_week=2.5, likely_on=date(2027, 3, 14),
                  safe_on=date(2027, 3, 21))
    return Forecast(**{**values, **changes})


def item(name: str = "Go-Live Readiness", **changes) -> MilestoneForecast:
    ref = ServiceRef(service_id=1, service_name="SSO rollout", customer_name="Delta Corp", status="active")
    return MilestoneForecast(milestone_id=1, name=name, due_on=date(2027, 3, 7), service=ref,
                             forecast=forecast(**changes), slips=True, days_late=14)


def test_a_milestone_line_reads_as_the_issue_asks():
    assert _plain(milestone_line(item(), UTC, with_service=True)) == (
        "*Go-Live Readiness* (Delta Corp · SSO rollout): likely Sun 14 Mar (85%: Sun 21 Mar) against due Sun 07 Mar "
        "· 6 open, 2.5 a week")
    assert pace_words(forecast(history_weeks=5, per_week=0.4)) == "6 open, 0.4 a week over 5 weeks of history"
    assert _plain(milestone_line(item(safe_on=None), UTC, with_service=False)).startswith(
        ":warning: *Go-Live Readiness*: likely Sun 14 Mar (85%: more than two years) against due")
    short = milestone_line(item(outcome=Outcome.SHORT_HISTORY, history_weeks=2, likely_on=None, safe_on=None), UTC,
                           with_service=True)
    assert "not enough history (2 whole weeks since the service started; 4 needed)" in short
    none = milestone_line(item(outcome=Outcome.NO_THROUGHPUT, per_week=0.0, likely_on=None, safe_on=None), UTC,
                          with_service=True)
    assert "no completions in the last 8 weeks" in none and "6 open, 0 a week" in none


def test_a_long_list_of_long_names_stays_within_slack_s_limits():
    hostile = "<!channel> & " * 40
    slipping = [item(name=f"{hostile}{n}") for n in range(MAX_SLIPPING)]
    report = ForecastReport(as_of=WEDNESDAY, week_first_day=THIS_MONDAY, portfolio=PortfolioForecast(
        open_milestones=9000, with_open_work=1053, forecast=1053, short_history=0, no_throughput=0,
        slipping=slipping, slipping_total=1041))
    reply = forecast_message(report, UTC)
    blocks = reply.block_dicts()
    assert len(blocks) <= MAX_MESSAGE_BLOCKS
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert all(len(text) <= MAX_SECTION_TEXT for text in sections)
    assert sum(text.count("• ") for text in sections) == MAX_SLIPPING, "no line cut"
    assert "and 1026 more" in json.dumps(blocks)
    assert "<!channel>" not in json.dumps(blocks) + reply.text


@pytest.fixture
def hostile_workspace(engine):
    load_hostile_demo(engine, WEDNESDAY)
    return single_workspace(load_settings(), engine, FixedClock(WEDNESDAY))


def test_names_with_slack_markup_come_out_escaped(hostile_workspace):
    for text in ("forecast", "forecast Gamma", "forecast corp", "forecast zzqq <!channel> & <https://evil.example|x>"):
        reply = reply_for(hostile_workspace, text, "U0RYAN")
        assert_reply_clean(reply, f"/delivery {text}", shows_hostile=True)
    gamma = reply_for(hostile_workspace, "forecast Gamma", "U0RYAN")
    assert gamma.text.startswith("Forecast · Gamma LLC &amp; &lt;!channel&gt;"), gamma.text


# -- over HTTP, and at size --------------------------------------------------------------------------------

def test_the_answer_over_signed_http(app_url, clean_slack):
    reply = post(app_url, slash_command_body("forecast gamma", user_id="U0BILL")).json()
    assert reply["response_type"] == "ephemeral"
    assert reply["text"].startswith("Forecast · Gamma LLC · Platform Discovery: ")
    shown = json.dumps(reply["blocks"], ensure_ascii=False)
    assert "Discovery Wrap-up" in shown and "Completions a week" in shown
    portfolio = post(app_url, slash_command_body("forecast", user_id="U0BILL")).json()
    assert "Discovery Wrap-up" in json.dumps(portfolio["blocks"])


def test_the_statement_count_does_not_grow_with_the_portfolio(engine):
    counts: dict[str, list[int]] = {"forecast": [], "forecast Cobalt Analytics": []}
    for size, team in ((20, "T0SMALL"), (300, "T0LARGE")):
        load_synthetic(engine, team_id=team, now=WEDNESDAY, tz=UTC, services=size)
        workspace = Workspace(sessions=make_sessionmaker(engine), team_id=team, clock=FixedClock(WEDNESDAY), tz=UTC)
        for text, seen in counts.items():
            with count_statements(engine) as counter:
                reply = reply_for(workspace, text, "U00000001")
            assert "forecast" in reply.text.lower() and "match" not in reply.text, reply.text
            seen.append(counter.count)
    # The services' names are read only when some milestone slips (none may among 20 services): never more.
    assert counts["forecast"][1] == 4 and counts["forecast"][0] in (3, 4), counts
    assert counts["forecast Cobalt Analytics"] == [6, 6], counts
