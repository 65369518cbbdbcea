"""Find help and reallocation end to end (issue 21), over signed HTTP against the served demo and the fake
Slack, on both databases: Dana clicks "Find help" on Gamma LLC's card, the modal opens at once and is
filled in with Bill Nguyen first; she proposes him; Gamma's lead (Chris) and ops (Dana, standing in for
Bill's lead) get an Approve / Decline DM; Chris approves from his: both DMs are drawn again in place,
Bill and Dana are told, and `/delivery capacity` shows Bill's next week moved from free to scheduled. A
declined proposal changes nothing and says so; a member asking for help on a service not theirs is told
who can, and no modal opens."""

from __future__ import annotations

import copy
import json
import re
from datetime import date, datetime, timedelta, timezone

import pytest
from conftest import DATABASE_KINDS
from served_demo import DemoApp, command, modal_submission, post, served_demo
from slack_sdk import WebClient
from slack_signing import interactive_body, load_payload
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.app import single_workspace
from bot.settings import load_settings
from digests.reallocations import expire_proposals
from store.clock import FixedClock
from store.models import Allocation, Person, PostedMessage, ReallocationProposal

BILL_BEFORE = "Next week: 16 of 40 h scheduled · 24 h free"
BILL_AFTER = "Next week: 32 of 40 h scheduled · 8 h free"


@pytest.fixture(scope="module", params=DATABASE_KINDS)
def app(request, slack, tmp_path_factory):
    with served_demo(request.param, slack, tmp_path_factory.mktemp(request.param)) as demo:
        yield demo


@pytest.fixture
def fresh(app, slack):
    """Each test starts from the demo's allocations, no proposals and no remembered messages (the fake
    Slack hands out its ts values again after a reset)."""
    slack.reset()
    with Session(app.engine) as session, session.begin():
        session.execute(delete(ReallocationProposal))
        session.execute(delete(Allocation).where(Allocation.key.contains("-reallocation-")))
        session.execute(delete(PostedMessage))


def decoded(value):
    return json.loads(value) if isinstance(value, str) else value


def texts(blocks) -> str:
    return json.dumps(decoded(blocks), ensure_ascii=False)


def click(button: dict, *, user: str, response_url: str, channel: str | None = None, ts: str | None = None) -> bytes:
    """block_actions for a button: in an ephemeral answer (no message, only its response_url), or in a
    posted message (a DM) when `channel` and `ts` are given."""
    payload = copy.deepcopy(load_payload("block_actions_button.json"))
    payload["user"] = {"id": user, "username": user.lower(), "name": user.lower(), "team_id": "T0ACME"}
    payload["response_url"] = response_url
    if channel is None:
        payload.pop("message")
        payload["container"]["is_ephemeral"] = True
    else:
        payload["container"] = {"type": "message", "message_ts": ts, "channel_id": channel, "is_ephemeral": False}
        payload["channel"] = {"id": channel, "name": "directmessage"}
        payload["message"] = {"type": "message", "ts": ts, "text": "", "blocks": []}
    payload["actions"] = [{"type": "button", "action_id": button["action_id"], "block_id": "b1",
                           "text": button["text"], "value": button["value"], "action_ts": "1.2"}]
    return interactive_body(payload)


def button(blocks, label: str) -> dict:
    found = [e for b in decoded(blocks) if b["type"] == "actions" for e in b["elements"]
             if e["text"]["text"] == label]
    found += [b["accessory"] for b in decoded(blocks)
              if (b.get("accessory") or {}).get("text", {}).get("text") == label]
    assert found, f"no {label} button"
    return found[0]


def capacity_line(app: DemoApp, name: str) -> str:
    reply = command(app, "capacity", "U0DANA")
    (section,) = [b["text"]["text"] for b in reply["blocks"] if b["type"] == "section"
                  and f"*{name}*" in b["text"]["text"]]
    return section


def open_find_help(app: DemoApp, slack, user: str) -> dict:
    """`/delivery status gamma` as `user`, then its "Find help": the modal as the ranking drew it."""
    card = command(app, "status gamma", user)
    post(app, click(button(card["blocks"], "Find help"), user=user, response_url=slack.response_url("card")))
    (opened,) = slack.wait_for("views.open")
    assert "Looking for who could help" in texts(decoded(opened.params["view"])["blocks"])
    (updated,) = slack.wait_for("views.update")
    assert updated.params["view_id"] == opened.response["view"]["id"]
    return decoded(updated.params["view"])


def propose(app: DemoApp, view: dict, person_id: int, *, user: str, hours: str = "16", until: date) -> None:
    values = {
        "help_person": {"value": {"type": "static_select", "selected_option": {"value": str(person_id)}}},
        "help_hours": {"value": {"type": "number_input", "value": hours}},
        "help_until": {"value": {"type": "datepicker", "selected_date": until.isoformat()}},
        "help_note": {"value": {"type": "plain_text_input", "value": "Discovery wrap-up needs <two> more hands"}},
    }
    done = post(app, modal_submission(view, user=user, values=values))
    assert done.status_code == 200 and not done.text


def person_id(app: DemoApp, slack_user_id: str) -> int:
    with Session(app.engine) as session:
        return session.scalars(select(Person.id).where(Person.slack_user_id == slack_user_id)).one()


def proposal_dms(slack) -> dict[str, object]:
    """The proposal's DMs, once the proposer was told (the last thing a proposal does)."""
    slack.wait_for("response_url")
    posts = slack.wait_for("chat.postMessage", 2)
    return {call.params["channel"]: call for call in posts if "Reallocation proposed" in call.params["text"]}


def test_find_help_on_gamma_ranks_bill_first_and_an_approval_moves_him(app, slack, fresh):
    assert BILL_BEFORE in capacity_line(app, "Bill Nguyen")
    view = open_find_help(app, slack, "U0DANA")
    assert view["callback_id"] == "find_help" and view["submit"]["text"] == "Propose"
    helpers = [b["text"]["text"] for b in view["blocks"] if b["type"] == "section"
               and re.search(r"\*\d\. ", b["text"]["text"])]
    assert helpers[0].startswith(":large_green_circle: *1. Bill Nguyen* · Available, 2 of 4 services · already on "
                                 "the team"), helpers[0]
    assert "48 h free over the next two weeks" in helpers[0]
    assert "Has 2 of the 3 skills it needs: data modeling, discovery workshops" in helpers[0]
    assert "Worked with Gamma LLC" in helpers[0] and "h a week of room under the 80% ceiling" in helpers[0]
    assert [h.split("*")[1] for h in helpers] == ["1. Bill Nguyen", "2. Marcus Bell", "3. Elena Sousa",
                                                  "4. Priya Raman"]

    slack.reset()
    until = datetime.now(timezone.utc).date() + timedelta(days=21)
    propose(app, view, person_id(app, "U0BILL"), user="U0DANA", until=until)
    dms = proposal_dms(slack)
    assert set(dms) == {"U0CHRIS", "U0DANA"}, "Gamma's lead, and ops standing in for Bill's"
    (told,) = slack.wait_for("response_url")
    assert told.params["text"].startswith(":busts_in_silhouette: Proposed Bill Nguyen for *Gamma LLC · Platform")
    assert "Discovery wrap-up needs &lt;two&gt; more hands" in texts(dms["U0CHRIS"].params["blocks"])
    assert "*Why Bill Nguyen?* Ranked 1 of 4 who could help now" in texts(dms["U0CHRIS"].params["blocks"])
    assert BILL_BEFORE in capacity_line(app, "Bill Nguyen"), "nothing changes before a decision"

    slack.reset()
    chris = dms["U0CHRIS"]
    post(app, click(button(chris.params["blocks"], "Approve"), user="U0CHRIS", response_url=slack.response_url("dm"),
                    channel=chris.response["channel"], ts=chris.response["ts"]))
    updates = slack.wait_for("chat.update", 2)
    redrawn = {(u.params["channel"], u.params["ts"]) for u in updates}
    assert redrawn == {(dm.response["channel"], dm.response["ts"]) for dm in dms.values()}, "both DMs, in place"
    for update in updates:
        assert "*Approved* by <@U0CHRIS>" in texts(update.params["blocks"])
        assert not [b for b in decoded(update.params["blocks"]) if b["type"] == "actions"], "no buttons left"
    (note,) = slack.wait_for("response_url")
    assert note.params["text"].startswith(":white_check_mark: Approved: Bill Nguyen stays on the team")
    notes = {c.params["channel"]: c.params["text"] for c in slack.wait_for("chat.postMessage", 2)}
    assert notes["U0BILL"].startswith(":wave: You're helping on *Gamma LLC · Platform Discovery*: 16 h a week")
    assert notes["U0DANA"].startswith(":white_check_mark: Your proposal of Bill Nguyen")
    assert BILL_AFTER in capacity_line(app, "Bill Nguyen")
    history = command(app, "history gamma", "U0DANA")
    assert "reallocation: pending → approved" in texts(history["blocks"])

    # A second click on Approve (Dana's copy, drawn before the decision) applies nothing more.
    slack.reset()
    dana = dms["U0DANA"]
    post(app, click(button(dana.params["blocks"], "Approve"), user="U0DANA", response_url=slack.response_url("again"),
                    channel=dana.response["channel"], ts=dana.response["ts"]))
    (again,) = slack.wait_for("response_url")
    assert again.params["text"].startswith("Already approved by <@U0CHRIS>"), again.params["text"]
    assert BILL_AFTER in capacity_line(app, "Bill Nguyen")


def test_a_declined_proposal_changes_nothing_and_says_so(app, slack, fresh):
    view = open_find_help(app, slack, "U0CHRIS")
    slack.reset()
    until = datetime.now(timezone.utc).date() + timedelta(days=14)
    propose(app, view, person_id(app, "U0MARCUS"), user="U0CHRIS", hours="8", until=until)
    dms = proposal_dms(slack)
    slack.reset()
    dana = dms["U0DANA"]
    post(app, click(button(dana.params["blocks"], "Decline"), user="U0DANA", response_url=slack.response_url("no"),
                    channel=dana.response["channel"], ts=dana.response["ts"]))
    updates = slack.wait_for("chat.update", 2)
    assert all("*Declined* by <@U0DANA>" in texts(u.params["blocks"]) and "Nothing changed." in
               texts(u.params["blocks"]) for u in updates)
    (note,) = slack.wait_for("response_url")
    assert note.params["text"] == ":no_entry_sign: Declined: Marcus Bell stays where they are. Nothing changed."
    told = [c for c in slack.wait_for("chat.postMessage") if c.params["channel"] == "U0CHRIS"]
    assert told and "was declined by <@U0DANA>. Nothing changed." in told[0].params["text"]
    assert "Marcus Bell* — Available · 2 of 5 services" in capacity_line(app, "Marcus Bell")
    with Session(app.engine) as session:
        assert session.scalars(select(Allocation).where(Allocation.key.contains("-reallocation-"))).all() == []


def test_a_member_asking_for_help_on_a_service_not_theirs_is_told_who_can(app, slack, fresh):
    card = command(app, "status gamma", "U0MARCUS")
    post(app, click(button(card["blocks"], "Find help"), user="U0MARCUS", response_url=slack.response_url("card")))
    (told,) = slack.wait_for("response_url")
    assert told.params["text"] == ("You can't ask for help on this service: only Chris Patel (the service's lead), "
                                   "people assigned to the service, or ops can. Nothing was changed.")
    assert slack.calls_to("views.open") == []


def test_find_help_sits_next_to_each_service_in_at_risk(app, slack, fresh):
    reply = command(app, "at-risk", "U0BILL")
    helped = [b for b in reply["blocks"] if (b.get("accessory") or {}).get("action_id") == "find_help"]
    assert [b["text"]["text"].split("*")[1] for b in helped] == ["Delta Corp", "Gamma LLC", "Beta Corp"]
    # Bill is on Gamma's team: he may ask for help there.
    gamma = helped[1]["accessory"]
    post(app, click(gamma, user="U0BILL", response_url=slack.response_url("at-risk")))
    (updated,) = slack.wait_for("views.update")
    assert "*1. Bill Nguyen*" in texts(decoded(updated.params["view"])["blocks"])


def test_a_proposal_nobody_decides_expires_at_the_schedulers_tick_and_its_messages_say_so(app, slack, fresh):
    view = open_find_help(app, slack, "U0DANA")
    slack.reset()
    propose(app, view, person_id(app, "U0BILL"), user="U0DANA", until=datetime.now(timezone.utc).date() + timedelta(9))
    dms = proposal_dms(slack)
    slack.reset()
    later = datetime.now(timezone.utc) + timedelta(days=3, minutes=1)
    workspace = single_workspace(load_settings(), app.engine, FixedClock(later))
    report = expire_proposals(WebClient(token="xoxb-test", base_url=slack.api_url), workspace)
    assert (report.expired, report.updated, report.told) == (1, 2, 1)
    updates = slack.calls_to("chat.update")
    assert {(u.params["channel"], u.params["ts"]) for u in updates} == {
        (dm.response["channel"], dm.response["ts"]) for dm in dms.values()}
    assert all(":hourglass: *Expired*" in texts(u.params["blocks"]) and "Nothing changed." in texts(u.params["blocks"])
               for u in updates)
    (told,) = slack.calls_to("chat.postMessage")
    assert told.params["channel"] == "U0DANA" and "expired: nobody decided it in time" in told.params["text"]
    assert BILL_BEFORE in capacity_line(app, "Bill Nguyen")
    assert expire_proposals(WebClient(token="xoxb-test", base_url=slack.api_url), workspace).expired == 0
