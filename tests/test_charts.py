"""Trends and their charts (issue 22): the figures agree with the definitions they reuse, computed one
moment at a time; the charts are real PNGs of the fixed size whose alt text states the numbers; the
billable chart caps the people it draws and says so; past weeks are kept, the present is read."""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from fake_slack_files import png_size
from query_count import count_statements
from sqlalchemy.orm import Session
from support import TEAM, UTC, WEDNESDAY, load_demo_at

from messages.blocks.trends import trends_message
from messages.charts import HEIGHT_PX, WIDTH_PX
from messages.charts.drafts import trends_charts
from messages.charts.trends import billable_chart, compliance_chart, health_mix_chart
from store.context import QueryContext
from store.db import make_sessionmaker
from store.demo.synthetic import load_synthetic
from store.enums import Health
from store.health import health_as_of
from store.queries import trends as trends_module
from store.queries.kept_reports import forget_reports
from store.queries.trends import MAX_CHARTED_PEOPLE, keep_trends, trends, whole_weeks
from store.queries.utilization import people_week
from store.queries.weekly import _on_schedule_at, sla_by_week
from store.readmodels.capacity import Utilization
from store.readmodels.trends import BillableSpread, PersonBillable
from store.rules.capacity import BillableBand

CTX = QueryContext(team_id=TEAM, now=WEDNESDAY, tz=UTC)


@pytest.fixture
def demo(engine):
    load_demo_at(engine, WEDNESDAY)
    return engine


def read_trends(engine, ctx: QueryContext = CTX):
    with Session(engine) as session:
        return trends(session, ctx)


def test_each_point_is_the_definition_it_reuses_computed_alone(demo):
    data = read_trends(demo)
    weeks = whole_weeks(CTX)
    assert [p.first_day for p in data.compliance] == [w.first_day for w in weeks] and len(weeks) == 8
    with Session(demo) as session:
        # The health mix: health_as_of (the weekly digest's "a week ago") at each Monday and now.
        moments = [w.end for w in weeks[1:]] + [CTX.now]
        assert [p.at for p in data.health] == moments
        for point, at in zip(data.health, moments, strict=True):
            alone = Counter(h.health for h in health_as_of(session, CTX, at=at))
            assert point.counts == {health: alone[health] for health in Health}, at
            assert point.compared == sum(alone.values())
        # On schedule at each week's end as on_schedule_week_ago; SLA of each week as the digest's.
        for point, week in zip(data.compliance, weeks, strict=True):
            assert point.on_schedule == pytest.approx(_on_schedule_at(session, CTX, week.end))
        assert [p.sla for p in data.compliance] == [w.sla for w in sla_by_week(session, CTX, weeks)]
        # Billable: the delivery team's shares of the last whole week, by band.
        people = people_week(session, CTX, weeks[-1])
    bands = Counter(people.by_person[pid].band for pid in people.delivery if people.by_person[pid].band)
    spread = data.billable
    assert (spread.below, spread.within, spread.above) == (
        bands[BillableBand.BELOW], bands[BillableBand.WITHIN], bands[BillableBand.ABOVE])
    assert spread.counted == sum(bands.values()) == len(spread.shown), "a small team is charted whole"
    assert spread.team.billable_share == pytest.approx(people.team().team.billable_share)
    # The demo has history: somebody was in trouble at some point, and some SLA was measured.
    assert any(p.at_risk or p.needs_attention for p in data.health)
    assert any(p.sla.denominator for p in data.compliance)


def test_the_charts_are_pngs_of_the_fixed_size_and_their_alt_text_states_the_numbers(demo):
    data = read_trends(demo)
    drafts = trends_charts(data, UTC)
    charts = [draft.draw() for draft in drafts]
    assert [c.name for c in charts] == ["health-mix", "compliance", "billable"]
    for chart in charts:
        assert png_size(chart.png) == (WIDTH_PX, HEIGHT_PX) == (800, 400)
        assert chart.filename.endswith(".png") and len(chart.alt_text) <= 1000
    health, compliance, billable = (c.alt_text for c in charts)
    for point in data.health:
        assert (f"{point.on_track} on track, {point.needs_attention} need attention, {point.at_risk} at risk"
                in health)
    assert health.count("on track") == 8 and "now:" in health
    for point in data.compliance:
        on_schedule = "no data" if point.on_schedule is None else f"{point.on_schedule * 100:.0f}%"
        assert f"on schedule {on_schedule}" in compliance
        if point.sla.denominator:
            assert f"({point.sla.met} of {point.sla.denominator})" in compliance
    assert "on schedule 90%, SLA 95%" in compliance
    assert f"Team {data.billable.team.billable_share * 100:.0f}%" in billable
    for person in data.billable.shown:
        assert f"{person.name} {person.share * 100:.0f}%" in billable
    assert "Charted: everyone" in billable


def test_the_text_answer_carries_the_same_numbers_and_the_charts(demo):
    data = read_trends(demo)
    reply = trends_message(data, UTC)
    shown = " ".join(str(b.to_dict()) for b in reply.blocks)
    now = data.health[-1]
    assert f"Now: {now.on_track:,} on track · {now.needs_attention:,} need attention · {now.at_risk:,} at risk" \
        in shown
    assert "target 90%" in shown and "target 95%" in shown and "70–80%" in shown
    assert len(reply.blocks) <= 50 and reply.text.startswith("Trends, last 8 weeks: now ")


def test_the_billable_chart_draws_the_furthest_outside_the_band_and_says_how_many_it_left_out(engine):
    load_synthetic(engine, team_id=TEAM, now=WEDNESDAY, tz=UTC, services=150)
    spread = read_trends(engine).billable
    assert spread.counted > MAX_CHARTED_PEOPLE and len(spread.shown) == MAX_CHARTED_PEOPLE
    distances = [p.outside_by for p in spread.shown]
    assert distances == sorted(distances, reverse=True), "furthest outside first"
    chart = billable_chart(spread)
    assert png_size(chart.png) == (800, 400)
    assert f"the {MAX_CHARTED_PEOPLE} people furthest outside the band" in chart.alt_text
    assert f"over {spread.counted:,} people: {spread.below:,} below, {spread.within:,} within" in chart.alt_text


def test_a_chart_of_nothing_is_still_a_chart():
    """No services, no tickets, nobody with hours: every chart draws, and says what it has."""
    spread = BillableSpread(first_day=WEDNESDAY.date(), team=Utilization(0, 0, 0, 0, people=0), counted=0,
                            below=0, within=0, above=0, shown=[])
    assert "Team no data over 0 people" in billable_chart(spread).alt_text
    assert png_size(health_mix_chart([], UTC).png) == (800, 400)
    assert png_size(compliance_chart([], 0.9, 0.95).png) == (800, 400)
    hostile = ["A" * 80, "$\\frac{1", "<!channel> & $x^2$", "Zoë Ødegård"]
    crowded = BillableSpread(first_day=WEDNESDAY.date(), team=Utilization(40, 40, 40, 30), counted=4, below=0,
                             within=0, above=4, shown=[PersonBillable(name=name, share=2.5, band=BillableBand.ABOVE)
                                                       for name in hostile])
    chart = billable_chart(crowded)
    assert png_size(chart.png) == (800, 400), "names are drawn as typed, never parsed as mathtext"
    assert re.search(r"A{80} 250%", chart.alt_text), "the alt text keeps the whole name"
    assert all(f"{name} 250%" in chart.alt_text for name in hostile)


def test_past_weeks_are_kept_and_the_present_is_read_each_time(demo, monkeypatch):
    sessions = make_sessionmaker(demo)
    with sessions.begin() as session:
        forget_reports(session, TEAM)  # as a bulk write does
    with count_statements(demo) as counted:
        fresh = read_trends(demo)  # nothing kept: the past weeks are counted
    assert keep_trends(sessions, CTX)
    four_minutes_on = QueryContext(team_id=TEAM, now=WEDNESDAY + timedelta(minutes=4), tz=UTC)
    assert not keep_trends(sessions, four_minutes_on), "kept and young: not counted again"
    with count_statements(demo) as kept:
        assert read_trends(demo) == fresh
    assert kept.count < counted.count / 4, (counted.count, kept.count)
    monkeypatch.setattr(trends_module, "KEPT_FOR", timedelta(0))
    with count_statements(demo) as again:
        assert read_trends(demo) == fresh
    assert again.count == counted.count, "past its time, the kept report is not read"


def test_kept_past_weeks_are_of_one_period_and_one_time_zone(demo):
    keep_trends(make_sessionmaker(demo), CTX)
    with count_statements(demo) as kept:
        read_trends(demo)
    next_week = QueryContext(team_id=TEAM, now=WEDNESDAY + timedelta(days=7), tz=UTC)
    elsewhere = QueryContext(team_id=TEAM, now=WEDNESDAY, tz=ZoneInfo("Pacific/Auckland"))
    for other in (next_week, elsewhere):
        with count_statements(demo) as counted:
            read_trends(demo, other)
        assert counted.count > 4 * kept.count, "the kept weeks are not of this period or time zone: counted"
