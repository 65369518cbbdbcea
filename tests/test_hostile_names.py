"""Names are shown, never interpreted: mention and link markup in anything a person or a CSV
supplied reaches Slack escaped, on every surface.

The demo portfolio is loaded, then every name and free text in it is made hostile: customers,
services, projects, people, milestones, deliverables, block reasons, action notes, override
reasons, appointments, tickets (titles, types, priorities, resolution notes), tasks, audit reasons
and values, and some people's Slack ids (as a CSV import could set them). Each carries
`<!channel>`, `<!here>`, `<@UEVIL1>`, `<#CEVIL1>`, `<!subteam^SEVIL>`,
`<https://evil.example|Portal>` and `&`. Then every command (and usage errors with hostile typed
text), App Home, every digest, the modals the bot opens, the notes a change sends, the messages a
change rebuilds, the ops notice of a failed digest and the share-in-channel flow run over it, and
everything that would reach Slack is checked: the top-level `text` and every string shown in the
blocks and views, recursively (`shown_strings`).

What is checked (`assert_clean`): the only markup is the bot's own (`<@U…>` for well-formed Slack
ids, `<#C…>`, `<!date^…>` tokens); every `&` starts one of the three entities Slack decodes; and
nothing is escaped twice (`&amp;lt;` would be read by people). Strings Slack never shows are left
out: button and option values, private_metadata, ids, and a text input's `initial_value` (the
person's own text, given back to edit, which Slack does not parse).

The in-process tests run on SQLite and PostgreSQL (the `engine` fixture); the end-to-end ones run
`delivery-bot serve` and `delivery-bot digest run-due` against the fake Slack, on both databases.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from support import TEAM, UTC, WEDNESDAY

from bot.app import single_workspace
from bot.settings import load_settings
from bot.terminal import render_message
from handlers.commands.delivery import reply_for
from handlers.deliverable_moves import apply_move
from handlers.events.app_home import home_blocks
from handlers.rerender import Origin, render_view
from handlers.service_changes import modal_meta
from handlers.ticket_changes import apply_ticket_action
from handlers.views.block_deliverable import block_modal
from handlers.views.flag_service import apply_flag, flag_modal
from handlers.views.resolve_ticket import resolve_modal
from handlers.views.service_health import HealthForm, apply_health, health_modal
from messages.blocks.common import escape, escape_clipped, user_mention
from messages.blocks.service_actions import flag_note
from messages.ids import (
    ActionId,
    DeliverableMoveValue,
    HealthChoice,
    ServiceActionValue,
    TicketAction,
    TicketActionValue,
    ViewKind,
    ViewRef,
)
from messages.views import build_digest
from store.changes.deliverables import escalate_deliverable, snooze_deliverable
from store.changes.reallocation import decide_reallocation, propose_reallocation
from store.changes.services import FlagNote
from store.changes.tickets import check_ticket_change
from store.clock import FixedClock
from store.context import QueryContext
from store.db import make_sessionmaker
from store.demo import load_demo
from store.demo.build import KEY_PREFIX
from store.digests import subscribe
from store.enums import DigestKind, Surface
from store.health import refresh_kept
from store.health.rules import HealthThresholds
from store.models import (
    Appointment,
    Customer,
    Deliverable,
    EscalationStep,
    Milestone,
    Person,
    Project,
    Service,
    StatusChange,
    Task,
    Ticket,
)
from store.queries.deliverable import deliverable_name
from store.queries.posted import remember_message
from store.queries.service_card import service_card, service_refs
from store.rules.transitions import Move

# Every kind of markup Slack would act on, and a bare ampersand.
TOKENS = ("<!channel>", "<!here>", "<@UEVIL1>", "<#CEVIL1>", "<!subteam^SEVIL>", "<https://evil.example|Portal>")
HOSTILE = "& " + " ".join(TOKENS)
# For the short columns: a ticket's type (32 characters), priority (16) and audit values (64).
SHORT = "<!here>&<@UEVIL1>"
# A Slack id column holds whatever a CSV put there; these would end a `<@…>` early and start markup.
HOSTILE_SLACK_IDS = {"U0CHRIS": "U1|<!here>&<@UEVIL1>", "U0MARCUS": "U2><!channel><#CEVIL1",
                     "U0ELENA": "U3 <!subteam^SEVIL>"}
HOSTILE_CHANNEL = "C1>|<!channel> <@UEVIL1>"
# What the bot itself writes: mentions of well-formed ids, channel links, date tokens.
BOT_MARKUP = re.compile(r"<@[A-Z0-9]+>|<#[A-Z0-9]+>|<!date\^\d+\^[^|<>]*\|[^<>]*>")
BARE_AMPERSAND = re.compile(r"&(?!amp;|lt;|gt;)")
ESCAPED_TWICE = ("&amp;amp;", "&amp;lt;", "&amp;gt;")
ESCAPED = escape(HOSTILE)
# Keys whose strings Slack never shows (see the module's docstring).
NOT_SHOWN = frozenset({"value", "private_metadata", "action_id", "block_id", "callback_id", "initial_value",
                       "initial_date", "type", "external_id", "url", "image_url"})

RENAMED: dict[type, tuple[str, ...]] = {
    Customer: ("name",),
    Service: ("name", "action_note", "health_override_reason"),
    Project: ("name",),
    Person: ("name",),
    Milestone: ("name",),
    Deliverable: ("name", "blocked_reason"),
    Appointment: ("title",),
    Ticket: ("title", "resolution_note"),
    Task: ("title",),
    StatusChange: ("reason",),
}


# -- the hostile portfolio ---------------------------------------------------------------------


def make_hostile(engine, now: datetime) -> None:
    """Append HOSTILE to every name and free text of workspace TEAM (filling empty ones too)."""
    with Session(engine) as session, session.begin():
        for model, attributes in RENAMED.items():
            for row in session.scalars(select(model).where(model.team_id == TEAM)):
                for attribute in attributes:
                    value = getattr(row, attribute)
                    setattr(row, attribute, f"{value} {HOSTILE}" if value else HOSTILE)
        for ticket in session.scalars(select(Ticket).where(Ticket.team_id == TEAM)):
            ticket.type = f"{ticket.type[:8]} {SHORT}"
            ticket.priority = f"{ticket.priority[:6]}<!here>&"
        for person in session.scalars(select(Person).where(Person.team_id == TEAM)):
            person.slack_user_id = HOSTILE_SLACK_IDS.get(person.slack_user_id, person.slack_user_id)
        # A blocker category the bot does not know (a hand-edited row): shown as it is, escaped.
        for blocked in session.scalars(select(Deliverable).where(Deliverable.team_id == TEAM,
                                                                 Deliverable.blocked_category.is_not(None))):
            blocked.blocked_category = SHORT
        for change in session.scalars(select(StatusChange).where(StatusChange.team_id == TEAM,
                                                                 StatusChange.blocker_category.is_not(None))):
            change.blocker_category = SHORT
        # An audited ticket change whose values name people (the audit keeps a name when there is no id).
        delta = session.scalars(select(Service).join(Customer).where(Customer.name.startswith("Delta Corp"))).one()
        ticket = session.scalars(select(Ticket).where(Ticket.service_id == delta.id)).first()
        chris = session.scalars(select(Person).where(Person.name.startswith("Chris"))).one()
        ryan = session.scalars(select(Person).where(Person.slack_user_id == "U0RYAN")).one()
        # An overdue ticket of Ryan's, so the overdue-tickets digest and his personal digest list one.
        session.add(Ticket(team_id=TEAM, key=f"{KEY_PREFIX}hostile-overdue", customer_id=delta.customer_id,
                           service_id=delta.id, title=f"Export fails {HOSTILE}", type=f"issue {SHORT}",
                           priority="high<!here>&", owner_id=ryan.id, opened_at=now - timedelta(days=3),
                           due_at=now - timedelta(hours=5)))
        session.add(StatusChange(team_id=TEAM, object_type="ticket", object_id=ticket.id, field="owner",
                                 from_value=SHORT, to_value=f"<!channel> & <#CEVIL1> {SHORT}", reason=HOSTILE,
                                 changed_by_id=chris.id, changed_by_slack_user_id=chris.slack_user_id,
                                 surface=Surface.SLACK, changed_at=now - timedelta(hours=1)))


def load_hostile_demo(engine, now: datetime) -> None:
    """The demo, made hostile, then its tallies and kept health refreshed as `load_demo_at` does."""
    with Session(engine) as session, session.begin():
        load_demo(session, team_id=TEAM, now=now, tz=UTC)
    make_hostile(engine, now)
    assert refresh_kept(make_sessionmaker(engine), QueryContext(TEAM, now, UTC, HealthThresholds()))


@pytest.fixture
def hostile_engine(engine):
    load_hostile_demo(engine, WEDNESDAY)
    return engine


@pytest.fixture
def workspace(hostile_engine):
    return single_workspace(load_settings(), hostile_engine, FixedClock(WEDNESDAY))


# -- what reaches Slack, and the check -----------------------------------------------------------


def shown_strings(payload: Any, key: str | None = None) -> Iterator[str]:
    """Every string Slack would show from a message, view or call: recursively, leaving out NOT_SHOWN."""
    if key in NOT_SHOWN:
        return
    if isinstance(payload, str):
        yield payload
    elif isinstance(payload, dict):
        for name, value in payload.items():
            yield from shown_strings(value, name)
    elif isinstance(payload, (list, tuple)):
        for value in payload:
            yield from shown_strings(value, key)


def assert_clean(payload: Any, where: str) -> str:
    """No markup but the bot's own, no bare `&`, nothing escaped twice; returns the strings, joined."""
    strings = list(shown_strings(payload))
    for text in strings:
        for token in TOKENS:
            assert token not in text, f"{where}: raw {token} in {text!r}"
        leftover = BOT_MARKUP.sub("", text)
        assert "<" not in leftover and ">" not in leftover, f"{where}: markup in {text!r}"
        assert not BARE_AMPERSAND.search(text), f"{where}: a bare & in {text!r}"
        for twice in ESCAPED_TWICE:
            assert twice not in text, f"{where}: escaped twice in {text!r}"
    return "\n".join(strings)


def sent(reply) -> dict:
    """A Reply as Slack receives it: the top-level text and the blocks."""
    return {"text": reply.text, "blocks": reply.block_dicts()}


def assert_reply_clean(reply, where: str, *, shows_hostile: bool = True) -> str:
    everything = assert_clean(sent(reply), where)
    if shows_hostile:
        assert "&lt;!" in everything, f"{where}: shows no hostile name at all, so proves nothing"
    return everything


class Recorder:
    """A WebClient stand-in that records every call; what a change sends goes through it."""

    def __init__(self):
        self.calls: list[tuple[str, dict]] = []

    def __getattr__(self, method: str):
        def call(**params):
            self.calls.append((method, params))
            return {"ok": True, "channel": params.get("channel"), "ts": "1700000000.000100"}
        return call


# -- commands, App Home, digests, re-rendered views (in process, both databases) -----------------

COMMANDS = [
    "status", "status Delta", "status corp", "status Precision", "status zzqq <!channel> & <https://evil.example|x>",
    "service Quartz", "capacity", "at-risk", "tickets", "tickets by customer", "tickets by type",
    "tickets by owner", "milestones", "milestones this week", "mine",
    "history Delta", "history corp", "customers", "patterns", "patterns 8 weeks",
]
# Answers that name nothing from the portfolio (checked all the same).
NAMELESS = ["subscriptions", "help", "milestones next week", "milestones overdue"]
# Typed text that is not a command, and whether the usage answer quotes it.
TYPED = [
    ("<!channel> & <@UEVIL1> <#CEVIL1> <!subteam^SEVIL> <https://evil.example|Portal>", True),
    ("tickets by <!here>", True), ("milestones <https://evil.example|Portal>", True),
    ("capacity <!channel> & more", True), ("subscribe <!here>", True), ("unsubscribe <@UEVIL1>", True),
    ("subscribe at-risk 25:99&<!here>", False), ("subscribe at-risk Mars/<!channel>", False),
    ("digest <!subteam^SEVIL>", False), ("history", False), ("mine <!here>", True),
]


def test_every_command_answer_is_escaped(workspace):
    for text in COMMANDS + NAMELESS:
        reply = reply_for(workspace, text, "U0RYAN", channel_id="C0OPS")
        assert_reply_clean(reply, f"/delivery {text}", shows_hostile=text not in NAMELESS)


def test_every_answer_to_typed_text_quotes_it_escaped(workspace):
    for text, quoted in TYPED:
        reply = reply_for(workspace, text, "U0RYAN", channel_id="C0OPS")
        everything = assert_reply_clean(reply, f"/delivery {text}", shows_hostile=False)
        if quoted:
            assert "&lt;" in reply.text, f"the notification text quotes what was typed: {reply.text!r}"
            assert "&lt;" in everything


def test_the_fallback_text_of_cards_and_summaries_names_the_hostile_service_escaped(workspace):
    card = reply_for(workspace, "status Delta", "U0RYAN")
    assert card.text.startswith(escape_clipped("Delta Corp " + HOSTILE, 999)), card.text
    for text in ("status", "at-risk"):
        reply = reply_for(workspace, text, "U0RYAN")
        assert f"Delta Corp {ESCAPED}" in reply.text, (text, reply.text)
    usage = reply_for(workspace, "zap <!channel> & <https://evil.example|Portal>", "U0RYAN")
    assert usage.text == ("I don't know '/delivery zap &lt;!channel&gt; &amp; &lt;https://evil.example|Portal&gt;'. "
                          "Try /delivery status.")


def test_subscribing_a_channel_with_a_malformed_id_shows_the_id_escaped(workspace):
    made = reply_for(workspace, "subscribe at-risk", "U0DANA", channel_id=HOSTILE_CHANNEL)
    assert_clean(sent(made), "subscribe")
    assert f"`{escape(HOSTILE_CHANNEL)}`" in made.text
    listed = reply_for(workspace, "subscriptions", "U0DANA", channel_id="C0OPS")
    assert_clean(sent(listed), "subscriptions")
    gone = reply_for(workspace, "unsubscribe at-risk", "U0DANA", channel_id=HOSTILE_CHANNEL)
    assert_clean(sent(gone), "unsubscribe")


def test_app_home_is_escaped(workspace):
    for user in ("U0RYAN", "U0DANA", "U0NOBODY"):
        blocks = home_blocks(workspace, user)
        everything = assert_clean(blocks, f"App Home of {user}")
        if user != "U0NOBODY":
            assert "&lt;!channel&gt;" in everything


def test_every_digest_and_every_rebuilt_view_is_escaped(workspace):
    for kind in DigestKind:
        for all_clear in (False, True):
            reply = build_digest(kind, workspace, slack_user_id="U0RYAN", all_clear=all_clear)
            assert reply is not None, kind
            assert_reply_clean(reply, f"{kind} digest")
    overdue = build_digest(DigestKind.OVERDUE_TICKETS, workspace)
    assert overdue.text.startswith(f"1 overdue ticket; the oldest, Delta Corp {ESCAPED}, is 5 h overdue."), \
        overdue.text
    cards = [ViewRef(k=ViewKind.CARD, s=service_id) for service_id in workspace.read(service_refs)]
    with workspace.sessions() as session:
        tickets = session.scalars(select(Ticket.id).where(Ticket.team_id == workspace.team_id)).all()
        milestones = session.scalars(select(Milestone.id).where(Milestone.team_id == workspace.team_id)).all()
    warnings = [ViewRef(k=ViewKind.SLA_WARNING, t=ticket_id) for ticket_id in tickets]
    slips = [ViewRef(k=ViewKind.SLIP_WARNING, ms=milestone_id) for milestone_id in milestones]
    proposals = [ViewRef(k=ViewKind.REALLOCATION, p=proposal_id) for proposal_id in hostile_proposals(workspace)]
    plain = [ViewRef(k=kind) for kind in ViewKind if kind not in (ViewKind.CARD, ViewKind.SLA_WARNING,
                                                                   ViewKind.SLA_ROLLUP, ViewKind.SLIP_WARNING,
                                                                   ViewKind.REALLOCATION, ViewKind.ESCALATION,
                                                                   ViewKind.SNOOZE_RETURN)]
    summary = ViewRef(k=ViewKind.SLA_ROLLUP, c="C0OPS", h=int(workspace.clock.now().timestamp()) // 3600)
    escalations = [ViewRef(k=ViewKind.ESCALATION, es=step_id) for step_id in hostile_escalations(workspace)]
    returns = [ViewRef(k=ViewKind.SNOOZE_RETURN, d=escalated) for escalated in hostile_snoozes(workspace)]
    views = plain + cards + warnings + slips + proposals + escalations + returns + [summary]
    assert escalations and returns, "the hostile portfolio has an escalated deliverable, snoozed"
    assert slips, "the hostile portfolio has milestones"
    for view in views:
        reply, _command = render_view(workspace, view, "U0RYAN")
        assert_clean(sent(reply), f"rebuilt {view.k}")


# -- modals, change notes and rebuilt messages (in process, both databases) ---------------------


def menu_values(reply, action: ActionId) -> list[dict]:
    return [json.loads(option["value"]) for block in reply.block_dicts()
            for option in (block.get("accessory") or {}).get("options", [])
            if (block.get("accessory") or {}).get("action_id", "").startswith(f"{action.value}:")]


def button_value(reply, action: ActionId) -> dict:
    (value,) = [json.loads(e["value"]) for b in reply.block_dicts() if b["type"] == "actions"
                for e in b["elements"] if e["action_id"] == action.value]
    return value


def channel_origin(user: str) -> Origin:
    return Origin(user_id=user, channel_id="C0OPS", ts="1700000000.000900", ephemeral=False, in_home=False,
                  response_url=None)


def test_the_modals_show_names_escaped(workspace):
    card = reply_for(workspace, "status Delta", "U0RYAN")
    origin = channel_origin("U0RYAN")
    moves = [DeliverableMoveValue.model_validate(v) for v in menu_values(card, ActionId.DELIVERABLE_MOVE) if "m" in v]
    block = next(v for v in moves if v.m == Move.BLOCK)
    modal = block_modal(block, origin, workspace.read(deliverable_name, deliverable_id=block.d))
    assert ESCAPED in assert_clean(modal, "Block modal")

    tickets = [TicketActionValue.model_validate(v) for v in menu_values(card, ActionId.TICKET_ACTION)]
    resolve = next(v for v in tickets if v.a == TicketAction.RESOLVE)
    title = workspace.read(check_ticket_change, actor_slack_user_id="U0DANA", ticket_id=resolve.t, version=resolve.v)
    assert ESCAPED in assert_clean(resolve_modal(resolve, origin, title), "Resolve modal")

    service = ServiceActionValue.model_validate(button_value(card, ActionId.UPDATE_HEALTH))
    # With an override active, the modal is filled in with its issue and shows the latest action.
    apply_health(Recorder(), workspace, origin, modal_meta(service, origin), HealthForm(
        choice=HealthChoice.AT_RISK, issue=f"Sponsor left {HOSTILE}", action=f"Called {HOSTILE}",
        until=WEDNESDAY.date() + timedelta(days=7)))
    current = workspace.read(service_card, service_id=service.s)
    modal = health_modal(ServiceActionValue(s=service.s, v=current.version, w=service.w), origin, current, UTC)
    everything = assert_clean(modal, "Update health modal")
    assert ESCAPED in everything and f"Now: Called {escape(HOSTILE)}"[:140] in everything
    label = workspace.read(service_refs, only=service.s)[service.s].label
    assert ESCAPED in assert_clean(flag_modal(service, origin, label, "C0CUSTORG"), "Flag modal")


def test_notes_and_rebuilt_messages_of_changes_are_escaped(workspace):
    card = reply_for(workspace, "status Delta", "U0RYAN")
    # A copy shared in a channel, so a change rebuilds it too.
    workspace.change(remember_message, channel_id="C0OPS", ts="1700000000.000500", view=card.view.model_dump_json(),
                     viewer_slack_user_id="U0RYAN", objects=card.shows)
    client = Recorder()
    moves = [DeliverableMoveValue.model_validate(v) for v in menu_values(card, ActionId.DELIVERABLE_MOVE) if "m" in v]
    start = next(v for v in moves if v.m in (Move.START, Move.COMPLETE))
    apply_move(client, workspace, channel_origin("U0NOBODY"), start)  # refused: who can, with the lead's name
    apply_move(client, workspace, channel_origin("U0RYAN"), start)  # applied: the card and its copy rebuilt
    apply_move(client, workspace, channel_origin("U0RYAN"), start)  # stale: "Already … by …"

    tickets = [TicketActionValue.model_validate(v) for v in menu_values(card, ActionId.TICKET_ACTION)]
    assign = next(v for v in tickets if v.a == TicketAction.ASSIGN)
    apply_ticket_action(client, workspace, channel_origin("U0DANA"), assign)  # Dana takes it
    apply_ticket_action(client, workspace, channel_origin("U0RYAN"), assign)  # stale: "assigned to Dana …"
    again = TicketActionValue(a=TicketAction.ASSIGN, t=assign.t, v=assign.v + 1, w=assign.w)
    apply_ticket_action(client, workspace, channel_origin("U0DANA"), again)  # invalid: "'…' is already yours"

    service = ServiceActionValue.model_validate(button_value(card, ActionId.FLAG_SERVICE))
    origin = channel_origin("U0RYAN")
    apply_flag(client, workspace, origin, modal_meta(service, origin), f"Exec review {HOSTILE}", "C0CUSTORG")

    methods = [method for method, _params in client.calls]
    assert {"chat_postEphemeral", "chat_update", "chat_postMessage"} <= set(methods), methods
    for method, params in client.calls:
        assert_clean(params, method)
    told = [params["text"] for method, params in client.calls if method == "chat_postEphemeral"]
    assert any("Dana Whitfield " + ESCAPED in text for text in told), told
    assert any(ESCAPED in text and "is already yours" in text for text in told), told
    assert any(text.startswith("You are not linked") and ESCAPED in text for text in told), told
    (note,) = [params for method, params in client.calls if method == "chat_postMessage"
               and params.get("channel") == "C0CUSTORG"]
    assert ESCAPED in note["text"] and "<@U0RYAN> flagged" in note["text"]
    rebuilt = [params for method, params in client.calls if method == "chat_update"]
    assert {params["ts"] for params in rebuilt} >= {"1700000000.000500", "1700000000.000900"}, \
        "the clicked card and its shared copy are rebuilt"
    assert all(ESCAPED in params["text"] for params in rebuilt)


# -- Find help and reallocation proposals (issue 21) --------------------------------------------------

def demo_ids(workspace) -> dict[str, int]:
    with workspace.sessions() as session:
        return {key.removeprefix(KEY_PREFIX): row_id for model in (Person, Service)
                for row_id, key in session.execute(select(model.id, model.key).where(model.team_id == TEAM))}


def hostile_proposals(workspace) -> list[int]:
    """Proposals on the hostile Gamma, with a hostile note: one pending, one approved, one declined (by
    Dana: ops may do both, and her Slack id is a well-formed one)."""
    ids = demo_ids(workspace)
    made = [workspace.change(propose_reallocation, actor_slack_user_id="U0DANA", service_id=ids["service-gamma"],
                             person_id=ids[f"person-{who}"], hours_per_week=8, ends_on=WEDNESDAY.date() + timedelta(7),
                             note=f"Please {HOSTILE}").proposal_id for who in ("bill", "marcus", "elena")]
    workspace.change(decide_reallocation, actor_slack_user_id="U0DANA", proposal_id=made[1], version=1, approve=True)
    workspace.change(decide_reallocation, actor_slack_user_id="U0DANA", proposal_id=made[2], version=1, approve=False)
    return made


def test_the_flag_note_and_mentions_of_malformed_ids(workspace):
    note = flag_note(FlagNote(service_id=1, customer_name=f"Delta {HOSTILE}", service_name=HOSTILE,
                              flagged_by_slack_user_id="U0BILL", reason=HOSTILE))
    assert_reply_clean(note, "flag note")
    assert user_mention("U0BILL") == "<@U0BILL>"
    assert user_mention(HOSTILE_SLACK_IDS["U0CHRIS"], "Chris & Co") == "Chris &amp; Co"
    assert user_mention(HOSTILE_SLACK_IDS["U0CHRIS"]) == escape(HOSTILE_SLACK_IDS["U0CHRIS"])


def test_people_read_each_name_as_it_was_typed(workspace):
    """Escaped exactly once: decoded once (as Slack and the terminal renderer do), the text is the name
    itself, in plain_text headers as in mrkdwn, never `&amp;` or `&lt;`."""
    for text in ("status Delta", "mine", "history Delta", "at-risk"):
        reply = reply_for(workspace, text, "U0RYAN")
        shown = render_message(reply.block_dicts(), reply.text)
        assert f"Delta Corp {HOSTILE}"[:60] in shown or f"Ryan Ortiz {HOSTILE}"[:60] in shown, (text, shown)
        assert "&amp;" not in shown and "&lt;" not in shown and "&gt;" not in shown, (text, shown)
    header = reply_for(workspace, "status Delta", "U0RYAN").block_dicts()[0]["text"]["text"]
    decoded = header.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    assert len(header) <= 150 and decoded.endswith("…"), "clipped to Slack's header limit, escaped"
    assert decoded.startswith(f"Delta Corp {HOSTILE} · Integrat"), decoded


def test_escape_clipped_never_cuts_an_entity():
    assert escape_clipped("<!here>", 150) == "&lt;!here&gt;"
    for limit in range(2, 30):
        clipped = escape_clipped("a<b&c>" * 10, limit)
        assert len(clipped) <= limit and not re.search(r"&[a-z]*…", clipped), (limit, clipped)


# -- a blocked deliverable followed through: escalations and snoozes (issue 21) ---------------------------


def hostile_sso(workspace) -> Deliverable:
    with workspace.sessions() as session:
        return session.scalars(select(Deliverable).where(Deliverable.name.startswith("SSO integration"))).one()


def hostile_escalations(workspace) -> list[int]:
    """Delta's SSO deliverable escalated by hand to its last step (the channels), with a hostile note: its
    steps' ids (the demo's two, and this one)."""
    workspace.change(subscribe, digest="escalations", channel_id="C0OPS", timezone="UTC")
    sso = hostile_sso(workspace)
    workspace.change(escalate_deliverable, actor_slack_user_id="U0RYAN", deliverable_id=sso.id, version=sso.version,
                     note=f"Exec sponsor please {HOSTILE}")
    with workspace.sessions() as session:
        return list(session.scalars(select(EscalationStep.id).where(EscalationStep.deliverable_id == sso.id)))


def hostile_snoozes(workspace) -> list[int]:
    """Delta's SSO deliverable snoozed with a hostile reason: the deliverables snoozed."""
    sso = hostile_sso(workspace)
    workspace.change(snooze_deliverable, actor_slack_user_id="U0RYAN", deliverable_id=sso.id, version=sso.version,
                     until=WEDNESDAY + timedelta(days=1), reason=f"Waiting for {HOSTILE}")
    return [sso.id]
