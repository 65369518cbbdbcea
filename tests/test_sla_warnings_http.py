"""An SLA warning's buttons end to end: the warning is posted to the owner's DM by the scheduler's
runner, then "Snooze warnings" is clicked there and its modal submitted over signed HTTP to the
served demo; the DM is redrawn with the snooze, it is audited, and no warning comes until it ends."""

from __future__ import annotations

import copy
import json
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from conftest import DATABASE_KINDS
from served_demo import DemoApp, modal_submission, post, served_demo
from slack_sdk import WebClient
from slack_signing import interactive_body, load_payload
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session
from support import TEAM

from bot.app import single_workspace
from bot.settings import load_settings
from digests.warnings import run_warnings
from store.clock import FixedClock
from store.models import Person, PostedMessage, Service, StatusChange, Ticket, TicketSnooze, WarningMute

TITLE = "Nightly sync drops rows"


@pytest.fixture(scope="module", params=DATABASE_KINDS)
def app(request, slack, tmp_path_factory):
    with served_demo(request.param, slack, tmp_path_factory.mktemp(request.param)) as demo:
        yield demo


@pytest.fixture
def fresh(app):
    """The fake Slack starts its ts again at each reset: forget what earlier tests posted; their ticket is
    resolved and renamed (not deleted: SQLite would give its id to the next ticket), as are the demo's."""
    with Session(app.engine) as session, session.begin():
        session.execute(delete(PostedMessage))
        session.execute(update(Ticket).where(Ticket.key == "sla-http")
                        .values(key=f"sla-http-{uuid.uuid4().hex[:8]}"))
        # The demo's own open tickets are warned of too: resolved here, so only this test's ticket is.
        session.execute(update(Ticket).where(Ticket.resolved_at.is_(None)).values(resolved_at=datetime.now(timezone.utc)))


def add_ticket(app: DemoApp, now: datetime) -> int:
    """Bill's ticket on Ryan's Payments Integration, opened five hours ago and due in five."""
    with Session(app.engine) as session, session.begin():
        service = session.scalars(select(Service).where(Service.team_id == TEAM,
                                                        Service.name == "Payments Integration")).one()
        bill = session.scalars(select(Person).where(Person.slack_user_id == "U0BILL")).one()
        row = Ticket(team_id=TEAM, key="sla-http", customer_id=service.customer_id, service_id=service.id,
                     title=TITLE, type="incident", priority="high", owner_id=bill.id,
                     opened_at=now - timedelta(hours=5), due_at=now + timedelta(hours=5))
        session.add(row)
        session.flush()
        return row.id


def tick(app: DemoApp, slack, at: datetime) -> tuple[list, list]:
    """One run of the warnings at `at`; this ticket's posts and updates."""
    slack.reset()
    workspace = single_workspace(load_settings(delivery_quiet_hours=""), app.engine, FixedClock(at))
    run_warnings(WebClient(token="xoxb-test", base_url=slack.api_url), workspace)
    mine = [call for call in slack.calls if TITLE in call.params.get("text", "")]
    return ([c for c in mine if c.method == "chat.postMessage"], [c for c in mine if c.method == "chat.update"])


def button_click(message: dict, channel: str, ts: str, label: str, *, user: str, response_url: str) -> bytes:
    blocks = message["blocks"]
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    (button,) = [e for b in blocks if b["type"] == "actions" for e in b["elements"] if e["text"]["text"] == label]
    payload = copy.deepcopy(load_payload("block_actions_button.json"))
    payload["user"] = {"id": user, "username": user.lower(), "name": user.lower(), "team_id": "T0ACME"}
    payload["container"] = {"type": "message", "message_ts": ts, "channel_id": channel, "is_ephemeral": False}
    payload["channel"] = {"id": channel, "name": "directmessage"}
    payload["message"] = {"type": "message", "ts": ts, "text": message["text"], "blocks": blocks}
    payload["response_url"] = response_url
    payload["actions"] = [{"type": "button", "action_id": button["action_id"], "block_id": "b1",
                           "text": button["text"], "value": button["value"], "action_ts": "1.2"}]
    return interactive_body(payload)


def snooze_submission(opened_view: dict, *, user: str, choice: str, reason: str) -> bytes:
    return modal_submission(opened_view, user=user, values={
        "snooze_for": {"value": {"type": "radio_buttons", "selected_option": {"value": choice}}},
        "snooze_reason": {"value": {"type": "plain_text_input", "value": reason}},
    })


def test_bill_snoozes_a_warning_from_his_dm_and_it_waits_until_the_morning(app, slack, clean_slack, fresh):
    now = datetime.now(timezone.utc)
    ticket_id = add_ticket(app, now)
    (posted,), updates = tick(app, slack, now)
    assert posted.params["channel"] == "U0BILL" and "50% of SLA gone" in posted.params["text"] and not updates
    channel, ts = posted.response["channel"], posted.response["ts"]

    slack.reset()
    post(app, button_click(posted.params, channel, ts, "Snooze warnings", user="U0BILL",
                           response_url=slack.response_url("snooze")))
    (opened,) = slack.wait_for("views.open")
    view = opened.params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view["callback_id"] == "snooze_ticket" and TITLE in json.dumps(view["blocks"])

    empty = post(app, snooze_submission(view, user="U0BILL", choice="tomorrow", reason="  ")).json()
    assert empty["response_action"] == "errors" and "snooze_reason" in empty["errors"]
    done = post(app, snooze_submission(view, user="U0BILL", choice="tomorrow", reason="Waiting for <the> logs"))
    assert done.status_code == 200 and not done.text
    (redrawn,) = slack.wait_for("chat.update")
    assert (redrawn.params["channel"], redrawn.params["ts"]) == (channel, ts)
    drawn = redrawn.params["blocks"] if isinstance(redrawn.params["blocks"], str) else json.dumps(
        redrawn.params["blocks"])
    assert "Warnings snoozed until" in drawn and "Waiting for &lt;the&gt; logs" in drawn

    with Session(app.engine) as session:
        snooze = session.get(TicketSnooze, ticket_id)
        audit = session.scalars(select(StatusChange).where(StatusChange.object_type == "ticket",
                                                           StatusChange.object_id == ticket_id)).all()
    until = snooze.until
    assert until.astimezone(timezone.utc).hour == 9 and until > now
    assert [(row.field, row.reason, row.changed_by_slack_user_id) for row in audit] == [
        ("sla_warnings", "Waiting for <the> logs", "U0BILL")]

    posts, updates = tick(app, slack, now + timedelta(hours=3))  # past 75%, but snoozed
    assert posts == [] and updates == []
    posts, updates = tick(app, slack, until + timedelta(minutes=1))
    # By then it has breached: the demo's channel subscribed to sla-warnings hears, Bill's DM is updated.
    assert [call.params["channel"] for call in posts] == ["C0OPS"]
    assert [(call.params["channel"], call.params["ts"]) for call in updates] == [(channel, ts)]


def test_a_warning_resolved_from_its_dm_says_so_and_loses_its_buttons(app, slack, clean_slack, fresh):
    now = datetime.now(timezone.utc)
    ticket_id = add_ticket(app, now)
    (posted,), _ = tick(app, slack, now)
    channel, ts = posted.response["channel"], posted.response["ts"]
    slack.reset()
    post(app, button_click(posted.params, channel, ts, "Resolve", user="U0BILL",
                           response_url=slack.response_url("resolve")))
    (opened,) = slack.wait_for("views.open")
    view = opened.params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    note = {"resolution_note": {"value": {"type": "plain_text_input", "value": "Re-ran the sync"}}}
    assert post(app, modal_submission(view, user="U0BILL", values=note)).status_code == 200
    (redrawn,) = slack.wait_for("chat.update")
    assert (redrawn.params["channel"], redrawn.params["ts"]) == (channel, ts)
    assert "Resolved 4 h" in redrawn.params["text"] and "before its SLA" in redrawn.params["text"]
    blocks = redrawn.params["blocks"]
    assert not [b for b in (json.loads(blocks) if isinstance(blocks, str) else blocks) if b["type"] == "actions"]
    with Session(app.engine) as session:
        assert session.get(Ticket, ticket_id).resolved_at is not None
    posts, updates = tick(app, slack, now + timedelta(minutes=5))
    assert posts == [] and updates == [], "the click drew it: the scheduler's tick leaves it alone"


def test_bill_mutes_the_services_warnings_from_a_warning_and_is_told_until_when(app, slack, clean_slack, fresh):
    now = datetime.now(timezone.utc)
    add_ticket(app, now)
    (posted,), _ = tick(app, slack, now)
    channel, ts = posted.response["channel"], posted.response["ts"]
    slack.reset()
    post(app, button_click(posted.params, channel, ts, "Mute this service for a week", user="U0BILL",
                           response_url=slack.response_url("mute")))
    (told,) = slack.wait_for("response_url")
    assert told.params["text"].startswith(":mute: You won't get SLA warnings by DM about Payments Integration")
    with Session(app.engine) as session:
        (mute,) = session.scalars(select(WarningMute).where(WarningMute.slack_user_id == "U0BILL")).all()
    assert mute.until.astimezone(timezone.utc) > now + timedelta(days=6, hours=23)
