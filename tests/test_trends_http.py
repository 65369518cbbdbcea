"""`/delivery trends` over signed HTTP (issue 22), on both databases: the numbers as text in the private
answer, which says the charts come by DM; the three charts then shared in the asker's DM as real PNGs
with alt text stating the numbers; and, when the upload fails, the answer stands and the asker is told."""

from __future__ import annotations

import json

import pytest
from fake_slack_files import png_size
from slack_signing import interactive_body, slash_command_body
from test_interactions_http import ephemeral_click, post, share_button

from handlers.commands.delivery import WORKING_ON_IT
from messages.uploads import CHARTS_FAILED, CHARTS_IN_DM


@pytest.fixture(autouse=True)
def clean_slack(slack):
    slack.reset()


def ask_trends(app_url: str, slack, user_id: str = "U0DANA") -> dict:
    """The answer, whether in the ack or (past the answer budget) through the response_url."""
    reply = post(app_url, slash_command_body("trends", user_id=user_id,
                                             response_url=slack.response_url("trends"))).json()
    assert reply["response_type"] == "ephemeral"
    if reply["text"] == WORKING_ON_IT:
        (late,) = slack.wait_for("response_url", timeout=20)
        return late.params
    return reply


def test_trends_answers_in_numbers_and_sends_the_charts_to_the_asker_s_dm(app_url, slack):
    reply = ask_trends(app_url, slack)
    shown = json.dumps(reply["blocks"])
    assert reply["text"].startswith("Trends, last 8 weeks: now ")
    for words in ("Health mix", "Now: ", "on track", "On schedule", "target 90%", "SLA compliance", "target 95%",
                  "Billable, week of", "Furthest outside the band", "Share in channel"):
        assert words in shown, words
    assert CHARTS_IN_DM in shown
    (completed,) = slack.wait_for("files.completeUploadExternal", timeout=20)
    (opened,) = slack.calls_to("conversations.open")
    assert opened.params["users"] == "U0DANA"
    files = slack.uploaded_files()
    assert [f.filename for f in files] == ["health-mix.png", "compliance.png", "billable.png"]
    assert {f.channel_id for f in files} == {opened.response["channel"]["id"]} == {completed.params["channel_id"]}
    assert all(png_size(f.data) == (800, 400) for f in files)
    health, compliance, billable = (f.alt_txt for f in files)
    assert health.count(" on track, ") == 8 and "now: " in health
    assert "Targets: on schedule 90%, SLA 95%" in compliance and compliance.count("week of ") == 8
    assert "Team " in billable and "Charted: everyone" in billable
    # Every number of the answer's "now" line is in the chart's alt text.
    now_line = next(line for line in reply["blocks"][1]["text"]["text"].splitlines() if line.startswith("• Now: "))
    counts = [word.replace(",", "") for word in now_line.split() if word.replace(",", "").isdigit()]
    assert f"now: {counts[0]} on track, {counts[1]} need attention, {counts[2]} at risk" in health
    assert not [c for c in slack.calls_to("response_url") if CHARTS_FAILED in c.params.get("text", "")]


def test_when_the_upload_fails_the_answer_stands_and_the_asker_is_told(app_url, slack):
    slack.fail_next("files.completeUploadExternal", "missing_scope")
    reply = ask_trends(app_url, slack)
    assert "Health mix" in json.dumps(reply["blocks"])
    told = [c for c in slack.wait_for("response_url", timeout=20) if CHARTS_FAILED in c.params.get("text", "")]
    assert told, "the asker hears the charts did not come"
    (note,) = told
    assert note.params["text"].startswith(f"{CHARTS_FAILED}: missing_scope.")
    assert note.params["replace_original"] is False, "the answer with its numbers stays"
    assert slack.uploaded_files() == []


def test_sharing_trends_posts_the_answer_then_its_charts_in_the_channel(app_url, slack):
    reply = ask_trends(app_url, slack)
    slack.wait_for("files.completeUploadExternal", timeout=20)  # the DM's, first
    slack.reset()
    share, block_id = share_button(reply)
    click = ephemeral_click(share, block_id, slack.response_url("share"))
    click["user"]["id"] = "U0DANA"
    assert post(app_url, interactive_body(click)).status_code == 200
    (completed,) = slack.wait_for("files.completeUploadExternal", timeout=20)
    (posted,) = slack.calls_to("chat.postMessage")
    assert completed.params["channel_id"] == posted.params["channel"] and completed.at > posted.at
    assert "Health mix" in json.dumps(posted.params["blocks"]) and CHARTS_IN_DM not in json.dumps(posted.params)
    files = slack.uploaded_files()
    assert len(files) == 3 and all(png_size(f.data) == (800, 400) for f in files)
