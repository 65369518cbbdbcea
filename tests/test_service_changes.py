"""Services: "Update health" (a lead's override, or clearing it) and "Flag for Customer Org".

The store functions on both databases (allowed for the lead and ops, refused for others with who
can, stale versions, audit rows, clearing, a flag whose announcement fails), then end to end over
signed HTTP against a served demo, with payloads shaped as Slack sends them.
"""

from __future__ import annotations

import copy
import json
from datetime import date, datetime, timedelta, timezone

import pytest
from conftest import DATABASE_KINDS
from served_demo import DemoApp, command, post, served_demo
from slack_sdk import WebClient
from slack_signing import interactive_body, load_payload
from sqlalchemy import select
from sqlalchemy.orm import Session
from support import TEAM, UTC, WEDNESDAY

from bot.settings import load_settings
from handlers.actions.services import flag_service
from handlers.commands.delivery import reply_for
from handlers.views.service_health import HealthForm, health_form_errors
from messages.ids import HealthChoice
from store.changes import ChangeRefused, InvalidChange, StaleChange
from store.changes import services as service_changes
from store.changes.services import FlagNote, flag_for_customer_org, override_expiry, set_health_override
from store.clock import FixedClock
from store.db import make_sessionmaker
from store.enums import Health, Surface
from store.models import Person, Service, StatusChange
from store.queries.service_card import service_card
from store.workspace import Workspace

NEXT_WEEK = WEDNESDAY + timedelta(days=7)
BETA_LEAD = "Priya Raman (the service's lead) or ops"


# -- the store, on both databases ---------------------------------------------------------------


def workspace_of(engine) -> Workspace:
    return Workspace(sessions=make_sessionmaker(engine), team_id=TEAM, clock=FixedClock(WEDNESDAY), tz=UTC)


def service(engine, name: str) -> Service:
    with Session(engine) as session:
        return session.scalars(select(Service).where(Service.name == name)).one()


def audit_rows(engine, service_id: int) -> list[StatusChange]:
    with Session(engine) as session:
        return list(session.scalars(select(StatusChange).where(
            StatusChange.object_type == "service", StatusChange.object_id == service_id).order_by(StatusChange.id)))


def override(engine, user: str, name: str = "Admin Training Program", *, version: int = 1,
             health: Health | None = Health.AT_RISK, **arguments):
    target = service(engine, name)
    values = dict(reason="Sponsor left; renewal at risk", action_note="Exec sponsor call booked",
                  expires_at=NEXT_WEEK) | arguments
    return workspace_of(engine).change(set_health_override, actor_slack_user_id=user, service_id=target.id,
                                       version=version, health=health, **values)


def test_the_lead_sets_an_override_with_its_audit_row_and_the_card_shows_both_healths(demo_engine):
    applied = override(demo_engine, "U0PRIYA")
    beta = service(demo_engine, "Admin Training Program")
    assert (beta.health_override, beta.health_override_reason) == (Health.AT_RISK, "Sponsor left; renewal at risk")
    assert beta.health_override_expires_at == NEXT_WEEK and beta.action_note == "Exec sponsor call booked"
    assert beta.version == 2 == applied.version
    (row,) = audit_rows(demo_engine, beta.id)
    assert (row.field, row.from_value, row.to_value) == ("health_override", "needs_attention", "at_risk")
    assert (row.reason, row.changed_by_slack_user_id, row.surface) == ("Sponsor left; renewal at risk", "U0PRIYA",
                                                                      Surface.SLACK)
    assert row.changed_at == WEDNESDAY
    card = workspace_of(demo_engine).read(service_card, service_id=beta.id)
    assert card.version == 2 and card.override_by.slack_user_id == "U0PRIYA"
    assert (card.health.health, card.health.computed_health) == (Health.AT_RISK, Health.NEEDS_ATTENTION)
    assert card.health.findings[0].rule == "engagement_declining", "the computed reasons stay listed"


def test_ops_may_set_it_too(demo_engine):
    override(demo_engine, "U0DANA", health=Health.ON_TRACK, reason="Customer confirmed the plan")
    beta = service(demo_engine, "Admin Training Program")
    assert beta.health_override == Health.ON_TRACK
    assert beta.health_override_by_id == person_id(demo_engine, "U0DANA")


def person_id(engine, slack_user_id: str) -> int:
    with Session(engine) as session:
        return session.scalar(select(Person.id).where(Person.slack_user_id == slack_user_id))


@pytest.mark.parametrize("user, linked", [("U0BILL", True), ("U0CHRIS", True), ("U0NOBODY", False)])
def test_a_member_another_lead_and_an_unlinked_user_are_refused_with_who_can(demo_engine, user, linked):
    with pytest.raises(ChangeRefused) as refused:
        override(demo_engine, user)
    assert refused.value.who_can == BETA_LEAD and refused.value.linked is linked
    beta = service(demo_engine, "Admin Training Program")
    assert beta.health_override is None and beta.version == 1 and audit_rows(demo_engine, beta.id) == []


def test_even_someone_assigned_to_the_service_may_flag_it_but_not_set_its_health(demo_engine):
    gamma = service(demo_engine, "Platform Discovery")  # Bill is on Gamma's team
    with pytest.raises(ChangeRefused) as refused:
        override(demo_engine, "U0BILL", "Platform Discovery")
    assert refused.value.who_can == "Chris Patel (the service's lead) or ops"
    workspace_of(demo_engine).change(flag_for_customer_org, actor_slack_user_id="U0BILL", service_id=gamma.id,
                                     version=1, reason="Discovery is slipping")
    assert [r.field for r in audit_rows(demo_engine, gamma.id)] == ["flag"]


def test_a_stale_version_changes_nothing_and_says_who_changed_it(demo_engine):
    override(demo_engine, "U0PRIYA")
    with pytest.raises(StaleChange) as stale:
        override(demo_engine, "U0DANA", health=Health.ON_TRACK, reason="All good")
    assert stale.value.current == "set to At Risk"
    assert stale.value.changed_by.slack_user_id == "U0PRIYA" and stale.value.changed_at == WEDNESDAY
    beta = service(demo_engine, "Admin Training Program")
    assert beta.health_override == Health.AT_RISK and beta.version == 2
    assert len(audit_rows(demo_engine, beta.id)) == 1


def test_clearing_goes_back_to_the_computed_health_and_keeps_the_latest_action(demo_engine):
    override(demo_engine, "U0PRIYA")
    applied = override(demo_engine, "U0PRIYA", version=2, health=None, reason="Sponsor replaced", action_note=None,
                       expires_at=None)
    beta = service(demo_engine, "Admin Training Program")
    assert (beta.health_override, beta.health_override_reason, beta.health_override_expires_at,
            beta.health_override_by_id) == (None, None, None, None)
    assert beta.action_note == "Exec sponsor call booked" and beta.version == 3 == applied.version
    cleared = audit_rows(demo_engine, beta.id)[-1]
    assert (cleared.from_value, cleared.to_value, cleared.reason) == ("at_risk", "needs_attention", "Sponsor replaced")
    card = workspace_of(demo_engine).read(service_card, service_id=beta.id)
    assert card.health.health == Health.NEEDS_ATTENTION and card.health.override_reason is None
    assert card.override_by is None


@pytest.mark.parametrize("arguments, problem", [
    ({"reason": "  "}, "issue"),
    ({"expires_at": None}, "expiry"),
    ({"expires_at": WEDNESDAY - timedelta(hours=1)}, "past"),
])
def test_an_override_needs_an_issue_and_an_expiry_in_the_future(demo_engine, arguments, problem):
    with pytest.raises(InvalidChange, match=problem):
        override(demo_engine, "U0PRIYA", **arguments)
    assert service(demo_engine, "Admin Training Program").version == 1


def test_a_paused_service_has_no_health_to_set(demo_engine):
    with pytest.raises(InvalidChange, match="active services only"):
        override(demo_engine, "U0DANA", "Reporting Rollout")


def test_an_override_lasts_to_the_end_of_the_chosen_day_in_the_organisations_zone():
    from zoneinfo import ZoneInfo

    assert override_expiry(date(2026, 11, 20), ZoneInfo("Europe/London")) == datetime(2026, 11, 21, tzinfo=timezone.utc)
    assert override_expiry(date(2026, 11, 20), ZoneInfo("America/New_York")) == datetime(2026, 11, 21, 5,
                                                                                         tzinfo=timezone.utc)


def test_a_flag_is_announced_then_recorded_with_why(demo_engine):
    beta = service(demo_engine, "Admin Training Program")
    notes: list[FlagNote] = []
    applied = workspace_of(demo_engine).change(flag_for_customer_org, actor_slack_user_id="U0PRIYA",
                                               service_id=beta.id, version=1, reason=" Renewal at risk ",
                                               announce=notes.append)
    assert [(n.label, n.flagged_by_slack_user_id, n.reason) for n in notes] == [
        ("Beta Corp · Admin Training Program", "U0PRIYA", "Renewal at risk")]
    (row,) = audit_rows(demo_engine, beta.id)
    assert (row.field, row.from_value, row.to_value, row.reason) == ("flag", None, "customer_org", "Renewal at risk")
    assert service(demo_engine, "Admin Training Program").version == 2 == applied.version
    with pytest.raises(StaleChange) as stale:
        workspace_of(demo_engine).change(flag_for_customer_org, actor_slack_user_id="U0DANA", service_id=beta.id,
                                         version=1, reason="Again", announce=notes.append)
    assert stale.value.current == "flagged for the Customer Org" and len(notes) == 1


def test_a_flag_whose_announcement_fails_records_nothing(demo_engine):
    beta = service(demo_engine, "Admin Training Program")

    def refuse(_note):
        raise RuntimeError("channel_not_found")

    with pytest.raises(RuntimeError):
        workspace_of(demo_engine).change(flag_for_customer_org, actor_slack_user_id="U0PRIYA", service_id=beta.id,
                                         version=1, reason="Renewal at risk", announce=refuse)
    assert audit_rows(demo_engine, beta.id) == [] and service(demo_engine, "Admin Training Program").version == 1


def test_refused_and_blank_flags_announce_nothing(demo_engine):
    beta = service(demo_engine, "Admin Training Program")
    notes: list[FlagNote] = []
    with pytest.raises(ChangeRefused) as refused:
        workspace_of(demo_engine).change(flag_for_customer_org, actor_slack_user_id="U0NOBODY", service_id=beta.id,
                                         version=1, reason="Why not", announce=notes.append)
    assert refused.value.who_can == "Priya Raman (the service's lead), people assigned to the service, or ops"
    with pytest.raises(InvalidChange):
        workspace_of(demo_engine).change(flag_for_customer_org, actor_slack_user_id="U0PRIYA", service_id=beta.id,
                                         version=1, reason="   ", announce=notes.append)
    assert notes == [] and audit_rows(demo_engine, beta.id) == []


def test_a_change_committed_between_the_read_and_the_write_is_not_overwritten(demo_engine, monkeypatch):
    guard = service_changes._guard

    def someone_else_first(session, ctx, **arguments):
        found = guard(session, ctx, **arguments)
        # Another replica sets the health after our checks and before our conditional UPDATE.
        monkeypatch.setattr(service_changes, "_guard", guard)
        override(demo_engine, "U0DANA", health=Health.ON_TRACK, reason="Sponsor back")
        return found

    monkeypatch.setattr(service_changes, "_guard", someone_else_first)
    with pytest.raises(StaleChange) as stale:
        override(demo_engine, "U0PRIYA")
    assert stale.value.current == "set to On Track" and stale.value.changed_by.name == "Dana Whitfield"
    beta = service(demo_engine, "Admin Training Program")
    assert beta.health_override == Health.ON_TRACK and beta.version == 2
    assert len(audit_rows(demo_engine, beta.id)) == 1


def test_the_card_offers_the_buttons_for_active_services_only(demo_engine):
    ws = workspace_of(demo_engine)
    active = [b for b in reply_for(ws, "status Beta Corp", "U0PRIYA").block_dicts() if b["type"] == "actions"]
    labels = [e["text"]["text"] for e in active[0]["elements"]]
    # Beta Corp needs attention: "Find help" too (issue 21); an on-track card has the other two only.
    assert labels == ["Update health", "Flag for Customer Org", "Find help"]
    assert json.loads(active[0]["elements"][0]["value"])["v"] == 1
    on_track = [b for b in reply_for(ws, "status Precision", "U0PRIYA").block_dicts() if b["type"] == "actions"]
    assert [e["text"]["text"] for e in on_track[0]["elements"]] == ["Update health", "Flag for Customer Org"]
    paused = [b for b in reply_for(ws, "status Quartz", "U0PRIYA").block_dicts() if b["type"] == "actions"]
    assert [e["text"]["text"] for b in paused for e in b["elements"]] == ["Share in channel"]


def test_the_modal_needs_issue_and_date_only_when_setting():
    today = date(2026, 11, 18)
    assert health_form_errors(HealthForm(None, "", "", None), today).keys() == {"health_choice"}
    assert health_form_errors(HealthForm(HealthChoice.CLEAR, "", "", None), today) == {}
    assert health_form_errors(HealthForm(HealthChoice.AT_RISK, "", "", None), today).keys() == {
        "health_issue", "health_expires"}
    assert health_form_errors(HealthForm(HealthChoice.AT_RISK, "x", "", today - timedelta(days=1)), today).keys() == {
        "health_expires"}
    assert health_form_errors(HealthForm(HealthChoice.AT_RISK, "x", "", today), today) == {}


def test_flag_without_the_channel_setting_tells_the_user_and_opens_nothing(demo_engine, fake_slack):
    ws = workspace_of(demo_engine)
    beta = service(demo_engine, "Admin Training Program")
    body = {"user": {"id": "U0PRIYA"}, "trigger_id": "1.2.3", "response_url": fake_slack.response_url("flag"),
            "container": {"type": "message", "is_ephemeral": True, "channel_id": "C0OPS"}}
    value = json.dumps({"s": beta.id, "v": 1, "w": {"k": "card", "s": beta.id}})
    flag_service(ack=lambda **_: None, body=body, action={"value": value},
                 client=WebClient(token="xoxb-test", base_url=fake_slack.api_url),
                 context={"workspace": ws, "settings": load_settings(delivery_customer_org_channel=None)})
    (told,) = fake_slack.calls_to("response_url")
    assert "an admin must set DELIVERY_CUSTOMER_ORG_CHANNEL" in told.params["text"]
    assert told.params["response_type"] == "ephemeral" and not fake_slack.calls_to("views.open")
    assert audit_rows(demo_engine, beta.id) == []


# -- end to end over signed HTTP ----------------------------------------------------------------


@pytest.fixture(scope="module", params=DATABASE_KINDS)
def app(request, slack, tmp_path_factory):
    with served_demo(request.param, slack, tmp_path_factory.mktemp(request.param),
                     DELIVERY_CUSTOMER_ORG_CHANNEL="C0CUSTORG") as demo:
        yield demo


def card_button(card: dict, label: str) -> tuple[dict, str]:
    (found,) = [(e, b["block_id"]) for b in card["blocks"] if b["type"] == "actions" for e in b["elements"]
                if e["text"]["text"] == label]
    return found


def click(button: dict, block_id: str, *, user: str, response_url: str) -> bytes:
    """block_actions for a button in an ephemeral answer (no `message`, only the response_url)."""
    payload = copy.deepcopy(load_payload("block_actions_button.json"))
    payload.pop("message")
    payload["container"]["is_ephemeral"] = True
    payload["user"] = {"id": user, "username": user.lower(), "name": user.lower(), "team_id": "T0ACME"}
    payload["response_url"] = response_url
    payload["actions"] = [{"type": "button", "action_id": button["action_id"], "block_id": block_id,
                           "text": button["text"], "value": button["value"], "action_ts": "1732262460.123456"}]
    return interactive_body(payload)


def opened_view(slack) -> dict:
    (opened,) = slack.wait_for("views.open")
    view = opened.params["view"]
    return json.loads(view) if isinstance(view, str) else view


def submission(view: dict, *, user: str, values: dict) -> bytes:
    payload = copy.deepcopy(load_payload("view_submission.json"))
    payload["user"] = {"id": user, "username": user.lower(), "name": user.lower(), "team_id": "T0ACME"}
    submitted = payload["view"]
    submitted.update(callback_id=view["callback_id"], private_metadata=view["private_metadata"],
                     blocks=view["blocks"], title=view["title"])
    submitted["state"] = {"values": values}
    return interactive_body(payload)


def health_values(choice: str | None, issue: str | None, action: str | None, until: str | None) -> dict:
    selected = {"text": {"type": "plain_text", "text": choice}, "value": choice} if choice else None
    return {
        "health_choice": {"value": {"type": "static_select", "selected_option": selected}},
        "health_issue": {"value": {"type": "plain_text_input", "value": issue}},
        "health_action": {"value": {"type": "plain_text_input", "value": action}},
        "health_expires": {"value": {"type": "datepicker", "selected_date": until}},
    }


def service_rows(app: DemoApp, name: str) -> tuple[Service, list[StatusChange]]:
    target = service(app.engine, name)
    return target, audit_rows(app.engine, target.id)


def share(app: DemoApp, slack, card: dict, user: str) -> str:
    """Share the card in C0OPS; the ts of the remembered message."""
    button, block_id = card_button(card, "Share in channel")
    post(app, click(button, block_id, user=user, response_url=slack.response_url("share")))
    (shared,) = slack.wait_for("chat.postMessage")
    (removed,) = slack.wait_for("response_url")
    assert removed.params["delete_original"] is True
    return shared.response["ts"]


def test_priya_updates_beta_health_errors_stay_in_the_modal_and_every_copy_is_redrawn(app, slack, clean_slack):
    card = command(app, "status Beta Corp", "U0PRIYA")
    shared_ts = share(app, slack, card, "U0PRIYA")
    slack.reset()

    button, block_id = card_button(card, "Update health")
    post(app, click(button, block_id, user="U0PRIYA", response_url=slack.response_url("health")))
    view = opened_view(slack)
    assert view["callback_id"] == "service_health" and "Beta Corp · Admin Training Program" in json.dumps(
        view["blocks"], ensure_ascii=False)

    today = date.today()
    past = (today - timedelta(days=2)).isoformat()
    answer = post(app, submission(view, user="U0PRIYA", values=health_values(
        "at_risk", "Sponsor left; renewal <at risk>", "Exec sponsor call booked", past))).json()
    assert answer["response_action"] == "errors" and set(answer["errors"]) == {"health_expires"}
    answer = post(app, submission(view, user="U0PRIYA", values=health_values("at_risk", "  ", None, None))).json()
    assert set(answer["errors"]) == {"health_issue", "health_expires"}
    beta, rows = service_rows(app, "Admin Training Program")
    assert beta.version == 1 and rows == [], "errors change nothing"

    until = (today + timedelta(days=7)).isoformat()
    done = post(app, submission(view, user="U0PRIYA", values=health_values(
        "at_risk", "Sponsor left; renewal <at risk>", "Exec sponsor call booked", until)))
    assert done.status_code == 200 and not done.text
    (redrawn,) = slack.wait_for("response_url")
    assert redrawn.params["replace_original"] is True
    text = json.dumps(redrawn.params["blocks"], ensure_ascii=False)
    assert ":red_circle: *At Risk*" in text and "• Engagement declining" in text
    assert "_Set by <@U0PRIYA> until" in text and "Sponsor left; renewal &lt;at risk&gt;" in text
    assert "(rules say Needs Attention)_" in text and "Action: Exec sponsor call booked" in text
    assert json.loads(card_button(redrawn.params, "Update health")[0]["value"])["v"] == 2
    (updated,) = slack.wait_for("chat.update")
    assert (updated.params["channel"], updated.params["ts"]) == ("C0OPS", shared_ts)
    assert ":red_circle: *At Risk*" in json.dumps(updated.params["blocks"], ensure_ascii=False)

    beta, rows = service_rows(app, "Admin Training Program")
    assert (beta.health_override, beta.action_note, beta.version) == (Health.AT_RISK, "Exec sponsor call booked", 2)
    assert beta.health_override_expires_at.date() == today + timedelta(days=8), "to the end of the chosen day"
    (row,) = rows
    assert (row.field, row.from_value, row.to_value, row.changed_by_slack_user_id) == (
        "health_override", "needs_attention", "at_risk", "U0PRIYA")

    # The card clicked before the change is stale now: nothing opens, nothing changes.
    slack.reset()
    post(app, click(button, block_id, user="U0PRIYA", response_url=slack.response_url("stale")))
    told, redrawn = slack.wait_for("response_url", count=2)
    assert told.params["text"].startswith("Already set to At Risk by <@U0PRIYA>")
    assert redrawn.params["replace_original"] is True and not slack.calls_to("views.open")
    assert len(service_rows(app, "Admin Training Program")[1]) == 1


def test_a_member_clicking_update_health_is_told_who_can_and_no_modal_opens(app, slack, clean_slack):
    card = command(app, "status Cascade Retail", "U0BILL")
    button, block_id = card_button(card, "Update health")
    post(app, click(button, block_id, user="U0BILL", response_url=slack.response_url("bill")))
    (told,) = slack.wait_for("response_url")
    assert told.params["text"] == ("You can't update this service's health: only Priya Raman (the service's lead) "
                                   "or ops can. Nothing was changed.")
    assert told.params["replace_original"] is False and not slack.calls_to("views.open")
    assert service_rows(app, "Store Staff Training")[1] == []


def test_bill_flags_gamma_and_the_customer_org_channel_reads_who_and_why(app, slack, clean_slack):
    card = command(app, "status Gamma", "U0BILL")
    button, block_id = card_button(card, "Flag for Customer Org")
    post(app, click(button, block_id, user="U0BILL", response_url=slack.response_url("flag")))
    view = opened_view(slack)
    assert view["callback_id"] == "flag_service" and "<#C0CUSTORG>" in json.dumps(view["blocks"])

    reason_block = {"flag_reason": {"value": {"type": "plain_text_input", "value": "   "}}}
    answer = post(app, submission(view, user="U0BILL", values=reason_block)).json()
    assert answer["response_action"] == "errors" and set(answer["errors"]) == {"flag_reason"}

    reason_block["flag_reason"]["value"]["value"] = "Discovery slipping <2 weeks> & budget unclear"
    assert post(app, submission(view, user="U0BILL", values=reason_block)).status_code == 200
    (note,) = slack.wait_for("chat.postMessage")
    assert note.params["channel"] == "C0CUSTORG"
    assert note.params["text"] == (":triangular_flag_on_post: <@U0BILL> flagged *Gamma LLC · Platform Discovery* "
                                   "for the Customer Org: Discovery slipping &lt;2 weeks&gt; &amp; budget unclear")
    told, redrawn = slack.wait_for("response_url", count=2)
    assert told.params["text"] == ":triangular_flag_on_post: Flagged for the Customer Org in <#C0CUSTORG>."
    assert told.params["replace_original"] is False and redrawn.params["replace_original"] is True
    gamma, rows = service_rows(app, "Platform Discovery")
    assert gamma.version == 2
    assert [(r.field, r.to_value, r.reason, r.changed_by_slack_user_id) for r in rows] == [
        ("flag", "customer_org", "Discovery slipping <2 weeks> & budget unclear", "U0BILL")]


def test_a_flag_slack_refuses_to_post_is_not_recorded_and_the_user_is_told(app, slack, clean_slack):
    card = command(app, "status Helix", "U0CHRIS")
    button, block_id = card_button(card, "Flag for Customer Org")
    post(app, click(button, block_id, user="U0CHRIS", response_url=slack.response_url("flag")))
    view = opened_view(slack)
    slack.fail_next("chat.postMessage", "channel_not_found", channel="C0CUSTORG")
    values = {"flag_reason": {"value": {"type": "plain_text_input", "value": "Customer asked for an exec review"}}}
    post(app, submission(view, user="U0CHRIS", values=values))
    (told,) = slack.wait_for("response_url")
    assert "C0CUSTORG" in told.params["text"] and "DELIVERY_CUSTOMER_ORG_CHANNEL" in told.params["text"]
    assert told.params["text"].endswith("Nothing was posted or recorded.")
    (refused,) = slack.calls_to("chat.postMessage")
    assert refused.response == {"ok": False, "error": "channel_not_found"}
    helix, rows = service_rows(app, "Data Discovery")
    assert helix.version == 1 and rows == []
