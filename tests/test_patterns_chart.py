"""`/delivery patterns`'s chart (issue 22): blocked days by blocker category, this period against the one
before, a real PNG of the charts' size whose alt text states every figure; attached to the answer and to
the patterns digest like the other charts, and not when the subscription says `no-charts`."""

from __future__ import annotations

from datetime import timedelta, timezone

import pytest
from fake_slack_files import png_size
from support import load_demo_at
from test_digest_delivery import MONDAY_0831, NEW_YORK, client_for, posts_to, workspace_at

from digests.runner import run_due
from handlers.commands.delivery import reply_for
from messages.charts import HEIGHT_PX, WIDTH_PX
from messages.charts.patterns import blockers_chart
from messages.ids import ViewKind, ViewRef
from messages.views import show_now
from store.queries.patterns import patterns_report

PATTERNS_CHANNEL = "C0PATTERNS"


@pytest.fixture
def demo(engine):
    load_demo_at(engine, MONDAY_0831.astimezone(timezone.utc) - timedelta(minutes=1), NEW_YORK)
    return engine


def patterns_reply(engine):
    return show_now(workspace_at(engine, MONDAY_0831), ViewRef(k=ViewKind.PATTERNS)).reply


def test_the_answer_has_the_blockers_chart_whose_alt_text_states_every_category_shown(demo):
    reply = patterns_reply(demo)
    (draft,) = reply.charts
    chart = draft.draw()
    assert chart.filename == "blockers.png" and png_size(chart.png) == (WIDTH_PX, HEIGHT_PX)
    report = workspace_at(demo, MONDAY_0831).read(patterns_report)
    blocked = [f for f in report.categories if f.days or f.days_before]
    assert blocked, "the demo has blocks in these weeks"
    for figure in blocked:
        episodes = f"{figure.episodes} episode" + ("" if figure.episodes == 1 else "s")
        assert (f"{figure.category.label} {figure.days:.1f} days in {episodes}, before "
                f"{figure.days_before:.1f} days in {figure.episodes_before}") in chart.alt_text
    unblocked = [f.category.label for f in report.categories if not (f.days or f.days_before)]
    assert not any(f"{label} " in chart.alt_text for label in unblocked)
    assert chart.alt_text.startswith("Blocked days by blocker category, last 4 whole weeks against the 4 before")


def test_a_period_with_no_blocks_is_still_a_chart_that_says_so(demo):
    report = workspace_at(demo, MONDAY_0831).read(patterns_report)
    quiet = report.model_copy(update={"categories": [f.model_copy(update={"days": 0.0, "days_before": 0.0})
                                                     for f in report.categories]})
    chart = blockers_chart(quiet)
    assert png_size(chart.png) == (WIDTH_PX, HEIGHT_PX)
    assert "no deliverable was blocked in either period" in chart.alt_text


def subscribe(engine, words: str) -> str:
    workspace = workspace_at(engine, MONDAY_0831 - timedelta(hours=12))
    return reply_for(workspace, f"subscribe patterns 08:00 mon {words}".strip(), "U0DANA",
                     channel_id=PATTERNS_CHANNEL).text


def test_the_patterns_digest_attaches_its_chart_after_it_is_posted(demo, fake_slack):
    assert "Its charts are attached" in subscribe(demo, "")
    run_due(client_for(fake_slack), workspace_at(demo, MONDAY_0831), at=MONDAY_0831)
    (post,) = posts_to(fake_slack, PATTERNS_CHANNEL)
    (upload,) = [f for f in fake_slack.uploaded_files() if f.channel_id == PATTERNS_CHANNEL]
    assert upload.filename == "blockers.png" and png_size(upload.data) == (800, 400)
    assert upload.alt_txt.startswith("Blocked days by blocker category")
    assert fake_slack.calls_to("files.completeUploadExternal")[-1].at > post.at


def test_no_charts_posts_the_patterns_digest_as_text_only(demo, fake_slack):
    assert "Text only, no charts" in subscribe(demo, "no-charts")
    run_due(client_for(fake_slack), workspace_at(demo, MONDAY_0831), at=MONDAY_0831)
    assert len(posts_to(fake_slack, PATTERNS_CHANNEL)) == 1
    assert not [f for f in fake_slack.uploaded_files() if f.channel_id == PATTERNS_CHANNEL]
