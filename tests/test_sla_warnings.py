"""SLA warnings as Slack receives them: the clock is driven across 50%, 75% and the breach, and each
tick's posts and in-place updates are asserted on the fake Slack (digests/warnings.py)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from slack_sdk import WebClient
from sqlalchemy import select
from support import TEAM, WEDNESDAY

from bot.app import single_workspace
from bot.settings import load_settings
from digests.warnings import run_warnings
from handlers.rerender import refresh_posted
from messages.blocks.at_risk import at_risk_message
from messages.views import build_digest
from store.changes import ChangeRefused
from store.changes.tickets import resolve_ticket
from store.clock import FixedClock
from store.digests import subscribe
from store.enums import DigestKind
from store.models import Customer, HeldWarning, Person, Service, Ticket
from store.queries.at_risk import at_risk_report
from store.sla import mute_service_warnings, warnings_of

TITLE = "Printer on fire"
UTC_ZONE = ZoneInfo("UTC")
OPENED = WEDNESDAY + timedelta(hours=1)


@pytest.fixture
def workspace(demo_engine):
    """Quiet hours off: the clock runs into the evening (tests of quiet hours turn them on)."""
    return single_workspace(load_settings(delivery_quiet_hours=""), demo_engine, FixedClock(OPENED))


def open_ticket(workspace, *, key: str = "sla-test", title: str = TITLE, owner: str = "U0BILL",
                opened: datetime = OPENED, hours: float = 8, alone: bool = True) -> int:
    """An open ticket of `owner`'s (a Slack user id) on one of Ryan's services, due `hours` after it was
    opened; `alone`: the demo's open tickets are resolved first, so only the new one is warned of."""
    with workspace.sessions.begin() as session:
        person = session.scalars(select(Person).where(Person.slack_user_id == owner)).one()
        ryan = session.scalars(select(Person).where(Person.slack_user_id == "U0RYAN")).one()
        service = session.scalars(select(Service).where(Service.owner_id == ryan.id).order_by(Service.id)).first()
        customer = session.get(Customer, service.customer_id)
        for other in session.scalars(select(Ticket).where(Ticket.resolved_at.is_(None))) if alone else ():
            other.resolved_at = opened - timedelta(minutes=1)
        row = Ticket(team_id=TEAM, key=key, customer_id=customer.id, service_id=service.id, title=title,
                     type="incident", priority="high", owner_id=person.id, opened_at=opened,
                     due_at=opened + timedelta(hours=hours))
        session.add(row)
        session.flush()
        return row.id


@pytest.fixture
def ticket(workspace):
    """An open ticket of Bill's on one of Ryan's services, due eight hours after it was opened; the
    demo's own open tickets are resolved, so only this one is warned of."""
    return open_ticket(workspace)


def at(workspace, hours: float):
    return replace(workspace, clock=FixedClock(OPENED + timedelta(hours=hours)))


def tick(slack, workspace, hours: float):
    slack.reset()
    report = run_warnings(WebClient(token="xoxb-test", base_url=slack.api_url), at(workspace, hours))
    return report, slack.calls_to("chat.postMessage"), slack.calls_to("chat.update")


def blocks_of(call) -> list[dict]:
    blocks = call.params["blocks"]
    return json.loads(blocks) if isinstance(blocks, str) else blocks


def buttons(call) -> list[str]:
    return [element["text"]["text"] for block in blocks_of(call) if block["type"] == "actions"
            for element in block["elements"]]


def test_a_ticket_is_warned_at_each_threshold_with_one_message_per_place(slack, workspace, ticket):
    _, posts, updates = tick(slack, workspace, 1)
    assert posts == [] and updates == []

    report, posts, updates = tick(slack, workspace, 4)
    assert [call.params["channel"] for call in posts] == ["U0BILL"], "50%: the owner alone"
    assert "50% of SLA gone, 4 h left" in posts[0].params["text"] and TITLE in posts[0].params["text"]
    assert buttons(posts[0]) == ["Assign to me", "Resolve", "Snooze warnings", "Mute this service for a week"]
    assert updates == [] and report.sent == [f"ticket {ticket} at 50%"]

    _, posts, updates = tick(slack, workspace, 4.5)
    assert posts == [] and updates == [], "nothing new between thresholds"

    _, posts, updates = tick(slack, workspace, 6)
    assert [call.params["channel"] for call in posts] == ["U0RYAN"], "75%: the lead as well, the owner updated"
    assert len(updates) == 1 and updates[0].params["channel"].startswith("D"), "Bill's DM, updated in place"
    assert "75% of SLA gone, 2 h left" in updates[0].params["text"]

    with workspace.sessions.begin() as session:
        subscribe(session, at(workspace, 6).context(), digest="sla-warnings", channel_id="C0SLA", at_time="00:00",
                  days="daily", timezone="UTC")
    _, posts, updates = tick(slack, workspace, 8)
    assert [call.params["channel"] for call in posts] == ["C0OPS", "C0SLA"], "breached: the subscribed channels"
    assert "SLA breached" in posts[0].params["text"]
    assert len(updates) == 2 and all("SLA breached" in call.params["text"] for call in updates), "both DMs"

    _, posts, updates = tick(slack, workspace, 9)
    assert posts == [] and updates == []
    with workspace.sessions() as session:
        assert [(level, status) for t, level, status in warnings_of(session, at(workspace, 9).context())
                if t == ticket] == [(50, "sent"), (75, "sent"), (100, "sent")]


def test_a_resolved_ticket_says_so_in_every_place_and_loses_its_buttons(slack, workspace, ticket):
    tick(slack, workspace, 4)
    later = at(workspace, 5)
    with later.sessions.begin() as session:
        version = session.get(Ticket, ticket).version
    applied = later.change(resolve_ticket, actor_slack_user_id="U0BILL", ticket_id=ticket, version=version,
                           note="Replaced the toner")
    slack.reset()
    client = WebClient(token="xoxb-test", base_url=slack.api_url)
    assert refresh_posted(client, later, objects=[("ticket", applied.object_id)], skip=None) == 1
    update = slack.calls_to("chat.update")[0]
    assert "Resolved 3 h before its SLA" in update.params["text"]
    assert buttons(update) == []
    _, posts, updates = tick(slack, workspace, 7)
    assert posts == [] and updates == [], "a resolved ticket is never warned again"


def test_a_ticket_resolved_before_its_first_threshold_is_never_warned(slack, workspace, ticket):
    applied = at(workspace, 3).change(resolve_ticket, actor_slack_user_id="U0BILL", ticket_id=ticket, version=1,
                                      note="Fixed")
    assert applied.to_value == "resolved"
    for hours in (4, 6, 8, 9):
        _, posts, updates = tick(slack, workspace, hours)
        assert posts == [] and updates == []


def test_an_unowned_ticket_warns_the_services_lead_first(slack, workspace, ticket):
    with workspace.sessions.begin() as session:
        session.get(Ticket, ticket).owner_id = None
    _, posts, _ = tick(slack, workspace, 4)
    assert [call.params["channel"] for call in posts] == ["U0RYAN"]
    assert "_unassigned_" in json.dumps(blocks_of(posts[0]))


def test_user_text_in_a_warning_is_escaped(slack, workspace, ticket):
    with workspace.sessions.begin() as session:
        session.get(Ticket, ticket).title = "Call <!channel> now <https://evil.example|here>"
    _, posts, _ = tick(slack, workspace, 4)
    text = posts[0].params["text"] + json.dumps(blocks_of(posts[0]))
    assert "<!channel>" not in text and "<https://evil.example" not in text
    assert "&lt;!channel&gt;" in posts[0].params["text"]


def test_the_demo_has_tickets_at_60_and_80_percent_and_one_that_breaches_this_evening(slack, demo_engine):
    """Loaded on a Wednesday at 15:00: no ticket is overdue; the warnings go to the owners' DMs; at 19:00
    the ticket due at 18:00 has breached and the demo's ops channel (subscribed to sla-warnings) hears."""
    workspace = single_workspace(load_settings(), demo_engine, FixedClock(WEDNESDAY))
    client = WebClient(token="xoxb-test", base_url=slack.api_url)
    slack.reset()
    run_warnings(client, workspace)
    texts = sorted(call.params["text"].split(":")[0] for call in slack.calls_to("chat.postMessage"))
    assert texts == ["50% of SLA gone, 1 day 9 h left", "75% of SLA gone, 3 h left",
                     "75% of SLA gone, 9 h 27 min left"]
    assert {call.params["channel"] for call in slack.calls_to("chat.postMessage")} <= {"U0RYAN", "U0CHRIS",
                                                                                         "U0PRIYA"}
    slack.reset()
    run_warnings(client, replace(workspace, clock=FixedClock(WEDNESDAY.replace(hour=19))))
    (breach,) = slack.calls_to("chat.postMessage")
    assert breach.params["channel"] == "C0OPS" and breach.params["text"].startswith("SLA breached 1 h ago")
    assert len(slack.calls_to("chat.update")) == 1, "the owner's DM says breached too"


# -- quiet hours and mutes: held, never lost --------------------------------------------------------


def test_a_warning_in_its_readers_quiet_hours_is_held_for_the_morning_digest(slack, demo_engine, ticket):
    # Opened 16:00 UTC, due midnight: 50% at 20:00, inside the default quiet hours (20:00-08:00 in UTC,
    # the organisation's zone, since the demo's people have no Slack time zone).
    quiet = single_workspace(load_settings(), demo_engine, FixedClock(OPENED))
    report, posts, updates = tick(slack, quiet, 4)
    assert posts == [] and updates == [] and report.held == 1 and report.sent == [f"ticket {ticket} at 50%"]
    with quiet.sessions() as session:
        ledger = [(level, status) for t, level, status in warnings_of(session, at(quiet, 4).context()) if t == ticket]
    assert ledger == [(50, "held")]

    morning = at(quiet, 16.5)  # Thursday 08:30
    digest = build_digest(DigestKind.PERSONAL, morning, slack_user_id="U0BILL")
    assert digest is not None and "SLA warnings kept from your DMs since yesterday (1)" in json.dumps(
        digest.block_dicts())
    assert TITLE in json.dumps(digest.block_dicts()) and "held for quiet hours" in json.dumps(digest.block_dicts())
    at_risk = morning.read(at_risk_report)
    assert [(h.ticket_id, h.place, h.reason.value) for h in at_risk.held] == [(ticket, "U0BILL",
                                                                                      "quiet_hours")]
    assert "SLA warnings not sent by DM" in json.dumps(at_risk_message(at_risk, UTC_ZONE).block_dicts())


def test_a_person_who_muted_the_service_is_not_sent_its_warnings_for_a_week(slack, workspace, ticket):
    muted = at(workspace, 1).change(mute_service_warnings, actor_slack_user_id="U0BILL", ticket_id=ticket)
    assert muted.until == OPENED + timedelta(hours=1, days=7)
    report, posts, _ = tick(slack, workspace, 4)
    assert posts == [] and report.held == 1, "Bill muted it: held"
    _, posts, _ = tick(slack, workspace, 6)
    assert [call.params["channel"] for call in posts] == ["U0RYAN"], "Ryan did not mute it"
    with workspace.sessions() as session:
        held = session.scalars(select(HeldWarning.reason).where(HeldWarning.ticket_id == ticket)).all()
    assert held == ["muted", "muted"]


def test_someone_not_in_the_portfolio_cannot_mute(workspace, ticket):
    with pytest.raises(ChangeRefused):
        workspace.change(mute_service_warnings, actor_slack_user_id="U0NOBODY", ticket_id=ticket)


def test_past_a_channels_hourly_budget_warnings_roll_into_one_summary_updated_in_place(slack, demo_engine, ticket):
    """Budget 1 an hour: the first breach is posted, the next ones are listed in the hour's summary."""
    tight = single_workspace(load_settings(delivery_quiet_hours="", delivery_channel_warnings_per_hour=1),
                             demo_engine, FixedClock(OPENED))
    with tight.sessions.begin() as session:
        first = session.get(Ticket, ticket)
        for n, minutes in enumerate((0, 10, 40)):  # due 8 h in, and 10 and 40 minutes later
            session.add(Ticket(team_id=TEAM, key=f"sla-more-{n}", customer_id=first.customer_id,
                               service_id=first.service_id, title=f"Follow-up {n}", type="incident",
                               priority="high", owner_id=first.owner_id, opened_at=OPENED,
                               due_at=OPENED + timedelta(hours=8, minutes=minutes)))
    tick(slack, tight, 7.9)  # the warnings before the breach, by DM
    _, posts, updates = tick(slack, tight, 8.1)  # two tickets breached at 8 h: one post, one summary
    channel_posts = [call for call in posts if call.params["channel"] == "C0OPS"]
    assert [call.params["text"].split(":")[0] for call in channel_posts] == [
        "SLA breached 6 min ago", "And 1 more SLA warning this hour"]
    summary_ts = channel_posts[1].response["ts"]
    _, posts, updates = tick(slack, tight, 8.4)  # the third breaches at 8 h 10: the summary is updated
    assert [call.params["channel"] for call in posts if call.params["channel"] == "C0OPS"] == []
    (updated,) = [call for call in updates if call.params["channel"] == "C0OPS"]
    assert updated.params["ts"] == summary_ts and updated.params["text"] == "And 2 more SLA warnings this hour"
    at_risk = at(tight, 8.5).read(at_risk_report)
    assert {h.reason.value for h in at_risk.held} == {"rolled_up"} and at_risk.held_total == 2
