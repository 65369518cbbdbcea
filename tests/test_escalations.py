"""Following blocked deliverables through, as the fake Slack receives it: the escalation ladder posted step
by step (digests/escalations.py) with one message per place updated in place, the messages of a deliverable
unblocked since drawn again once, a snooze's return DM, "Escalate now" from a row's menu, and the wiring in
the scheduler's tick and `digest run-due`. On the demo, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from served_app import app_environment
from slack_sdk import WebClient
from sqlalchemy import select, update
from support import TEAM, WEDNESDAY

from bot.app import single_workspace
from bot.scheduler import DigestTicker
from bot.settings import load_settings
from digests.escalations import run_escalations
from digests.ops_report import tell_ops
from handlers.commands.delivery import reply_for
from handlers.deliverable_follow import apply_escalation, apply_snooze
from handlers.rerender import Origin
from messages.ids import ActionId, DeliverableFollowValue, FollowAction, RowOption, ViewKind, ViewRef
from store.changes.deliverables import snooze_deliverable
from store.clock import FixedClock
from store.digests import subscribe
from store.enums import DeliverableStatus
from store.escalations import returns_of, steps_of
from store.models import Deliverable, Person, PostedMessage, Service

DAY = timedelta(days=1)
BLOCKED_AT = WEDNESDAY - 2 * DAY - timedelta(minutes=1)
NAME = "Data export"


@pytest.fixture
def workspace(demo_engine):
    return single_workspace(load_settings(delivery_quiet_hours=""), demo_engine, FixedClock(WEDNESDAY))


@pytest.fixture
def export(workspace) -> int:
    """Bill's blocked deliverable on Chris's Gamma LLC, blocked two days and a minute ago."""
    with workspace.sessions.begin() as session:
        gamma = session.scalars(select(Service).where(Service.name == "Platform Discovery")).one()
        bill = session.scalars(select(Person).where(Person.slack_user_id == "U0BILL")).one()
        row = Deliverable(team_id=TEAM, key="esc-export", service_id=gamma.id, name=NAME, owner_id=bill.id,
                          status=DeliverableStatus.BLOCKED, blocked_reason="Waiting for the customer's <VPN>",
                          blocked_since=BLOCKED_AT)
        session.add(row)
        session.flush()
        return row.id


def at(workspace, moment: datetime):
    return replace(workspace, clock=FixedClock(moment))


def client(slack) -> WebClient:
    return WebClient(token="xoxb-test", base_url=slack.api_url)


def tick(slack, workspace, moment: datetime):
    """One run at `moment`: the report, and the posts and updates about the test's deliverable."""
    slack.reset()
    report = run_escalations(client(slack), at(workspace, moment))
    mine = [call for call in slack.calls if NAME in call.params.get("text", "")]
    return (report, [c for c in mine if c.method == "chat.postMessage"], [c for c in mine if c.method == "chat.update"])


def shown(call) -> str:
    blocks = call.params["blocks"]
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    return "\n".join(element.get("text", "") if isinstance(element.get("text"), str) else element["text"]["text"]
                     for block in blocks for element in ([block] if "text" in block else block.get("elements", []))
                     if isinstance(element, dict) and "text" in element)


def buttons(call) -> list[str]:
    blocks = call.params["blocks"]
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    return [e["text"]["text"] for b in blocks if b["type"] == "actions" for e in b["elements"]]


def test_the_ladder_climbs_owner_lead_channels_each_posted_once_and_every_message_kept_true(slack, workspace, export):
    report, posts, updates = tick(slack, workspace, WEDNESDAY)
    assert [c.params["channel"] for c in posts] == ["U0BILL"] and updates == []
    assert posts[0].params["text"] == f"Escalation: {NAME} blocked 2 days (Gamma LLC · Platform Discovery)"
    first = shown(posts[0])
    assert "*Escalation*: *Data export* has been blocked 2 days" in first
    assert "Waiting for (Other): Waiting for the customer's &lt;VPN&gt;" in first
    assert "1. <!date^" in first and "<@U0BILL>, on the ladder's schedule" in first
    assert "Next: the service's lead" in first
    assert buttons(posts[0]) == ["Escalate now", "Snooze"]
    assert report.sent == [f"deliverable {export} step 1"]

    _, posts, updates = tick(slack, workspace, WEDNESDAY + timedelta(minutes=1))
    assert posts == [] and updates == [], "posted once"

    _, posts, updates = tick(slack, workspace, WEDNESDAY + 2 * DAY)
    assert [c.params["channel"] for c in posts] == ["U0CHRIS"], "step 2: the lead of Gamma LLC"
    assert [c.params["channel"] for c in updates] == ["D0BILLBOT"]
    assert "2. <!date^" in shown(updates[0]) and "<@U0CHRIS>" in shown(updates[0]), "Bill's DM says the lead knows"

    workspace.change(subscribe, digest="escalations", channel_id="C0ESC", timezone="UTC")
    _, posts, updates = tick(slack, workspace, WEDNESDAY + 4 * DAY)
    assert [c.params["channel"] for c in posts] == ["C0ESC"] and len(updates) == 2
    assert buttons(posts[0]) == ["Snooze"], "no step is left to take"
    assert "Every step of the ladder has been taken." in shown(posts[0])
    assert [step for d, step, status in workspace.read(steps_of) if d == export] == [1, 2, 3]
    assert {status for d, _s, status in workspace.read(steps_of) if d == export} == {"sent"}

    card = reply_for(at(workspace, WEDNESDAY + 4 * DAY), "status Gamma", "U0CHRIS")
    (row,) = [b["text"]["text"] for b in card.block_dicts() if b.get("text", {}).get("text", "").startswith(
        ":no_entry: Data export")]
    assert ":arrow_up: escalated to the escalations channels on <!date^" in row


def test_an_import_that_unblocks_it_draws_every_message_again_once_without_buttons(slack, workspace, export):
    tick(slack, workspace, WEDNESDAY)
    tick(slack, workspace, WEDNESDAY + 2 * DAY)
    with workspace.sessions.begin() as session:  # as `delivery-bot import` writes it
        session.execute(update(Deliverable).where(Deliverable.id == export)
                        .values(status=DeliverableStatus.IN_PROGRESS, blocked_since=None, blocked_reason=None,
                                version=2))
    report, posts, updates = tick(slack, workspace, WEDNESDAY + 2 * DAY + timedelta(minutes=1))
    assert posts == [] and len(updates) == 2 and report.ended == 1
    assert all("*No longer blocked*: *Data export* is now in progress" in shown(c) for c in updates)
    assert all(buttons(c) == [] for c in updates)
    _, posts, updates = tick(slack, workspace, WEDNESDAY + 2 * DAY + timedelta(minutes=2))
    assert posts == [] and updates == [], "drawn again once"


def test_a_snooze_holds_the_ladder_and_its_end_brings_a_dm_to_the_owner(slack, workspace, export):
    _, (posted,), _ = tick(slack, workspace, WEDNESDAY)
    channel, ts = posted.response["channel"], posted.response["ts"]
    until = WEDNESDAY + 3 * DAY
    slack.reset()
    origin = Origin(user_id="U0CHRIS", channel_id=channel, ts=ts, ephemeral=False, in_home=False, response_url=None)
    value = DeliverableFollowValue(a=FollowAction.SNOOZE, d=export, v=1, w=ViewRef(k=ViewKind.ESCALATION, es=1))
    apply_snooze(client(slack), at(workspace, WEDNESDAY + timedelta(minutes=5)), origin, value, until=until,
                 reason="Their IT is out until <Monday>")
    (told,) = slack.calls_to("chat.postEphemeral")
    assert told.params["text"].startswith(":zzz: Snoozed until <!date^")
    (redrawn,) = [c for c in slack.calls_to("chat.update") if c.params["ts"] == ts]
    assert ":zzz: *Snoozed*: *Data export*" in shown(redrawn)
    assert "snoozed until <!date^" in shown(redrawn) and "by <@U0CHRIS>: Their IT is out until &lt;Monday&gt;" in \
        shown(redrawn)

    _, posts, updates = tick(slack, workspace, WEDNESDAY + 2 * DAY)
    assert posts == [] and updates == [], "snoozed: the lead's step waits"
    report, posts, updates = tick(slack, workspace, until)
    back = [c for c in posts if c.params["text"].startswith("Back from snooze")]
    assert [c.params["channel"] for c in back] == ["U0BILL"] and report.returned == [export]
    assert ":alarm_clock: *Back from snooze*: *Data export* is still blocked, 5 days" in shown(back[0])
    lead = [c for c in posts if c.params["text"].startswith("Escalation")]
    assert [c.params["channel"] for c in lead] == ["U0CHRIS"], "the ladder goes on at the snooze's end"
    assert workspace.read(returns_of) == [(export, "sent")]
    _, posts, _ = tick(slack, workspace, until + timedelta(minutes=1))
    assert posts == [], "the return DM is posted once"


def test_escalate_now_from_the_row_menu_posts_the_next_step_at_once(slack, workspace, export):
    card = reply_for(workspace, "status Gamma", "U0BILL")
    options = [RowOption.model_validate_json(o["value"]).root for b in card.block_dicts()
               for o in (b.get("accessory") or {}).get("options", [])
               if (b.get("accessory") or {}).get("action_id") == f"{ActionId.DELIVERABLE_MOVE.value}:{export}"]
    (escalate,) = [o for o in options if isinstance(o, DeliverableFollowValue) and o.a == FollowAction.ESCALATE]
    slack.reset()
    origin = Origin(user_id="U0BILL", channel_id="C0OPS", ts="1700000000.000900", ephemeral=False, in_home=False,
                    response_url=None)
    early = at(workspace, WEDNESDAY - DAY)
    apply_escalation(client(slack), early, origin, escalate, note="Need <the VPN> by Friday & more")
    (posted,) = [c for c in slack.calls_to("chat.postMessage") if NAME in c.params["text"]]
    assert posted.params["channel"] == "U0BILL"
    assert "by <@U0BILL>" in shown(posted) and "_Need &lt;the VPN&gt; by Friday &amp; more_" in shown(posted)
    (told,) = slack.calls_to("chat.postEphemeral")
    assert told.params["text"] == ":arrow_up: Escalated to <@U0BILL> (step 1: its owner)."
    assert workspace.read(steps_of)[-1] == (export, 1, "sent")
    _, posts, _ = tick(slack, workspace, WEDNESDAY)
    assert posts == [], "the ladder finds step 1 taken by hand"

    slack.reset()
    apply_escalation(client(slack), early, origin, escalate, note="Again")
    (lead,) = [c for c in slack.calls_to("chat.postMessage") if NAME in c.params["text"]]
    assert lead.params["channel"] == "U0CHRIS"
    redrawn = [c for c in slack.calls_to("chat.update") if NAME in c.params["text"]]
    assert redrawn and all("<@U0CHRIS>" in shown(c) for c in redrawn), "Bill's message says the lead was told"
    with workspace.sessions() as session:
        remembered = session.scalars(select(PostedMessage.view).where(PostedMessage.view.like('{"k":"escalation"%')))
        assert len(remembered.all()) == 2


def test_a_refused_escalation_says_who_can_and_posts_nothing(slack, workspace, export):
    slack.reset()
    origin = Origin(user_id="U0PRIYA", channel_id="C0OPS", ts="1700000000.000900", ephemeral=False, in_home=False,
                    response_url=None)
    value = DeliverableFollowValue(a=FollowAction.ESCALATE, d=export, v=1, w=ViewRef(k=ViewKind.CARD, s=1))
    apply_escalation(client(slack), workspace, origin, value, note="Not mine")
    (told,) = slack.calls_to("chat.postEphemeral")
    assert told.params["text"].startswith("You can't escalate this deliverable: only its owner, Chris Patel")
    assert slack.calls_to("chat.postMessage") == [] and workspace.read(steps_of)[-1][0] != export


def test_a_failed_post_is_recorded_shown_on_the_card_and_never_tried_again(slack, workspace, export):
    slack.reset()
    slack.fail_next("chat.postMessage", "user_disabled", channel="U0BILL")
    report = run_escalations(client(slack), workspace)
    assert report.failed == [(f"deliverable {export} step 1", "user_disabled")]
    assert workspace.read(steps_of)[-1] == (export, 1, "failed")
    _, posts, _ = tick(slack, workspace, WEDNESDAY + timedelta(minutes=1))
    assert posts == []
    card = reply_for(workspace, "status Gamma", "U0CHRIS")
    assert ":warning: escalation to <@U0BILL> on <!date^" in json.dumps(card.block_dicts())


def test_a_failed_step_reaches_ops_one_summary_once(slack, workspace, export):
    slack.reset()
    slack.fail_next("chat.postMessage", "user_disabled", channel="U0BILL")
    run_escalations(client(slack), workspace)
    slack.reset()
    assert tell_ops(client(slack), workspace, "C0ADMIN") == 1
    [summary] = slack.calls_to("chat.postMessage")
    assert summary.params["channel"] == "C0ADMIN"
    text = summary.params["text"]
    assert "Escalations this run: 1 could not be posted." in text
    assert f"Step 1 (its owner) of the escalation of *{NAME}*" in text and "`user_disabled`" in text
    assert tell_ops(client(slack), workspace, "C0ADMIN") == 0, "told once"


def test_a_summary_nobody_could_post_keeps_the_failed_step_for_the_next_run(slack, workspace, export):
    slack.reset()
    slack.fail_next("chat.postMessage", "user_disabled", channel="U0BILL")
    run_escalations(client(slack), workspace)
    slack.fail_next("chat.postMessage", "channel_not_found", channel="C0ADMIN")
    assert tell_ops(client(slack), workspace, "C0ADMIN") == 0
    slack.reset()
    assert tell_ops(client(slack), workspace, "C0ADMIN") == 1
    assert "Escalations this run" in slack.calls_to("chat.postMessage")[0].params["text"]


def test_the_schedulers_tick_runs_the_ladder_and_the_returns(slack, workspace, export):
    settings = load_settings(slack_bot_token="xoxb-test", slack_api_url=slack.api_url, delivery_quiet_hours="")
    workspace.change(snooze_deliverable, actor_slack_user_id="U0DANA", deliverable_id=export, version=1,
                     until=WEDNESDAY + timedelta(minutes=30), reason="Back within the hour")
    slack.reset()
    DigestTicker(settings, at(workspace, WEDNESDAY)).tick()
    assert not [c for c in slack.calls_to("chat.postMessage") if NAME in c.params["text"]], "snoozed"
    slack.reset()
    DigestTicker(settings, at(workspace, WEDNESDAY + timedelta(minutes=31))).tick()
    mine = [c.params["text"].split(":")[0] for c in slack.calls_to("chat.postMessage") if NAME in c.params["text"]]
    assert sorted(mine) == ["Back from snooze", "Escalation"]


def test_digest_run_due_takes_the_steps_due_then(slack, database_url, demo_engine, workspace, export):
    slack.reset()
    env = app_environment(database_url, slack.api_url, DELIVERY_QUIET_HOURS="")
    finished = subprocess.run([sys.executable, "-m", "bot.cli", "digest", "run-due", "--at", WEDNESDAY.isoformat()],
                              env=env, capture_output=True, text=True, timeout=120)
    assert finished.returncode == 0, finished.stderr
    assert "1 escalation steps sent (1 posted" in finished.stdout
    assert [c.params["channel"] for c in slack.calls_to("chat.postMessage") if NAME in c.params["text"]] == ["U0BILL"]
