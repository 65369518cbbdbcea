"""Tickets: "Assign to me" and "Resolve" (with a resolution note).

The store functions on both databases (allowed, refused, stale, audit rows, applied once), then
end to end over signed HTTP against a served demo, with payloads shaped as Slack sends them.
"""

from __future__ import annotations

import copy
import json
import threading
from datetime import datetime, timedelta, timezone

import pytest
from conftest import DATABASE_KINDS
from served_demo import DemoApp, command, post, served_demo, share_in_channel
from slack_signing import interactive_body, load_payload
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from support import TEAM, UTC, WEDNESDAY

from bot.app import single_workspace
from bot.settings import load_settings
from handlers.commands.delivery import reply_for
from messages.blocks.common import MAX_MESSAGE_BLOCKS
from store.changes import ChangeRefused, InvalidChange, StaleChange
from store.changes import tickets as ticket_changes
from store.changes.tickets import assign_ticket_to_actor, check_ticket_change, resolve_ticket
from store.clock import FixedClock
from store.context import QueryContext
from store.enums import Surface
from store.models import Customer, Person, Service, StatusChange, Ticket
from store.queries.service_card import service_card
from store.queries.tickets import oldest_overdue_tickets

CTX = QueryContext(team_id=TEAM, now=WEDNESDAY, tz=UTC)
SUMMIT_WHO_CAN = "its owner, Ryan Ortiz (the service's lead), people assigned to the service, or ops"


def add_ticket(engine: Engine, key: str, title: str, *, service: str = "Payments Integration",
               owner: str | None = None, now: datetime = WEDNESDAY, overdue: bool = True) -> int:
    """An open ticket on `service` (owned by the person with Slack id `owner`, or nobody)."""
    with Session(engine) as session, session.begin():
        on = session.scalars(select(Service).where(Service.team_id == TEAM, Service.name == service)).one()
        person = session.scalars(select(Person).where(Person.slack_user_id == owner)).one() if owner else None
        ticket = Ticket(team_id=TEAM, key=key, customer_id=on.customer_id, service_id=on.id, title=title,
                        type="issue", priority="high", owner_id=person.id if person else None,
                        opened_at=now - timedelta(days=2),
                        due_at=now - timedelta(hours=3) if overdue else now + timedelta(days=1))
        session.add(ticket)
        session.flush()
        return ticket.id


def ticket(engine: Engine, ticket_id: int) -> Ticket:
    with Session(engine) as session:
        return session.get(Ticket, ticket_id)


def audit_rows(engine: Engine, ticket_id: int) -> list[StatusChange]:
    with Session(engine) as session:
        return list(session.scalars(
            select(StatusChange).where(StatusChange.object_type == "ticket", StatusChange.object_id == ticket_id)
            .order_by(StatusChange.id)
        ))


def change(engine: Engine, command, **arguments):
    with Session(engine) as session, session.begin():
        return command(session, CTX, **arguments)


def person_id(engine: Engine, slack_user_id: str) -> int:
    with Session(engine) as session:
        return session.scalars(select(Person.id).where(Person.slack_user_id == slack_user_id)).one()


# -- the store -------------------------------------------------------------------------------------


def test_ryan_takes_an_unassigned_ticket_on_his_service(demo_engine):
    tid = add_ticket(demo_engine, "u-1", "Broken export")
    applied = change(demo_engine, assign_ticket_to_actor, actor_slack_user_id="U0RYAN", ticket_id=tid, version=1)
    assert (applied.object_type, applied.from_value, applied.to_value, applied.version) == ("ticket", None, "U0RYAN", 2)
    now = ticket(demo_engine, tid)
    assert now.owner_id == person_id(demo_engine, "U0RYAN") and now.version == 2 and now.resolved_at is None
    (row,) = audit_rows(demo_engine, tid)
    assert (row.field, row.from_value, row.to_value, row.reason) == ("owner", None, "U0RYAN", None)
    assert row.changed_by_id == person_id(demo_engine, "U0RYAN") and row.changed_by_slack_user_id == "U0RYAN"
    assert row.surface == Surface.SLACK and row.changed_at == WEDNESDAY
    with Session(demo_engine) as session:
        overdue = {t.ticket_id: t for t in oldest_overdue_tickets(session, TEAM, WEDNESDAY, 25)}
    assert overdue[tid].owner.name == "Ryan Ortiz" and overdue[tid].version == 2


def test_a_member_of_the_service_may_take_it_others_are_told_who_can(demo_engine):
    gamma = add_ticket(demo_engine, "u-2", "Discovery notes missing", service="Platform Discovery")
    with pytest.raises(ChangeRefused) as refused:
        change(demo_engine, assign_ticket_to_actor, actor_slack_user_id="U0MARCUS", ticket_id=gamma, version=1)
    assert refused.value.linked and refused.value.who_can == (
        "its owner, Chris Patel (the service's lead), people assigned to the service, or ops")
    with pytest.raises(ChangeRefused) as stranger:
        change(demo_engine, assign_ticket_to_actor, actor_slack_user_id="U0NOBODY", ticket_id=gamma, version=1)
    assert not stranger.value.linked
    assert ticket(demo_engine, gamma).version == 1 and audit_rows(demo_engine, gamma) == []

    # Bill is on Gamma's team (not its lead): an unassigned ticket there is his to take.
    change(demo_engine, assign_ticket_to_actor, actor_slack_user_id="U0BILL", ticket_id=gamma, version=1)
    assert ticket(demo_engine, gamma).owner_id == person_id(demo_engine, "U0BILL")


def test_bill_is_refused_on_summit_but_may_resolve_a_ticket_he_owns_there(demo_engine):
    unassigned = add_ticket(demo_engine, "u-3", "Sync fails nightly")
    for store_change, extra in ((assign_ticket_to_actor, {}), (resolve_ticket, {"note": "Fixed"})):
        with pytest.raises(ChangeRefused) as refused:
            change(demo_engine, store_change, actor_slack_user_id="U0BILL", ticket_id=unassigned, version=1, **extra)
        assert refused.value.who_can == SUMMIT_WHO_CAN
    assert ticket(demo_engine, unassigned).version == 1 and audit_rows(demo_engine, unassigned) == []

    his = add_ticket(demo_engine, "u-4", "Card reader offline", owner="U0BILL")
    change(demo_engine, resolve_ticket, actor_slack_user_id="U0BILL", ticket_id=his, version=1, note="Replaced")
    assert ticket(demo_engine, his).resolved_at == WEDNESDAY


def test_the_lead_takes_a_ticket_from_its_owner_and_ops_may_resolve_anything(demo_engine):
    tid = add_ticket(demo_engine, "u-5", "Statement totals wrong", owner="U0BILL")
    applied = change(demo_engine, assign_ticket_to_actor, actor_slack_user_id="U0RYAN", ticket_id=tid, version=1)
    assert (applied.from_value, applied.to_value) == ("U0BILL", "U0RYAN")
    change(demo_engine, resolve_ticket, actor_slack_user_id="U0DANA", ticket_id=tid, version=2, note="Recomputed")
    assert [(r.field, r.changed_by_slack_user_id) for r in audit_rows(demo_engine, tid)] == [
        ("owner", "U0RYAN"), ("status", "U0DANA")]


def test_resolve_writes_the_note_and_its_audit_row_and_the_ticket_leaves_the_lists(demo_engine):
    tid = add_ticket(demo_engine, "u-6", "Broken export")
    with Session(demo_engine) as session:
        summit = session.get(Ticket, tid).service_id
        assert tid in [t.ticket_id for t in service_card(session, CTX, service_id=summit).open_tickets]
    applied = change(demo_engine, resolve_ticket, actor_slack_user_id="U0RYAN", ticket_id=tid, version=1,
                     note="  Re-ran the export job  ")
    assert (applied.from_value, applied.to_value, applied.service_id) == ("open", "resolved", summit)
    now = ticket(demo_engine, tid)
    assert now.resolved_at == WEDNESDAY and now.resolution_note == "Re-ran the export job" and now.version == 2
    (row,) = audit_rows(demo_engine, tid)
    assert (row.field, row.from_value, row.to_value, row.reason) == ("status", "open", "resolved",
                                                                       "Re-ran the export job")
    with Session(demo_engine) as session:
        assert tid not in [t.ticket_id for t in oldest_overdue_tickets(session, TEAM, WEDNESDAY, 25)]
        assert tid not in [t.ticket_id for t in service_card(session, CTX, service_id=summit).open_tickets]


def test_resolving_needs_a_note_and_taking_your_own_ticket_changes_nothing(demo_engine):
    tid = add_ticket(demo_engine, "u-7", "Broken export", owner="U0RYAN")
    with pytest.raises(InvalidChange, match="resolution note"):
        change(demo_engine, resolve_ticket, actor_slack_user_id="U0RYAN", ticket_id=tid, version=1, note="   ")
    with pytest.raises(InvalidChange, match="already yours"):
        change(demo_engine, assign_ticket_to_actor, actor_slack_user_id="U0RYAN", ticket_id=tid, version=1)
    with pytest.raises(InvalidChange, match="no longer exists"):
        change(demo_engine, assign_ticket_to_actor, actor_slack_user_id="U0RYAN", ticket_id=tid + 999, version=1)
    assert ticket(demo_engine, tid).version == 1 and audit_rows(demo_engine, tid) == []


def test_stale_clicks_change_nothing_and_say_who_changed_it(demo_engine):
    tid = add_ticket(demo_engine, "u-8", "Broken export")
    change(demo_engine, assign_ticket_to_actor, actor_slack_user_id="U0RYAN", ticket_id=tid, version=1)
    with pytest.raises(StaleChange) as stale:
        change(demo_engine, assign_ticket_to_actor, actor_slack_user_id="U0DANA", ticket_id=tid, version=1)
    assert stale.value.current == "assigned to Ryan Ortiz" and stale.value.changed_by.slack_user_id == "U0RYAN"
    assert stale.value.changed_at == WEDNESDAY
    with pytest.raises(StaleChange):
        change(demo_engine, resolve_ticket, actor_slack_user_id="U0RYAN", ticket_id=tid, version=1, note="Done")

    change(demo_engine, resolve_ticket, actor_slack_user_id="U0RYAN", ticket_id=tid, version=2, note="Done")
    for store_change, extra in ((resolve_ticket, {"note": "Again"}), (assign_ticket_to_actor, {})):
        with pytest.raises(StaleChange) as again:
            change(demo_engine, store_change, actor_slack_user_id="U0DANA", ticket_id=tid, version=2, **extra)
        assert again.value.current == "resolved"
    with pytest.raises(StaleChange):
        change(demo_engine, check_ticket_change, actor_slack_user_id="U0RYAN", ticket_id=tid, version=3)
    assert len(audit_rows(demo_engine, tid)) == 2 and ticket(demo_engine, tid).resolution_note == "Done"


def test_the_same_click_twice_applies_once(demo_engine):
    tid = add_ticket(demo_engine, "u-9", "Broken export")
    change(demo_engine, resolve_ticket, actor_slack_user_id="U0RYAN", ticket_id=tid, version=1, note="Fixed")
    with pytest.raises(StaleChange):
        change(demo_engine, resolve_ticket, actor_slack_user_id="U0RYAN", ticket_id=tid, version=1, note="Fixed")
    assert len(audit_rows(demo_engine, tid)) == 1 and ticket(demo_engine, tid).version == 2


def test_a_change_committed_between_the_read_and_the_write_is_not_overwritten(demo_engine, monkeypatch):
    tid = add_ticket(demo_engine, "u-10", "Broken export")
    checked = ticket_changes._checked

    def someone_else_first(session, ctx, *arguments):
        found = checked(session, ctx, *arguments)
        # Another replica takes the ticket after our checks and before our conditional UPDATE.
        monkeypatch.setattr(ticket_changes, "_checked", checked)
        change(demo_engine, assign_ticket_to_actor, actor_slack_user_id="U0DANA", ticket_id=tid, version=1)
        return found

    monkeypatch.setattr(ticket_changes, "_checked", someone_else_first)
    with pytest.raises(StaleChange) as stale:
        change(demo_engine, resolve_ticket, actor_slack_user_id="U0RYAN", ticket_id=tid, version=1, note="Fixed")
    assert stale.value.current == "assigned to Dana Whitfield"
    now = ticket(demo_engine, tid)
    assert now.resolved_at is None and now.owner_id == person_id(demo_engine, "U0DANA")
    assert [r.field for r in audit_rows(demo_engine, tid)] == ["owner"]


def test_check_before_the_modal_gives_the_title_or_the_same_refusal(demo_engine):
    tid = add_ticket(demo_engine, "u-11", "Broken export")
    assert change(demo_engine, check_ticket_change, actor_slack_user_id="U0RYAN", ticket_id=tid, version=1) == (
        "Broken export")
    with pytest.raises(ChangeRefused):
        change(demo_engine, check_ticket_change, actor_slack_user_id="U0BILL", ticket_id=tid, version=1)
    assert audit_rows(demo_engine, tid) == []


def test_a_ticket_on_no_service_is_its_owner_and_ops_only(demo_engine):
    with Session(demo_engine) as session, session.begin():
        customer = session.scalars(select(Customer).where(Customer.name == "Summit Bank")).one()
        bill = session.scalars(select(Person).where(Person.slack_user_id == "U0BILL")).one()
        orphan = Ticket(team_id=TEAM, key="orphan", customer_id=customer.id, service_id=None, title="Orphan",
                        type="question", priority="low", owner_id=bill.id, opened_at=WEDNESDAY - timedelta(days=1),
                        due_at=WEDNESDAY - timedelta(hours=1))
        session.add(orphan)
        session.flush()
        tid = orphan.id
    with pytest.raises(ChangeRefused):
        change(demo_engine, resolve_ticket, actor_slack_user_id="U0RYAN", ticket_id=tid, version=1, note="x")
    applied = change(demo_engine, resolve_ticket, actor_slack_user_id="U0BILL", ticket_id=tid, version=1, note="x")
    assert applied.service_id is None


# -- the rows: menus, and Block Kit limits -----------------------------------------------------------


def ticket_rows(blocks: list[dict]) -> list[dict]:
    return [b for b in blocks if (b.get("accessory") or {}).get("action_id", "").startswith("ticket_action:")]


def test_many_tickets_and_deliverables_keep_every_answer_within_50_blocks(demo_engine):
    from datetime import date

    from store.enums import DeliverableStatus
    from store.models import Deliverable

    with Session(demo_engine) as session, session.begin():
        delta = session.scalars(select(Service).where(Service.name == "Integration Rollout")).one()
        session.add_all(
            Deliverable(team_id=TEAM, key=f"bulk-{n}", service_id=delta.id, name=f"Bulk item {n}",
                        status=DeliverableStatus.IN_PROGRESS, due_on=date(2026, 12, 1))
            for n in range(60)
        )
    for n in range(40):
        add_ticket(demo_engine, f"many-{n}", f"Overdue {n}", service="Integration Rollout")
    workspace = single_workspace(load_settings(), demo_engine, FixedClock(WEDNESDAY))
    for text in ("status Delta Corp", "tickets", "tickets by owner", "at-risk"):
        blocks = reply_for(workspace, text, "U0RYAN").block_dicts()
        assert len(blocks) <= MAX_MESSAGE_BLOCKS, text
        rows = ticket_rows(blocks)
        assert rows, f"{text}: ticket rows have their menu"
        assert [o["text"]["text"] for o in rows[0]["accessory"]["options"]] == ["Assign to me", "Resolve"]
        assert all(len(o["value"]) <= 150 for r in rows for o in r["accessory"]["options"])
        assert any(b["type"] == "section" and "more" in b.get("text", {}).get("text", "") for b in blocks), text


# -- end to end over signed HTTP -------------------------------------------------------------------


@pytest.fixture(scope="module", params=DATABASE_KINDS)
def app(request, slack, tmp_path_factory):
    with served_demo(request.param, slack, tmp_path_factory.mktemp(request.param)) as demo:
        yield demo


def overdue_ticket(app: DemoApp, key: str, title: str, **kwargs) -> int:
    return add_ticket(app.engine, key, title, now=datetime.now(timezone.utc), **kwargs)


def row_for(blocks: list[dict], title: str) -> dict:
    (row,) = [b for b in ticket_rows(blocks) if title in b["text"]["text"]]
    return row


def option(row: dict, label: str) -> dict:
    (found,) = [o for o in row["accessory"]["options"] if o["text"]["text"] == label]
    return found


def click(row: dict, label: str, *, user: str, response_url: str) -> bytes:
    """block_actions for a ticket row's menu in an ephemeral answer (no `message`, only the response_url)."""
    payload = copy.deepcopy(load_payload("block_actions_overflow.json"))
    payload["user"] = {"id": user, "username": user.lower(), "name": user.lower(), "team_id": "T0ACME"}
    payload["response_url"] = response_url
    payload["actions"] = [{"type": "overflow", "action_id": row["accessory"]["action_id"],
                           "block_id": row.get("block_id", "b1"), "selected_option": option(row, label),
                           "action_ts": "1732262470.654321"}]
    return interactive_body(payload)


def submission(opened_view: dict, *, user: str, note: str) -> bytes:
    payload = copy.deepcopy(load_payload("view_submission.json"))
    payload["user"] = {"id": user, "username": user.lower(), "name": user.lower(), "team_id": "T0ACME"}
    view = payload["view"]
    view["callback_id"] = opened_view["callback_id"]
    view["private_metadata"] = opened_view["private_metadata"]
    view["blocks"] = opened_view["blocks"]
    view["state"] = {"values": {"resolution_note": {"value": {"type": "plain_text_input", "value": note}}}}
    return interactive_body(payload)


def blocks_of(call) -> list[dict]:
    blocks = call.params["blocks"]
    return json.loads(blocks) if isinstance(blocks, str) else blocks


def test_ryan_assigns_then_resolves_an_overdue_ticket_from_delivery_tickets(app, slack, clean_slack):
    tid = overdue_ticket(app, "e2e-export", "Broken export")
    reply = command(app, "tickets", "U0RYAN")
    row = row_for(reply["blocks"], "Broken export")
    assert "_unassigned_" in row["text"]["text"]
    assert [o["text"]["text"] for o in row["accessory"]["options"]] == ["Assign to me", "Resolve"]

    post(app, click(row, "Assign to me", user="U0RYAN", response_url=slack.response_url("assign")))
    (redrawn,) = slack.wait_for("response_url")
    assert redrawn.params["replace_original"] is True
    assert "Ryan Ortiz" in row_for(blocks_of(redrawn), "Broken export")["text"]["text"]
    assert ticket(app.engine, tid).owner_id == person_id(app.engine, "U0RYAN")
    (assigned,) = audit_rows(app.engine, tid)
    assert (assigned.field, assigned.from_value, assigned.to_value) == ("owner", None, "U0RYAN")

    slack.reset()
    post(app, click(row, "Assign to me", user="U0RYAN", response_url=slack.response_url("stale")))
    told, _redrawn = slack.wait_for("response_url", count=2)
    assert told.params["text"].startswith("Already assigned to Ryan Ortiz by <@U0RYAN>")
    assert len(audit_rows(app.engine, tid)) == 1, "a stale click changes nothing"

    slack.reset()
    fresh = row_for(blocks_of(redrawn), "Broken export")
    post(app, click(fresh, "Resolve", user="U0RYAN", response_url=slack.response_url("resolve")))
    (opened,) = slack.wait_for("views.open")
    view = opened.params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view["callback_id"] == "resolve_ticket" and "Broken export" in json.dumps(view["blocks"])

    empty = post(app, submission(view, user="U0RYAN", note="   ")).json()
    assert empty == {"response_action": "errors", "errors": {"resolution_note": empty["errors"]["resolution_note"]}}
    assert ticket(app.engine, tid).resolved_at is None, "errors change nothing"

    done = post(app, submission(view, user="U0RYAN", note="Re-ran the export job"))
    assert done.status_code == 200 and not done.text
    (after,) = slack.wait_for("response_url")
    assert after.params["replace_original"] is True and "Broken export" not in json.dumps(blocks_of(after))
    resolved = ticket(app.engine, tid)
    assert resolved.resolved_at is not None and resolved.resolution_note == "Re-ran the export job"
    status = audit_rows(app.engine, tid)[-1]
    assert (status.field, status.from_value, status.to_value, status.reason) == (
        "status", "open", "resolved", "Re-ran the export job")


def test_bill_is_refused_with_who_can_and_ops_takes_it_from_at_risk(app, slack, clean_slack):
    tid = overdue_ticket(app, "e2e-sync", "Sync fails nightly")
    row = row_for(command(app, "at-risk", "U0BILL")["blocks"], "Sync fails nightly")
    post(app, click(row, "Assign to me", user="U0BILL", response_url=slack.response_url("bill-assign")))
    (told,) = slack.wait_for("response_url")
    assert told.params["text"] == f"You can't take this ticket: only {SUMMIT_WHO_CAN} can. Nothing was changed."
    assert told.params["replace_original"] is False

    slack.reset()
    post(app, click(row, "Resolve", user="U0BILL", response_url=slack.response_url("bill-resolve")))
    (told,) = slack.wait_for("response_url")
    assert told.params["text"] == f"You can't resolve this ticket: only {SUMMIT_WHO_CAN} can. Nothing was changed."
    assert slack.calls_to("views.open") == [], "no note is asked for a change that would be refused"

    slack.reset()
    post(app, click(row, "Assign to me", user="U0NOBODY", response_url=slack.response_url("stranger")))
    (told,) = slack.wait_for("response_url")
    assert "can read but not change" in told.params["text"] and "Ryan Ortiz" in told.params["text"]
    assert ticket(app.engine, tid).owner_id is None and audit_rows(app.engine, tid) == []

    slack.reset()
    post(app, click(row, "Assign to me", user="U0DANA", response_url=slack.response_url("dana")))
    (redrawn,) = slack.wait_for("response_url")
    assert "Dana Whitfield" in row_for(blocks_of(redrawn), "Sync fails nightly")["text"]["text"]
    assert ticket(app.engine, tid).owner_id == person_id(app.engine, "U0DANA")


def test_assigning_from_the_card_updates_a_shared_at_risk_message(app, slack, clean_slack):
    tid = overdue_ticket(app, "e2e-card", "Card payments declined")
    at_risk = command(app, "at-risk", "U0DANA")
    shared = share_in_channel(app, slack, at_risk, "U0DANA")
    slack.wait_for("response_url")  # the private copy is deleted
    assert "_unassigned_" in row_for(blocks_of(shared), "Card payments declined")["text"]["text"]

    slack.reset()
    card = command(app, "status Summit Bank", "U0RYAN")
    row = row_for(card["blocks"], "Card payments declined")
    assert "unassigned" in row["text"]["text"]
    post(app, click(row, "Assign to me", user="U0RYAN", response_url=slack.response_url("card")))
    (redrawn,) = slack.wait_for("response_url")
    assert "Ryan Ortiz" in row_for(blocks_of(redrawn), "Card payments declined")["text"]["text"]
    (updated,) = slack.wait_for("chat.update")
    assert (updated.params["channel"], updated.params["ts"]) == ("C0OPS", shared.response["ts"])
    assert "Ryan Ortiz" in row_for(blocks_of(updated), "Card payments declined")["text"]["text"]
    assert ticket(app.engine, tid).version == 2


def test_a_double_click_assigns_once(app, slack, clean_slack):
    tid = overdue_ticket(app, "e2e-double", "Invoices doubled")
    row = row_for(command(app, "tickets by owner", "U0RYAN")["blocks"], "Invoices doubled")
    bodies = [click(row, "Assign to me", user="U0RYAN", response_url=slack.response_url(f"click{n}"))
              for n in range(2)]
    threads = [threading.Thread(target=post, args=(app, body)) for body in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    calls = slack.wait_for("response_url", count=3)  # two re-renders and one "already"
    assert sum(c.params.get("text", "").startswith("Already assigned to Ryan Ortiz") for c in calls) == 1
    assert len(audit_rows(app.engine, tid)) == 1 and ticket(app.engine, tid).version == 2
