"""Charts in Slack (issue 22): uploaded with the current flow as real PNGs with their alt text, attached to
the weekly portfolio digest when its subscription wants them, and never at the cost of the text: a failed
upload leaves the digest posted once, saying so, and `no-charts` uploads nothing."""

from __future__ import annotations

import json
from datetime import timedelta, timezone

import pytest
from fake_slack_files import UPLOAD_METHOD, png_size
from query_count import count_statements
from support import load_demo_at
from test_digest_delivery import MONDAY_0831, NEW_YORK, client_for, ledger, posts_to, workspace_at

from digests.runner import run_due
from handlers.commands.delivery import reply_for
from handlers.commands.parse import UsageError, parse_command
from messages.ids import ViewKind, ViewRef
from messages.uploads import CHARTS_FAILED, attach_charts, send_to_dm
from messages.views import show_now

WEEKLY_CHANNEL = "C0WEEKLY"


@pytest.fixture
def demo(engine):
    load_demo_at(engine, MONDAY_0831.astimezone(timezone.utc) - timedelta(minutes=1), NEW_YORK)
    return engine


def subscribe(engine, words: str) -> str:
    """`/delivery subscribe weekly-portfolio …` by Dana (ops) in the weekly channel, the evening before."""
    workspace = workspace_at(engine, MONDAY_0831 - timedelta(hours=12))
    return reply_for(workspace, f"subscribe weekly-portfolio 08:00 mon {words}".strip(), "U0DANA",
                     channel_id=WEEKLY_CHANNEL).text


def trends_drafts(engine):
    return show_now(workspace_at(engine, MONDAY_0831), ViewRef(k=ViewKind.TRENDS)).reply.charts


def test_charts_are_uploaded_as_pngs_of_800_by_400_with_their_alt_text(demo, fake_slack):
    drafts = trends_drafts(demo)
    sent = attach_charts(client_for(fake_slack), "C0OPS", drafts, comment="Trends")
    files = fake_slack.uploaded_files()
    assert sent.ok and sent.files == tuple(f.file_id for f in files) and len(files) == 3
    assert [f.filename for f in files] == ["health-mix.png", "compliance.png", "billable.png"]
    for uploaded, draft in zip(files, drafts, strict=True):
        assert png_size(uploaded.data) == (800, 400)
        assert uploaded.alt_txt == draft.draw().alt_text and " on track" in files[0].alt_txt
        assert uploaded.channel_id == "C0OPS" and uploaded.initial_comment == "Trends"
    # The three steps, in order: an upload URL per file, the bytes to each, one completion sharing all.
    methods = [c.method for c in fake_slack.calls if c.method != "auth.test"]
    assert methods == ["files.getUploadURLExternal"] * 3 + [UPLOAD_METHOD] * 3 + ["files.completeUploadExternal"]


@pytest.mark.parametrize("failing", ["files.getUploadURLExternal", UPLOAD_METHOD, "files.completeUploadExternal"])
def test_a_failed_step_is_told_not_raised(demo, fake_slack, failing):
    fake_slack.fail_next(failing, "internal_error")
    sent = attach_charts(client_for(fake_slack), "C0OPS", trends_drafts(demo))
    assert not sent.ok and sent.error.startswith(CHARTS_FAILED) and fake_slack.uploaded_files() == []


def test_an_answer_s_charts_go_to_the_asker_s_dm(demo, fake_slack):
    sent = send_to_dm(client_for(fake_slack), "U0DANA", trends_drafts(demo))
    (opened,) = fake_slack.calls_to("conversations.open")
    assert sent.ok and opened.params["users"] == "U0DANA"
    assert {f.channel_id for f in fake_slack.uploaded_files()} == {opened.response["channel"]["id"]}


def test_the_weekly_digest_attaches_its_two_charts_after_it_is_posted(demo, fake_slack):
    assert "Its charts are attached" in subscribe(demo, "")
    report = run_due(client_for(fake_slack), workspace_at(demo, MONDAY_0831), at=MONDAY_0831)
    assert any(label.startswith(f"weekly-portfolio -> {WEEKLY_CHANNEL}") for label in report.sent)
    (post,) = posts_to(fake_slack, WEEKLY_CHANNEL)
    files = fake_slack.uploaded_files()
    assert [f.filename for f in files] == ["health-mix.png", "compliance.png"]
    assert {f.channel_id for f in files} == {WEEKLY_CHANNEL}
    assert all(png_size(f.data) == (800, 400) for f in files)
    assert "Health mix, last 8 weeks" in files[0].alt_txt and "SLA" in files[1].alt_txt
    completed = fake_slack.calls_to("files.completeUploadExternal")[0]
    assert completed.at > post.at, "the charts follow the digest"
    # Digests without charts upload nothing: the at-risk digest went to C0OPS with no file.
    assert posts_to(fake_slack, "C0OPS") and all(f.channel_id != "C0OPS" for f in files)


def test_no_charts_uploads_nothing(demo, fake_slack):
    assert "Text only, no charts" in subscribe(demo, "no-charts")
    run_due(client_for(fake_slack), workspace_at(demo, MONDAY_0831), at=MONDAY_0831)
    assert len(posts_to(fake_slack, WEEKLY_CHANNEL)) == 1
    assert fake_slack.uploaded_files() == [] and fake_slack.calls_to("files.getUploadURLExternal") == []
    listed = reply_for(workspace_at(demo, MONDAY_0831), "subscriptions", "U0DANA").blocks[0].to_dict()["text"]["text"]
    (weekly,) = [line for line in listed.splitlines() if "weekly-portfolio" in line]
    assert weekly.endswith(" · no charts")
    assert not any("charts" in line for line in listed.splitlines() if "at-risk" in line), "it has none to turn off"
    # `charts` turns them on again; subscribing again without a word keeps the choice.
    assert "Its charts are attached" in subscribe(demo, "charts")
    assert "Its charts are attached" in subscribe(demo, "09:00")


@pytest.mark.parametrize(("failing", "said"), [("files.getUploadURLExternal", "internal_error"),
                                               (UPLOAD_METHOD, "HTTPError"),
                                               ("files.completeUploadExternal", "internal_error")])
def test_a_failed_upload_leaves_the_digest_posted_once_and_says_so(demo, fake_slack, failing, said):
    subscribe(demo, "")
    fake_slack.fail_next(failing, "internal_error", times=5)
    report = run_due(client_for(fake_slack), workspace_at(demo, MONDAY_0831), at=MONDAY_0831)
    (post,) = posts_to(fake_slack, WEEKLY_CHANNEL)
    assert fake_slack.uploaded_files() == []
    assert any(label.startswith(f"weekly-portfolio -> {WEEKLY_CHANNEL}") for label in report.sent)
    assert not report.failed and not report.uncertain
    assert set(ledger(demo, MONDAY_0831).values()) <= {"sent", "missed", "empty"}, "the post's outcome stands"
    (update,) = [c for c in fake_slack.calls_to("chat.update") if c.params.get("channel") == WEEKLY_CHANNEL]
    assert update.params["ts"] == post.response["ts"]
    shown = json.dumps(update.params["blocks"])
    assert f"{CHARTS_FAILED}: {said}." in shown and "Health" in shown, "the digest as posted, and a line saying so"
    again = run_due(client_for(fake_slack), workspace_at(demo, MONDAY_0831), at=MONDAY_0831)
    assert again.sent == [] and len(posts_to(fake_slack, WEEKLY_CHANNEL)) == 1, "never posted again"


def test_the_charts_words_are_parsed_and_refused_where_they_mean_nothing(demo):
    assert parse_command("subscribe weekly-portfolio no-charts").subscription.charts is False
    assert parse_command("subscribe weekly-portfolio 08:00 mon charts").subscription.charts is True
    assert parse_command("subscribe weekly-portfolio").subscription.charts is None
    with pytest.raises(UsageError, match="charts does not apply"):
        parse_command("subscribe sla-warnings no-charts")
    workspace = workspace_at(demo, MONDAY_0831)
    refused = reply_for(workspace, "subscribe at-risk no-charts", "U0DANA", channel_id="C0RISK").text
    assert "has no charts" in refused and "Nothing was changed" in refused
    assert "C0RISK" not in reply_for(workspace, "subscriptions", "U0DANA").text


def test_the_weekly_digest_reads_its_charts_only_when_they_are_drawn(demo):
    workspace = workspace_at(demo, MONDAY_0831)
    with count_statements(demo) as built:
        reply = show_now(workspace, ViewRef(k=ViewKind.DIGEST_WEEKLY_PORTFOLIO)).reply
    with count_statements(demo) as drawn:
        health, compliance = (draft.draw() for draft in reply.charts)
    assert built.count and drawn.count, "the trends are read when drawn, once for both"
    trends = {draft.name: draft.draw() for draft in trends_drafts(demo)}
    assert (health.alt_text, compliance.alt_text) == (trends["health-mix"].alt_text, trends["compliance"].alt_text)


def test_digest_send_posts_the_weekly_digest_then_its_charts_unless_told_not_to(demo, fake_slack, monkeypatch,
                                                                                 capsys):
    from bot.cli import main

    monkeypatch.setenv("DATABASE_URL", demo.url.render_as_string(hide_password=False))
    monkeypatch.setenv("SLACK_API_URL", fake_slack.api_url)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    assert main(["digest", "send", "weekly-portfolio", "--channel", WEEKLY_CHANNEL]) == 0
    assert "attached 2 charts" in capsys.readouterr().out
    assert [png_size(f.data) for f in fake_slack.uploaded_files()] == [(800, 400)] * 2
    assert main(["digest", "send", "weekly-portfolio", "--channel", WEEKLY_CHANNEL, "--no-charts"]) == 0
    assert len(posts_to(fake_slack, WEEKLY_CHANNEL)) == 2 and len(fake_slack.uploaded_files()) == 2


def test_a_late_answer_mentions_its_charts_and_hands_them_on(demo):
    from concurrent.futures import Future

    from handlers.commands.delivery import send_late_answer
    from messages.uploads import CHARTS_IN_DM

    answer: Future = Future()
    answer.set_result(reply_for(workspace_at(demo, MONDAY_0831), "trends", "U0DANA"))
    said, handed = [], []
    send_late_answer(lambda **message: said.append(message), "/delivery", answer, charts=handed.append)
    (message,) = said
    assert CHARTS_IN_DM in json.dumps(message["blocks"]) and message["replace_original"] is True
    (reply,) = handed
    assert [d.name for d in reply.charts] == ["health-mix", "compliance", "billable"]
    said.clear()
    send_late_answer(lambda **message: said.append(message), "/delivery", answer)
    assert CHARTS_IN_DM not in json.dumps(said[0]["blocks"]), "no charts to send, none mentioned"
