"""What follows an SLA warning, as Slack receives it (digests/warnings.py, digests/ops_report.py,
store/sla/follow_up.py): ops hear once, in one summary a tick, of the warnings that failed or may not
have arrived; a ticket resolved by a CSV import has its posted warnings drawn again as resolved at the
next tick, once; and the channel's at-risk digest lists the warnings the bot held back."""

from __future__ import annotations

import csv
import json
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from slack_sdk import WebClient
from sqlalchemy import select
from test_sla_warnings import OPENED, TITLE, at, blocks_of, buttons, open_ticket

from bot.app import single_workspace
from bot.scheduler import DigestTicker
from bot.settings import load_settings
from digests.runner import run_due
from digests.warnings import STALE_AFTER, run_warnings
from store.bulk import after_bulk_load
from store.changes.tickets import resolve_ticket
from store.clock import FixedClock
from store.enums import Surface
from store.io import import_path
from store.models import Customer, Person, Service, Ticket, TicketWarning
from store.sla import claim_crossings

ADMIN = "C0ADMIN"
SECOND = "Scanner jammed"


def client_for(slack) -> WebClient:
    return WebClient(token="xoxb-test", base_url=slack.api_url)


def tick(slack, workspace, hours: float, *, admin_channel: str | None = ADMIN):
    """One tick's warnings at `hours` after OPENED; the fake Slack is reset by the caller."""
    return run_warnings(client_for(slack), at(workspace, hours), admin_channel=admin_channel)


def said_to(slack, channel: str) -> list[str]:
    return [call.params["text"] for call in slack.calls_to("chat.postMessage") if call.params["channel"] == channel]


@pytest.fixture
def workspace(demo_engine):
    """Quiet hours off, as in tests/test_sla_warnings.py."""
    return single_workspace(load_settings(delivery_quiet_hours=""), demo_engine, FixedClock(OPENED))


@pytest.fixture
def ticket(workspace):
    """Bill's ticket due eight hours after OPENED, the demo's own tickets resolved."""
    return open_ticket(workspace)


# -- ops hear of failed and uncertain warnings once, in one summary --------------------------------------


def test_ops_hear_once_in_one_summary_of_the_warnings_that_failed_or_may_not_have_arrived(slack, workspace,
                                                                                           ticket):
    open_ticket(workspace, key="sla-second", title=SECOND, owner="U0CHRIS", alone=False)
    slack.reset()
    report = tick(slack, workspace, 1)
    assert report.told == 0 and said_to(slack, ADMIN) == [], "nothing failed: ops hear nothing"

    slack.reset()
    slack.fail_next("chat.postMessage", "user_disabled", channel="U0BILL")
    slack.drop_after_accepting("chat.postMessage", channel="U0CHRIS")
    report = tick(slack, workspace, 4)
    assert [label for label, _ in report.failed] == [f"ticket {ticket} at 50%"] and len(report.uncertain) == 1
    (summary,) = said_to(slack, ADMIN)
    lines = summary.split("\n")
    assert lines[0] == ":warning: SLA warnings this run: 1 could not be posted and 1 may not have arrived."
    assert len(lines) == 3 and report.told == 2
    (failed,) = [line for line in lines if TITLE in line]
    assert "at 50% of its SLA could not be posted: `user_disabled`" in failed
    (uncertain,) = [line for line in lines if SECOND in line]
    assert "may not have arrived" in uncertain and "never posted twice" in uncertain
    assert "Digests this run" not in summary

    slack.reset()
    report = tick(slack, workspace, 4.5)
    assert report.told == 0 and said_to(slack, ADMIN) == [], "told once, not at every tick"


def test_a_summary_that_could_not_be_posted_is_sent_at_the_next_tick_and_only_then(slack, workspace, ticket):
    slack.reset()
    slack.fail_next("chat.postMessage", "user_disabled", channel="U0BILL")
    slack.fail_next("chat.postMessage", "not_in_channel", channel=ADMIN)
    report = tick(slack, workspace, 4)
    assert report.failed and report.told == 0
    assert len(said_to(slack, ADMIN)) == 1, "tried, and Slack said no"

    slack.reset()
    report = tick(slack, workspace, 4.5)
    (summary,) = said_to(slack, ADMIN)
    assert report.told == 1 and TITLE in summary and "`user_disabled`" in summary

    slack.reset()
    tick(slack, workspace, 5)
    assert said_to(slack, ADMIN) == []


def test_without_an_admin_channel_each_ops_person_is_told_by_dm(slack, workspace, ticket):
    slack.reset()
    slack.fail_next("chat.postMessage", "user_disabled", channel="U0BILL")
    tick(slack, workspace, 4, admin_channel=None)
    (summary,) = said_to(slack, "U0DANA")
    assert summary.startswith(":warning: SLA warnings this run: 1 could not be posted.") and TITLE in summary


def test_a_warning_left_pending_by_a_stopped_process_is_told_as_uncertain_once_stale(slack, workspace, ticket):
    (claimed,) = at(workspace, 4).change(claim_crossings, claimed_by="crashed:1")
    assert claimed.ticket_id == ticket
    slack.reset()
    report = tick(slack, workspace, 4 + 1 / 60)
    assert report.expired == 0 and said_to(slack, ADMIN) == [] and said_to(slack, "U0BILL") == []
    slack.reset()
    report = tick(slack, workspace, 4 + (STALE_AFTER + timedelta(minutes=1)) / timedelta(hours=1))
    assert report.expired == 1
    (summary,) = said_to(slack, ADMIN)
    assert summary.startswith(":warning: SLA warnings this run: 1 may not have arrived.")
    assert TITLE in summary and "claimed but never finished" in summary
    assert said_to(slack, "U0BILL") == [], "never posted again"


def test_a_schedulers_tick_tells_ops_of_its_digests_and_warnings_in_one_message(slack, demo_engine):
    """Thursday 08:31: the at-risk digest to the ops channel fails, and so does a warning at 50%."""
    thursday = OPENED.replace(day=19, hour=8, minute=31)
    settings = load_settings(slack_bot_token="xoxb-test", slack_api_url=slack.api_url, delivery_quiet_hours="",
                             delivery_admin_channel=ADMIN)
    workspace = single_workspace(settings, demo_engine, FixedClock(thursday))
    open_ticket(workspace, key="sla-morning", owner="U0CHRIS", opened=thursday - timedelta(hours=4))
    slack.reset()
    slack.fail_next("chat.postMessage", "channel_not_found", channel="C0OPS", times=3)
    slack.fail_next("chat.postMessage", "user_disabled", channel="U0CHRIS", times=3)
    DigestTicker(settings, workspace).tick()
    (summary,) = said_to(slack, ADMIN)
    assert ":warning: Digests this run:" in summary and "could not be posted to <#C0OPS>" in summary
    assert ":warning: SLA warnings this run: 1 could not be posted." in summary and TITLE in summary

    slack.reset()
    DigestTicker(settings, replace(workspace, clock=FixedClock(thursday + timedelta(minutes=1)))).tick()
    assert said_to(slack, ADMIN) == []


# -- a ticket resolved any other way than a click: its warnings drawn again at the next tick, once --------


def import_resolution(workspace, ticket_id: int, resolved_at: datetime, folder: Path) -> None:
    """Resolve the ticket with `delivery-bot import`'s own steps: a tickets.csv read by store.io, then the
    bulk load's follow-up."""
    with workspace.sessions() as session:
        row = session.get(Ticket, ticket_id)
        keys = {"customer": session.get(Customer, row.customer_id).key,
                "service": session.get(Service, row.service_id).key, "owner": session.get(Person, row.owner_id).key}
        values = {"key": row.key, **keys, "title": row.title, "type": row.type, "priority": row.priority,
                  "opened_at": row.opened_at.isoformat(), "due_at": row.due_at.isoformat(),
                  "resolved_at": resolved_at.isoformat(), "resolution_note": "Closed in the helpdesk"}
    path = folder / "tickets.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(values))
        writer.writeheader()
        writer.writerow(values)
    report = workspace.change(import_path, path)
    assert report.counts["tickets"].updated == 1
    engine = workspace.sessions.kw["bind"]
    after_bulk_load(engine, workspace.team_id, tables=report.tables, now=workspace.clock.now(), tz=workspace.tz,
                    limits=workspace.limits)


def test_a_ticket_resolved_by_a_csv_import_has_every_warning_drawn_again_once(slack, workspace, ticket, tmp_path):
    posted: set[tuple[str, str]] = set()
    for hours in (4, 6, 8):  # Bill's DM at 50%, Ryan's at 75%, the ops channel at the breach
        slack.reset()
        tick(slack, workspace, hours)
        posted |= {(call.response["channel"], call.response["ts"]) for call in slack.calls_to("chat.postMessage")}
    assert {channel[0] for channel, _ in posted} == {"D", "C"} and len(posted) == 3

    import_resolution(at(workspace, 8.75), ticket, OPENED + timedelta(hours=8, minutes=30), tmp_path)
    slack.reset()
    report = tick(slack, workspace, 9)
    updates = slack.calls_to("chat.update")
    assert {(call.params["channel"], call.params["ts"]) for call in updates} == posted, "each place, once"
    assert len(updates) == 3 and report.redrawn == 1 and slack.calls_to("chat.postMessage") == []
    for call in updates:
        assert call.params["text"].startswith("Resolved 30 min after its SLA was breached")
        assert buttons(call) == [] and "SLA breached" not in json.dumps(blocks_of(call))

    slack.reset()
    report = tick(slack, workspace, 9.5)
    assert slack.calls_to("chat.update") == [] and report.redrawn == 0, "drawn once"
    with workspace.sessions() as session:
        shown = session.scalars(select(TicketWarning.resolution_shown_at).where(TicketWarning.ticket_id == ticket))
        assert set(shown) == {OPENED + timedelta(hours=9)}


def test_a_ticket_resolved_by_a_click_is_left_to_the_click(slack, workspace, ticket):
    """The click's listener draws the ticket's messages (tests/test_sla_warnings.py); the tick does not."""
    slack.reset()
    tick(slack, workspace, 4)
    at(workspace, 5).change(resolve_ticket, actor_slack_user_id="U0BILL", ticket_id=ticket, version=1, note="Done")
    slack.reset()
    report = tick(slack, workspace, 5.5)
    assert slack.calls_to("chat.update") == [] and report.redrawn == 0


def test_a_ticket_resolved_from_the_command_line_is_drawn_by_the_next_tick(slack, workspace, ticket):
    slack.reset()
    tick(slack, workspace, 4)
    at(workspace, 5).change(resolve_ticket, actor_slack_user_id="U0BILL", ticket_id=ticket, version=1, note="Done",
                            surface=Surface.CLI)
    slack.reset()
    tick(slack, workspace, 5.5)
    (update_,) = slack.calls_to("chat.update")
    assert update_.params["text"].startswith("Resolved 3 h before its SLA") and buttons(update_) == []


# -- the channel's at-risk digest lists the warnings held back ---------------------------------------------


def test_the_at_risk_digest_lists_the_warnings_held_in_quiet_hours_with_and_n_more(slack, demo_engine, ticket):
    """Twelve of Bill's tickets cross 50% at 20:00, in quiet hours: all held; Thursday's 08:30 at-risk
    digest in the ops channel lists the newest ten and counts the rest."""
    quiet = single_workspace(load_settings(), demo_engine, FixedClock(OPENED))
    for n in range(11):
        open_ticket(quiet, key=f"sla-quiet-{n}", title=f"Quiet {n}", alone=False)
    slack.reset()
    report = tick(slack, quiet, 4)
    assert report.held == 12 and slack.calls_to("chat.postMessage") == []

    morning = at(quiet, 16.5)
    slack.reset()
    run_due(client_for(slack), morning, at=morning.clock.now())
    (digest,) = [call for call in slack.calls_to("chat.postMessage") if call.params["channel"] == "C0OPS"]
    drawn = json.dumps(blocks_of(digest))
    assert "SLA warnings held back since yesterday (12)" in drawn
    assert drawn.count("held for quiet hours") == 10 and "Bill" in drawn
    assert "and 2 more \\u2014 type `/delivery at-risk`" in drawn
