"""Changing status from Slack, over signed HTTP with payloads shaped as Slack sends them."""

from __future__ import annotations

import copy
import json
import threading
from datetime import date, timedelta

import pytest
from conftest import DATABASE_KINDS
from served_demo import DemoApp, command, overflow_click, post, row_menu, served_demo, share_in_channel
from slack_signing import interactive_body, load_payload
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from handlers.views.block_deliverable import CATEGORY_MISSING
from store.enums import BlockerCategory, DeliverableStatus
from store.models import Deliverable, StatusChange


@pytest.fixture(scope="module", params=DATABASE_KINDS)
def app(request, slack, tmp_path_factory):
    with served_demo(request.param, slack, tmp_path_factory.mktemp(request.param)) as demo:
        yield demo


@pytest.fixture(autouse=True)
def fresh_slack(clean_slack):
    """Every test here starts with no recorded calls."""


def option(menu: dict, label: str) -> dict:
    (found,) = [o for o in menu["options"] if o["text"]["text"] == label]
    return found


def deliverable(app: DemoApp, name: str) -> Deliverable:
    with Session(app.engine) as session:
        return session.scalars(select(Deliverable).where(Deliverable.name == name)).one()


def changes_to(app: DemoApp, name: str) -> int:
    target = deliverable(app, name)
    with Session(app.engine) as session:
        return session.scalar(select(func.count()).where(StatusChange.object_type == "deliverable",
                                                         StatusChange.object_id == target.id))


def test_done_when_ryan_unblocks_delta_a_stranger_is_refused_and_a_stale_click_changes_nothing(app, slack):
    card = command(app, "status Delta Corp", "U0RYAN")
    menu, block_id = row_menu(card, "SSO integration")
    assert [o["text"]["text"] for o in menu["options"]] == ["Unblock", "Complete", "Snooze", "Escalate now"]
    assert "· Access or credentials: Waiting on the customer" in json.dumps(card, ensure_ascii=False)
    before = changes_to(app, "SSO integration")

    post(app, overflow_click(menu, block_id, option(menu, "Complete"), user="U0NOBODY",
                             response_url=slack.response_url("stranger")))
    (told,) = slack.wait_for("response_url")
    assert "can read but not change" in told.params["text"] and "Ryan Ortiz" in told.params["text"]
    assert told.params["replace_original"] is False
    assert deliverable(app, "SSO integration").status == DeliverableStatus.BLOCKED
    assert changes_to(app, "SSO integration") == before

    slack.reset()
    unblock = option(menu, "Unblock")
    post(app, overflow_click(menu, block_id, unblock, user="U0RYAN", response_url=slack.response_url("ryan")))
    (redrawn,) = slack.wait_for("response_url")
    assert redrawn.params["replace_original"] is True
    assert ":hourglass_flowing_sand: SSO integration" in json.dumps(redrawn.params["blocks"])
    now = deliverable(app, "SSO integration")
    assert now.status == DeliverableStatus.IN_PROGRESS and now.blocked_since is None and now.version == 2
    assert now.blocked_category is None, "unblocking clears the category"
    assert changes_to(app, "SSO integration") == before + 1

    slack.reset()
    post(app, overflow_click(menu, block_id, unblock, user="U0RYAN", response_url=slack.response_url("stale")))
    told, redrawn = slack.wait_for("response_url", count=2)
    assert told.params["text"].startswith("Already marked In progress by <@U0RYAN>")
    assert changes_to(app, "SSO integration") == before + 1, "a stale click changes nothing"

    history = json.dumps(command(app, "history Delta Corp", "U0DANA")["blocks"], ensure_ascii=False)
    assert "<@U0RYAN>" in history and "blocked → in progress" in history


def test_someone_not_assigned_is_told_who_can_and_ops_can(app, slack):
    card = command(app, "status Summit Bank", "U0BILL")
    menu, block_id = row_menu(card, "Payments Integration deliverable 6")
    post(app, overflow_click(menu, block_id, option(menu, "Start"), user="U0BILL",
                             response_url=slack.response_url("bill")))
    (told,) = slack.wait_for("response_url")
    assert told.params["text"] == ("You can't start this: only its owner, Ryan Ortiz (the service's lead), "
                                   "people assigned to the service, or ops can. Nothing was changed.")
    assert deliverable(app, "Payments Integration deliverable 6").status == DeliverableStatus.NOT_STARTED
    slack.reset()
    post(app, overflow_click(menu, block_id, option(menu, "Start"), user="U0DANA",
                             response_url=slack.response_url("dana")))
    slack.wait_for("response_url")
    assert deliverable(app, "Payments Integration deliverable 6").status == DeliverableStatus.IN_PROGRESS


def test_accept_is_for_the_service_lead_or_ops_only(app, slack):
    card = command(app, "status Summit Bank", "U0CHRIS")
    menu, block_id = row_menu(card, "Payments Integration deliverable 1")
    post(app, overflow_click(menu, block_id, option(menu, "Accept"), user="U0CHRIS",
                             response_url=slack.response_url("chris")))
    (told,) = slack.wait_for("response_url")
    assert "only Ryan Ortiz (the service's lead) or ops can" in told.params["text"]
    slack.reset()
    post(app, overflow_click(menu, block_id, option(menu, "Accept"), user="U0RYAN",
                             response_url=slack.response_url("ryan")))
    (redrawn,) = slack.wait_for("response_url")
    assert "Accepted by <@U0RYAN>" in json.dumps(redrawn.params["blocks"])


def test_a_double_click_applies_once(app, slack):
    card = command(app, "status Orion Logistics", "U0RYAN")
    menu, block_id = row_menu(card, "Fleet Tracking Build deliverable 5")
    before = changes_to(app, "Fleet Tracking Build deliverable 5")
    bodies = [overflow_click(menu, block_id, option(menu, "Complete"), user="U0RYAN",
                             response_url=slack.response_url(f"click{n}")) for n in range(2)]
    threads = [threading.Thread(target=post, args=(app, body)) for body in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    calls = slack.wait_for("response_url", count=3)  # two re-renders and one "already"
    assert sum(c.params.get("text", "").startswith("Already marked Complete") for c in calls) == 1
    assert changes_to(app, "Fleet Tracking Build deliverable 5") == before + 1
    assert deliverable(app, "Fleet Tracking Build deliverable 5").status == DeliverableStatus.COMPLETE


def submission(opened_view: dict, *, user: str, reason: str, until: str | None,
               category: str | None = "access") -> bytes:
    payload = copy.deepcopy(load_payload("view_submission.json"))
    payload["user"] = {"id": user, "username": user.lower(), "name": user.lower(), "team_id": "T0ACME"}
    view = payload["view"]
    view["callback_id"] = opened_view["callback_id"]
    view["private_metadata"] = opened_view["private_metadata"]
    view["blocks"] = opened_view["blocks"]
    view["state"] = {"values": {
        "block_reason": {"value": {"type": "plain_text_input", "value": reason}},
        "block_until": {"value": {"type": "datepicker", "selected_date": until}},
        "block_category": {"value": {"type": "static_select", "selected_option":
                                     {"value": category} if category else None}},
    }}
    return interactive_body(payload)


def test_block_opens_a_modal_whose_errors_come_back_inside_it(app, slack):
    name = "ERP Go-Live deliverable 14"
    card = command(app, "status Precision", "U0RYAN")
    menu, block_id = row_menu(card, name)
    post(app, overflow_click(menu, block_id, option(menu, "Block"), user="U0RYAN",
                             response_url=slack.response_url("block")))
    (opened,) = slack.wait_for("views.open")
    view = opened.params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view["callback_id"] == "block_deliverable" and name in json.dumps(view["blocks"])

    empty = post(app, submission(view, user="U0RYAN", reason="   ", until=None)).json()
    assert empty == {"response_action": "errors", "errors": {"block_reason": empty["errors"]["block_reason"]}}
    for category in (None, "not-a-category"):
        unsorted = post(app, submission(view, user="U0RYAN", reason="Waiting on IdP", until=None,
                                        category=category)).json()
        assert unsorted == {"response_action": "errors", "errors": {"block_category": CATEGORY_MISSING}}
    yesterday = (date.today() - timedelta(days=2)).isoformat()
    past = post(app, submission(view, user="U0RYAN", reason="Waiting on IdP", until=yesterday)).json()
    assert set(past["errors"]) == {"block_until"}
    assert deliverable(app, name).status == DeliverableStatus.IN_PROGRESS, "errors change nothing"

    until = (date.today() + timedelta(days=5)).isoformat()
    done = post(app, submission(view, user="U0RYAN", reason="Waiting on IdP metadata", until=until))
    assert done.status_code == 200 and not done.text
    slack.wait_for("response_url")
    blocked = deliverable(app, name)
    assert blocked.status == DeliverableStatus.BLOCKED and blocked.blocked_reason == "Waiting on IdP metadata"
    assert blocked.expected_unblock_on == date.fromisoformat(until)
    assert blocked.blocked_category == BlockerCategory.ACCESS
    with Session(app.engine) as session:
        audited = session.scalars(select(StatusChange).where(
            StatusChange.object_id == blocked.id, StatusChange.to_value == "blocked")).one()
    assert audited.blocker_category == "access" and audited.reason == "Waiting on IdP metadata"
    card = command(app, "status Precision", "U0RYAN")
    assert "blocked 0 days · Access or credentials: Waiting on IdP metadata" in json.dumps(card, ensure_ascii=False)


def test_a_shared_card_is_updated_in_place_after_a_change(app, slack):
    card = command(app, "status Northwind", "U0BILL")
    shared = share_in_channel(app, slack, card, "U0BILL")
    shared_ts = shared.response["ts"]

    slack.reset()
    menu, block_id = row_menu(card, "Customer Portal Build deliverable 5")
    post(app, overflow_click(menu, block_id, option(menu, "Complete"), user="U0BILL",
                             response_url=slack.response_url("complete")))
    (updated,) = slack.wait_for("chat.update")
    assert (updated.params["channel"], updated.params["ts"]) == ("C0OPS", shared_ts)
    assert "Customer Portal Build deliverable 5 · Bill Nguyen · Completed by <@U0BILL>" in json.dumps(
        updated.params["blocks"], ensure_ascii=False)
