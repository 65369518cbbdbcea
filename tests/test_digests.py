"""The scheduled digests' contents: what each one shows on the demo, that nothing is posted empty,
that rows keep their menus, that user text is escaped, and that size and statement counts hold
at 300 services. (Scheduling, the ledger and posting are tested with the runner.)"""

from __future__ import annotations

import json
import re
from datetime import timedelta

import jinja2
import pytest
from query_count import count_statements
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from support import TEAM, UTC, WEDNESDAY

from bot.app import single_workspace
from bot.settings import load_settings
from handlers.rerender import refresh_posted, render_view
from messages.blocks.common import MAX_MESSAGE_BLOCKS, MAX_SECTION_TEXT
from messages.digests.copy import say
from messages.ids import (
    ActionId,
    DeliverableFollowValue,
    DeliverableMoveValue,
    FollowAction,
    RowOption,
    TicketActionValue,
    ViewKind,
    ViewRef,
)
from messages.views import DIGEST_FIGURES, build_digest
from store.changes.deliverables import move_deliverable
from store.clock import FixedClock, local_midnight
from store.context import QueryContext
from store.db import make_sessionmaker
from store.demo.synthetic import load_synthetic
from store.enums import DeliverableStatus, DigestKind, Health, Phase
from store.health import MAX_SHOWN_SERVICES, health_as_of, health_of
from store.health.rules import UNDATED_RULES
from store.models import Customer, Deliverable, Person, Service, Ticket
from store.queries.capacity import capacity_report
from store.queries.portfolio import portfolio_status
from store.queries.posted import remember_message
from store.queries.weekly import ENGAGEMENT_RULE, weekly_portfolio
from store.rules.capacity import LoadState
from store.rules.transitions import Move
from store.workspace import Workspace

SIZES = {20: "T0SMALL", 300: "T0LARGE"}
SYNTHETIC_USER = "U00000001"


@pytest.fixture
def workspace(demo_engine):
    return single_workspace(load_settings(), demo_engine, FixedClock(WEDNESDAY))


def blocks_text(reply) -> str:
    return json.dumps(reply.block_dicts(), ensure_ascii=False)


def menus(reply, action: ActionId) -> list[dict]:
    """The overflow menus of the message's rows for one kind of action."""
    return [b["accessory"] for b in reply.block_dicts()
            if b.get("accessory", {}).get("action_id", "").startswith(f"{action.value}:")]


def within_limits(reply) -> None:
    assert reply.text.strip(), "every post has a top-level text"
    assert len(reply.blocks) <= MAX_MESSAGE_BLOCKS - 1, "one block is kept for a rebuilt copy's Updated line"
    for block in reply.block_dicts():
        if block["type"] == "section" and "text" in block:
            assert len(block["text"]["text"]) <= MAX_SECTION_TEXT


def test_at_risk_digest_names_delta_blocked_5_days_with_row_menus(workspace):
    reply = build_digest(DigestKind.AT_RISK, workspace)
    within_limits(reply)
    text = blocks_text(reply)
    assert "Delta Corp" in text and "Deliverable 'SSO integration' blocked 5 days" in text
    assert "Escalation meeting scheduled" in text and "Owner: Ryan Ortiz" in text
    assert "Gamma LLC" in text and "Beta Corp" in text, "Needs Attention services come with their reasons"
    assert "Discovery Wrap-up" in text and "1 of 4 deliverables complete" in text, "a milestone in trouble"
    assert "Delta Corp" in reply.text
    (menu,) = menus(reply, ActionId.DELIVERABLE_MOVE)
    values = [RowOption.model_validate_json(o["value"]).root for o in menu["options"]]
    assert {v.m for v in values if isinstance(v, DeliverableMoveValue)} == {Move.UNBLOCK, Move.COMPLETE}
    assert {v.a for v in values if isinstance(v, DeliverableFollowValue)} == {FollowAction.SNOOZE,
                                                                            FollowAction.ESCALATE}
    assert all(v.w == ViewRef(k=ViewKind.DIGEST_AT_RISK) for v in values)
    assert reply.view == ViewRef(k=ViewKind.DIGEST_AT_RISK) and not reply.shareable
    delta = workspace.read(portfolio_status).needing_attention[0]
    assert ("service", delta.service_id) in reply.shows


def test_overdue_digest_is_not_posted_empty_but_can_say_all_clear(workspace):
    assert build_digest(DigestKind.OVERDUE_TICKETS, workspace) is None, "the demo has no overdue tickets"
    reply = build_digest(DigestKind.OVERDUE_TICKETS, workspace, all_clear=True)
    within_limits(reply)
    yesterday = WEDNESDAY.date() - timedelta(days=1)
    start, end = local_midnight(yesterday, UTC), local_midnight(WEDNESDAY.date(), UTC)
    with workspace.sessions() as session:
        opened = session.scalar(select(func.count()).select_from(Ticket).where(
            Ticket.team_id == TEAM, Ticket.opened_at >= start, Ticket.opened_at < end))
        resolved = session.scalar(select(func.count()).select_from(Ticket).where(
            Ticket.team_id == TEAM, Ticket.resolved_at >= start, Ticket.resolved_at < end))
    assert opened and resolved, "the demo opens and resolves tickets every day"
    assert f"No overdue tickets. Yesterday: {opened} opened, {resolved} resolved." == reply.text
    assert f"{opened} opened, {resolved} resolved" in blocks_text(reply)


def add_overdue_ticket(workspace, *, title: str, owner_slack: str, overdue_by: timedelta) -> int:
    with workspace.sessions.begin() as session:
        service = session.scalars(select(Service).where(Service.name == "Integration Rollout")).one()
        owner = session.scalars(select(Person).where(Person.slack_user_id == owner_slack)).one()
        ticket = Ticket(team_id=TEAM, key=f"test-{title}", customer_id=service.customer_id, service_id=service.id,
                        title=title, type="issue", priority="high", owner_id=owner.id,
                        opened_at=WEDNESDAY - overdue_by - timedelta(days=1), due_at=WEDNESDAY - overdue_by)
        session.add(ticket)
        session.flush()
        return ticket.id


def test_overdue_digest_lists_an_overdue_ticket_with_owner_age_and_menu(workspace):
    ticket_id = add_overdue_ticket(workspace, title="Export fails", owner_slack="U0BILL",
                                   overdue_by=timedelta(days=2, hours=3))
    reply = build_digest(DigestKind.OVERDUE_TICKETS, workspace)
    within_limits(reply)
    text = blocks_text(reply)
    assert "2 d 3 h overdue" in text and "Export fails" in text and "Bill Nguyen" in text and "Delta Corp" in text
    assert reply.text.startswith("1 overdue ticket; the oldest, Delta Corp, is 2 d 3 h overdue.")
    (menu,) = menus(reply, ActionId.TICKET_ACTION)
    values = [TicketActionValue.model_validate_json(o["value"]) for o in menu["options"]]
    assert {o["text"]["text"] for o in menu["options"]} == {"Assign to me", "Resolve"}
    assert all(v.t == ticket_id and v.w == ViewRef(k=ViewKind.DIGEST_OVERDUE_TICKETS) for v in values)


def test_weekly_portfolio_has_three_slices_with_the_store_figures(workspace):
    reply = build_digest(DigestKind.WEEKLY_PORTFOLIO, workspace)
    within_limits(reply)
    text = blocks_text(reply)
    for slice_ in ("*Team*", "*Business*", "*Customer*"):
        assert slice_ in text
    status = workspace.read(portfolio_status)
    capacity = workspace.read(capacity_report)
    assert f"*{status.active_services} active services. 12 on track, 2 need attention, 1 at risk.*" in text
    assert f"{status.deliverables.on_schedule_share:.0%} of deliverables on schedule" in text
    assert " · ".join(f"{p.label} {n}" for p, n in status.phase_counts.items()) in text
    assert (f"{capacity.count(LoadState.OVERLOADED)} overloaded · {capacity.count(LoadState.AT_CAPACITY)} at "
            f"capacity") in text
    assert "against the 70–80% target" in text and "against the 95% target" in text
    # A week ago every demo service was on track: Delta's block is 5 days old, Beta's and Gamma's
    # signals came this week. The digest says so, and what it compared.
    assert "A week ago, by the health rules on what the database dates: 15 on track" in text
    assert "Delta Corp* · Integration Rollout: On Track → At Risk" in text
    assert "Gamma LLC* · Platform Discovery: On Track → Needs Attention" in text
    assert "Flag to the Customer Org (1)" in text and "Beta Corp* · Admin Training Program — Engagement" in text
    assert "leaving out overrides" in text


def test_weekly_figures_come_from_dated_facts(workspace):
    weekly = workspace.read(weekly_portfolio)
    assert weekly.last_week.first_day == WEDNESDAY.date() - timedelta(days=9)
    sla = weekly.sla_last_week.sla
    assert sla.resolved == 13 and sla.met == 13, "the demo resolved last week's tickets within a day"
    assert weekly.on_schedule_week_ago == 1.0, "the demo's late deliverables fell due this week"
    assert {c.service.customer_name for c in weekly.health_changes} == {"Delta Corp", "Beta Corp", "Gamma LLC"}
    assert weekly.engagement_declining_week_ago == 0 and [s.customer_name for s in weekly.customer_org_flags] == [
        "Beta Corp"]


@pytest.mark.parametrize("team", ["demo", "synthetic"])
def test_health_as_of_now_is_the_health_computed_now(engine, team):
    """Rebuilding the signals from dated facts agrees with the live rules when the moment is now."""
    team_id = TEAM
    if team == "demo":
        from support import load_demo_at

        load_demo_at(engine, WEDNESDAY)
    else:
        load_synthetic(engine, team_id=TEAM, now=WEDNESDAY, tz=UTC, services=100)
    ctx = QueryContext(team_id=team_id, now=WEDNESDAY, tz=UTC)
    with Session(engine) as session:
        # By the rules the database dates: a budget forecast keeps no history (UNDATED_RULES).
        now = {v.service_id: (max((f.health for f in v.findings if f.rule not in UNDATED_RULES),
                                  key=lambda h: h.severity, default=Health.ON_TRACK),
                              sorted({f.rule for f in v.findings} - UNDATED_RULES))
               for v in health_of(session, ctx)}
        then = {h.service_id: (h.health, h.rules) for h in health_as_of(session, ctx, at=ctx.now)}
    assert then == now and any(health != Health.ON_TRACK for health, _rules in now.values())


def test_weekly_health_figures_are_those_of_assessing_every_service(engine):
    """The digest assesses only the services with a signal or an override and counts the rest On Track:
    its figures and its first changes and flags are those of assessing every active service now and
    a week ago. 300 services: more changes than the read model keeps."""
    load_synthetic(engine, team_id=TEAM, now=WEDNESDAY, tz=UTC, services=300)
    ctx = QueryContext(team_id=TEAM, now=WEDNESDAY, tz=UTC)
    with Session(engine) as session:
        weekly = weekly_portfolio(session, ctx)
        views = health_of(session, ctx)
        then = {h.service_id: h for h in health_as_of(session, ctx, at=weekly.week_ago)}

    def tally(healths):
        healths = list(healths)
        return {health: healths.count(health) for health in Health}

    compared = [v for v in views if v.service_id in then]
    changed = sorted((v for v in compared if v.computed_health != then[v.service_id].health),
                     key=lambda v: (-v.computed_health.severity, v.customer_name, v.service_name))
    declining = [v for v in views if any(f.rule == ENGAGEMENT_RULE for f in v.findings)]
    flags = [v for v in declining if v.health != Health.ON_TRACK]
    assert weekly.active_services == len(views) and weekly.compared == len(compared)
    assert weekly.phase_counts == {phase: sum(1 for v in views if v.phase == phase) for phase in Phase}
    assert weekly.health_counts == tally(v.health for v in views)
    assert weekly.computed_counts_now == tally(v.computed_health for v in compared)
    assert weekly.computed_counts_week_ago == tally(then[v.service_id].health for v in compared)
    assert weekly.health_changes_total == len(changed) > MAX_SHOWN_SERVICES
    assert [(c.service, c.before) for c in weekly.health_changes] == [
        (v, then[v.service_id].health) for v in changed[:MAX_SHOWN_SERVICES]]
    assert weekly.engagement_declining == len(declining)
    assert weekly.engagement_declining_week_ago == sum(ENGAGEMENT_RULE in then[v.service_id].rules for v in compared)
    assert weekly.customer_org_flags_total == len(flags) > 0
    assert weekly.customer_org_flags == flags[:MAX_SHOWN_SERVICES]


def test_personal_digest_for_ryan(workspace):
    reply = build_digest(DigestKind.PERSONAL, workspace, slack_user_id="U0RYAN")
    within_limits(reply)
    text = blocks_text(reply)
    assert "Good morning, Ryan Ortiz" in text
    assert "SSO integration" in text and "blocked 5 days" in text and "Delta Corp · Integration Rollout" in text
    assert "Prepare Delta Corp escalation agenda" in text, "his task due today"
    assert "Review Precision go-live checklist" not in text, "due tomorrow"
    assert "working session" in text, "his appointments today"
    (menu,) = menus(reply, ActionId.DELIVERABLE_MOVE)
    assert DeliverableMoveValue.model_validate_json(menu["options"][0]["value"]).w.k == ViewKind.DIGEST_PERSONAL
    assert reply.text == "Your day: 1 blocked deliverable, 0 overdue tickets, 1 task due, 2 appointments today."


def test_personal_digest_shows_my_overdue_tickets_with_menus(workspace):
    add_overdue_ticket(workspace, title="Login loop", owner_slack="U0RYAN", overdue_by=timedelta(hours=5))
    add_overdue_ticket(workspace, title="Someone else's", owner_slack="U0BILL", overdue_by=timedelta(hours=6))
    reply = build_digest(DigestKind.PERSONAL, workspace, slack_user_id="U0RYAN")
    text = blocks_text(reply)
    assert "Your overdue tickets (1)" in text and "Login loop" in text and "Someone else" not in text
    assert len(menus(reply, ActionId.TICKET_ACTION)) == 1


def test_nobody_gets_an_empty_personal_digest(workspace):
    with workspace.sessions.begin() as session:
        session.add(Person(team_id=TEAM, key="idle", name="Ida Idle", slack_user_id="U0IDLE"))
    assert build_digest(DigestKind.PERSONAL, workspace, slack_user_id="U0IDLE") is None
    assert build_digest(DigestKind.PERSONAL, workspace, slack_user_id="U0STRANGER") is None
    all_clear = build_digest(DigestKind.PERSONAL, workspace, slack_user_id="U0IDLE", all_clear=True)
    assert "Nothing needs you this morning" in blocks_text(all_clear) and all_clear.text
    with pytest.raises(ValueError):
        build_digest(DigestKind.PERSONAL, workspace)


def test_an_empty_workspace_posts_nothing_unless_all_clear_is_asked(demo_engine):
    empty = Workspace(sessions=make_sessionmaker(demo_engine), team_id="T0EMPTY", clock=FixedClock(WEDNESDAY),
                      tz=UTC)
    for kind in (DigestKind.AT_RISK, DigestKind.OVERDUE_TICKETS, DigestKind.WEEKLY_PORTFOLIO):
        assert build_digest(kind, empty) is None, kind
        reply = build_digest(kind, empty, all_clear=True)
        within_limits(reply)
        assert ":large_green_circle:" in blocks_text(reply), kind


def test_user_text_is_escaped_everywhere(workspace):
    add_overdue_ticket(workspace, title="<https://evil.example|click me>", owner_slack="U0RYAN",
                       overdue_by=timedelta(hours=2))
    with workspace.sessions.begin() as session:
        delta = session.scalars(select(Service).where(Service.name == "Integration Rollout")).one()
        delta.name = "<!channel>"
        session.get(Customer, delta.customer_id).name = "<!here> & Sons"
        blocked = session.scalars(select(Deliverable).where(Deliverable.status == DeliverableStatus.BLOCKED)).one()
        blocked.blocked_reason = "waiting on <@U0BOSS>"
    replies = [build_digest(kind, workspace, slack_user_id="U0RYAN") for kind in DigestKind]
    for reply in replies:
        everything = blocks_text(reply) + reply.text
        for raw in ("<!channel>", "<!here>", "<@U0BOSS>", "<https://evil"):
            assert raw not in everything
    at_risk, overdue, weekly, personal, _patterns = (blocks_text(r) + r.text for r in replies)
    assert "&lt;!here&gt; &amp; Sons" in at_risk and "&lt;!channel&gt;" in at_risk and "&lt;@U0BOSS&gt;" in at_risk
    assert "&lt;!here&gt; &amp; Sons" in replies[0].text, "the notification text too"
    assert "&lt;https://evil.example|click me&gt;" in overdue
    assert "&lt;!here&gt; &amp; Sons* · &lt;!channel&gt;: On Track → At Risk" in weekly
    assert "&lt;!channel&gt;" in personal


def test_templates_refuse_missing_values():
    with pytest.raises(jinja2.UndefinedError):
        say("at_risk.j2", "intro", at_risk=1)
    assert say("common.j2", "more", hidden=3, command="/delivery status <name>") == \
        "and 3 more — type `/delivery status &lt;name&gt;`"


def test_a_posted_digest_is_rebuilt_after_a_change(workspace):
    """render_view rebuilds each digest from its ViewRef; a change updates posted copies in place."""
    view = ViewRef(k=ViewKind.DIGEST_PERSONAL)
    reply, command = render_view(workspace, view, "U0RYAN")
    assert command == "mine" and "SSO integration" in blocks_text(reply)
    for kind in (ViewKind.DIGEST_AT_RISK, ViewKind.DIGEST_OVERDUE_TICKETS, ViewKind.DIGEST_WEEKLY_PORTFOLIO):
        rebuilt, _command = render_view(workspace, ViewRef(k=kind), "U0DANA")
        assert rebuilt.view == ViewRef(k=kind), "a rebuilt digest is never empty: all clear at worst"
    posted = build_digest(DigestKind.AT_RISK, workspace)
    workspace.change(remember_message, channel_id="C0OPS", ts="1.000", view=posted.view.model_dump_json(),
                     viewer_slack_user_id=None, objects=posted.shows)
    workspace.change(remember_message, channel_id="D0RYAN", ts="2.000", view=view.model_dump_json(),
                     viewer_slack_user_id="U0RYAN", objects=reply.shows)
    with workspace.sessions() as session:
        sso = session.scalars(select(Deliverable).where(Deliverable.name == "SSO integration")).one()
    applied = workspace.change(move_deliverable, actor_slack_user_id="U0RYAN", deliverable_id=sso.id,
                               move=Move.COMPLETE, version=sso.version)

    class Recorder:
        def __init__(self):
            self.updates: dict[str, dict] = {}

        def chat_update(self, *, channel, ts, text, blocks):
            self.updates[channel] = {"text": text, "blocks": json.dumps(blocks)}

    client = Recorder()
    assert refresh_posted(client, workspace, objects=[("service", applied.service_id)], skip=None) == 2
    assert "SSO integration" not in client.updates["C0OPS"]["blocks"]
    assert "Updated" in client.updates["C0OPS"]["blocks"]
    assert "Your blocked deliverables" not in client.updates["D0RYAN"]["blocks"]
    assert "Prepare Delta Corp escalation agenda" in client.updates["D0RYAN"]["blocks"], "Ryan's own digest"


@pytest.fixture
def portfolios(engine):
    """The same generator at two sizes, as two workspaces of one database."""
    made = {}
    for size, team in SIZES.items():
        load_synthetic(engine, team_id=team, now=WEDNESDAY, tz=UTC, services=size)
        made[size] = Workspace(sessions=make_sessionmaker(engine), team_id=team, clock=FixedClock(WEDNESDAY), tz=UTC)
    return made


def test_300_services_keep_every_digest_within_50_blocks_and_statement_counts_flat(portfolios, engine):
    counts: dict[DigestKind, dict[int, int]] = {}
    for size, ws in portfolios.items():
        for kind in DigestKind:
            with count_statements(engine) as counter:
                reply = build_digest(kind, ws, slack_user_id=SYNTHETIC_USER, all_clear=True)
            counts.setdefault(kind, {})[size] = counter.count
            within_limits(reply)
            if size == 300 and kind not in (DigestKind.PERSONAL, DigestKind.PATTERNS):
                assert "more — type `/delivery" in blocks_text(reply), kind
            if size == 300 and kind == DigestKind.PATTERNS:  # its clusters are listed nowhere else
                assert re.search(r"\\nand \d+ more", blocks_text(reply)), kind
    for kind, by_size in counts.items():
        assert by_size[20] == by_size[300], (kind, by_size)
        # The weekly digest's, the most: its candidates assessed through `store.health` (eight
        # statements, two of them the budget forecasts), their names and creation test read apart (one),
        # each week's utilization (four a week), and the Business slice's money (rates, both weeks'
        # margins, the completed projects: three).
        assert by_size[20] <= 37, (kind, by_size)


def test_every_digest_declares_figures():
    assert set(DIGEST_FIGURES) == set(DigestKind) and all(DIGEST_FIGURES.values())
