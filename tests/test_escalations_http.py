"""A blocked deliverable's Snooze and Escalate now modals end to end, over signed HTTP to the served demo:
Snooze from the SSO row's menu on Ryan's card (the card redrawn with the snooze, audited); Escalate now from
the button of an escalation DM the scheduler's runner posted (the lead told at once, the DM drawn again)."""

from __future__ import annotations

import copy
import json
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from conftest import DATABASE_KINDS
from served_demo import DemoApp, command, modal_submission, overflow_click, post, row_menu, served_demo
from slack_sdk import WebClient
from slack_signing import interactive_body, load_payload
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session
from support import TEAM

from bot.app import single_workspace
from bot.settings import load_settings
from digests.escalations import run_escalations
from store.clock import FixedClock
from store.enums import DeliverableStatus
from store.models import Deliverable, DeliverableSnooze, EscalationStep, Person, PostedMessage, Service, StatusChange

NAME = "Data export"


@pytest.fixture(scope="module", params=DATABASE_KINDS)
def app(request, slack, tmp_path_factory):
    with served_demo(request.param, slack, tmp_path_factory.mktemp(request.param)) as demo:
        yield demo


@pytest.fixture
def fresh(app):
    """Forget what earlier tests posted (the fake Slack starts its ts again at each reset), and unblock their
    deliverables (renamed, not deleted: SQLite would give the id to the next one)."""
    with Session(app.engine) as session, session.begin():
        session.execute(delete(PostedMessage))
        session.execute(update(Deliverable).where(Deliverable.key == "esc-http")
                        .values(key=f"esc-http-{uuid.uuid4().hex[:8]}", status=DeliverableStatus.IN_PROGRESS,
                                blocked_since=None))


def opened_view(slack) -> dict:
    (opened,) = slack.wait_for("views.open")
    view = opened.params["view"]
    return json.loads(view) if isinstance(view, str) else view


def snooze_values(choice: str, reason: str, picked: str | None = None) -> dict:
    return {"deliverable_snooze_for": {"value": {"type": "radio_buttons", "selected_option": {"value": choice}}},
            "deliverable_snooze_date": {"value": {"type": "datepicker", "selected_date": picked}},
            "deliverable_snooze_reason": {"value": {"type": "plain_text_input", "value": reason}}}


def test_ryan_snoozes_delta_sso_from_its_row_menu_and_the_card_says_until_when(app, slack, clean_slack, fresh):
    card = command(app, "status Delta Corp", "U0RYAN")
    menu, block_id = row_menu(card, "SSO integration")
    (snooze,) = [o for o in menu["options"] if o["text"]["text"] == "Snooze"]
    post(app, overflow_click(menu, block_id, snooze, user="U0RYAN", response_url=slack.response_url("card")))
    view = opened_view(slack)
    assert view["callback_id"] == "snooze_deliverable" and "SSO integration" in json.dumps(view["blocks"])

    empty = post(app, modal_submission(view, user="U0RYAN", values=snooze_values("date", " "))).json()
    assert empty["response_action"] == "errors"
    assert set(empty["errors"]) == {"deliverable_snooze_date", "deliverable_snooze_reason"}
    slack.reset()
    done = post(app, modal_submission(view, user="U0RYAN", values=snooze_values(
        "three_days", "Waiting for the customer's <IdP> & their admin")))
    assert done.status_code == 200 and not done.text
    told, redrawn = sorted(slack.wait_for("response_url", count=2), key=lambda c: bool(c.params.get("blocks")))
    assert told.params["text"].startswith(":zzz: Snoozed until <!date^")
    assert redrawn.params["replace_original"] is True
    drawn = json.dumps(redrawn.params["blocks"])
    assert ":zzz: snoozed until <!date^" in drawn and "by <@U0RYAN>" in drawn
    assert "Waiting for the customer's &lt;IdP&gt; &amp; their admin" in drawn

    now = datetime.now(timezone.utc)
    with Session(app.engine) as session:
        sso = session.scalars(select(Deliverable).where(Deliverable.name == "SSO integration")).one()
        snoozed = session.get(DeliverableSnooze, sso.id)
        (audit,) = session.scalars(select(StatusChange).where(StatusChange.field == "snooze",
                                                              StatusChange.object_id == sso.id)).all()
    assert snoozed.until.astimezone(timezone.utc).hour == 9 and timedelta(days=2) < snoozed.until - now < \
        timedelta(days=4)
    assert sso.status == DeliverableStatus.BLOCKED and sso.version == 1, "snoozing changes nothing else"
    assert (audit.changed_by_slack_user_id, audit.reason) == ("U0RYAN", "Waiting for the customer's <IdP> & their "
                                                                        "admin")
    at_risk = json.dumps(command(app, "at-risk", "U0DANA")["blocks"])
    assert "snoozed until" in at_risk, "/delivery at-risk still lists it, saying so"


def add_blocked(app: DemoApp, now: datetime) -> int:
    """Bill's deliverable on Chris's Gamma LLC, blocked two days and a minute ago."""
    with Session(app.engine) as session, session.begin():
        gamma = session.scalars(select(Service).where(Service.team_id == TEAM,
                                                      Service.name == "Platform Discovery")).one()
        bill = session.scalars(select(Person).where(Person.slack_user_id == "U0BILL")).one()
        row = Deliverable(team_id=TEAM, key="esc-http", service_id=gamma.id, name=NAME, owner_id=bill.id,
                          status=DeliverableStatus.BLOCKED, blocked_reason="Waiting for the VPN",
                          blocked_since=now - timedelta(days=2, minutes=1))
        session.add(row)
        session.flush()
        return row.id


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


def test_bill_escalates_now_from_his_escalation_dm_and_the_lead_hears_at_once(app, slack, clean_slack, fresh):
    now = datetime.now(timezone.utc)
    deliverable = add_blocked(app, now)
    workspace = single_workspace(load_settings(delivery_quiet_hours=""), app.engine, FixedClock(now))
    run_escalations(WebClient(token="xoxb-test", base_url=slack.api_url), workspace)
    (dm,) = [c for c in slack.calls_to("chat.postMessage") if NAME in c.params["text"]]
    assert dm.params["channel"] == "U0BILL"
    channel, ts = dm.response["channel"], dm.response["ts"]

    slack.reset()
    post(app, button_click(dm.params, channel, ts, "Escalate now", user="U0BILL",
                           response_url=slack.response_url("escalate")))
    view = opened_view(slack)
    assert view["callback_id"] == "escalate_deliverable" and NAME in json.dumps(view["blocks"])
    note = {"escalation_note": {"value": {"type": "plain_text_input", "value": "Need their <VPN> by Friday"}}}
    blank = {"escalation_note": {"value": {"type": "plain_text_input", "value": "  "}}}
    assert post(app, modal_submission(view, user="U0BILL", values=blank)).json()["response_action"] == "errors"
    assert post(app, modal_submission(view, user="U0BILL", values=note)).status_code == 200

    (told,) = slack.wait_for("response_url")
    assert told.params["text"] == ":arrow_up: Escalated to <@U0CHRIS> (step 2: the service's lead)."
    (lead,) = [c for c in slack.calls_to("chat.postMessage") if NAME in c.params.get("text", "")]
    assert lead.params["channel"] == "U0CHRIS" and "Need their &lt;VPN&gt; by Friday" in json.dumps(lead.params)
    redrawn = [c for c in slack.wait_for("chat.update") if c.params["ts"] == ts]
    assert redrawn and "<@U0CHRIS>" in json.dumps(redrawn[0].params["blocks"]), "Bill's DM says the lead knows"
    with Session(app.engine) as session:
        steps = session.scalars(select(EscalationStep.step).where(EscalationStep.deliverable_id == deliverable)
                                .order_by(EscalationStep.step)).all()
        audit = session.scalars(select(StatusChange).where(StatusChange.field == "escalation",
                                                           StatusChange.object_id == deliverable)
                                .order_by(StatusChange.id)).all()
    assert steps == [1, 2]
    assert [(a.to_value, a.changed_by_slack_user_id, a.reason) for a in audit][-1] == (
        "step 2: lead", "U0BILL", "Need their <VPN> by Friday")
    history = json.dumps(command(app, "history Gamma", "U0DANA")["blocks"], ensure_ascii=False)
    assert "escalation: step 1: owner → step 2: lead" in history
