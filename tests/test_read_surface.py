"""The read queries behind the service card, milestones, mine and App Home, on both databases."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.orm import Session
from support import TEAM, UTC, WEDNESDAY
from test_matching import reference_match

from bot.app import single_workspace
from bot.settings import load_settings
from handlers.commands.delivery import reply_for
from handlers.events.app_home import home_blocks
from messages.blocks.common import MAX_MESSAGE_BLOCKS, MAX_SECTION_TEXT, MAX_VIEW_BLOCKS
from store.clock import FixedClock
from store.context import QueryContext
from store.demo.synthetic import load_synthetic
from store.enums import DeliverableStatus, Health
from store.models import Deliverable, Milestone, Service
from store.queries.milestones import milestone_list
from store.queries.mine import my_work
from store.queries.refs import service_refs
from store.queries.service_card import lookup_service, service_card
from store.rules.matching import Candidate, MatchKind

CTX = QueryContext(team_id=TEAM, now=WEDNESDAY, tz=UTC)


def read(engine, query, **arguments):
    with Session(engine) as session:
        return query(session, CTX, **arguments)


@pytest.fixture
def workspace(demo_engine):
    return single_workspace(load_settings(), demo_engine, FixedClock(WEDNESDAY))


def texts(reply) -> str:
    return str(reply.block_dicts())


def test_misspelled_name_finds_precision_components_card(demo_engine):
    lookup = read(demo_engine, lookup_service, name="precison")
    card = lookup.card
    assert card is not None and card.ref.customer_name == "Precision Components"
    assert (card.tally.done, card.tally.total, card.tally.in_progress, card.tally.blocked) == (12, 15, 3, 0)
    assert card.health.health == Health.ON_TRACK
    assert [m.name for m in card.milestones] == ["Kickoff", "Go-Live Readiness"]


def test_delta_card_explains_its_health(demo_engine):
    card = read(demo_engine, lookup_service, name="Delta Corp").card
    assert card.health.health == Health.AT_RISK
    assert card.health.findings[0].reason == "Deliverable 'SSO integration' blocked 5 days"
    assert card.health.health_since == WEDNESDAY - timedelta(days=2), "blocked 5 days, at risk from day 3"
    blocked = [d for d in card.deliverables if d.status == DeliverableStatus.BLOCKED]
    assert [d.name for d in blocked] == ["SSO integration"] and blocked[0].late


def test_a_customer_name_with_several_services_offers_choices(demo_engine):
    lookup = read(demo_engine, lookup_service, name="corp")
    assert lookup.card is None
    assert {ref.customer_name for ref in lookup.choices} == {"Beta Corp", "Delta Corp"}


def test_no_match_lists_the_closest_names(demo_engine):
    lookup = read(demo_engine, lookup_service, name="zzzqqq")
    assert lookup.card is None and lookup.choices == [] and len(lookup.suggestions) == 3


def test_card_of_a_paused_service_has_no_health(demo_engine):
    card = read(demo_engine, lookup_service, name="Quartz").card
    assert card.ref.status.value == "paused" and card.health is None


def test_card_never_shows_another_workspace(demo_engine):
    other = QueryContext(team_id="T0OTHER", now=WEDNESDAY, tz=UTC)
    with Session(demo_engine) as session:
        assert lookup_service(session, other, name="Delta Corp").card is None
        delta = session.query(Service).filter_by(name="Integration Rollout").one()
        with pytest.raises(LookupError):
            service_card(session, other, service_id=delta.id)


def test_a_lookup_among_many_services_answers_as_the_rules_say(engine):
    load_synthetic(engine, team_id=TEAM, now=WEDNESDAY, tz=UTC, services=400)
    refs = read(engine, service_refs)
    assert len(refs) == 400
    # What the lookup used to match against: every service, in portfolio order, named as on its card.
    every = [Candidate(r.service_id, (r.service_name, r.customer_name, f"{r.customer_name} {r.service_name}"), r.label)
             for r in refs.values()]
    first, last = every[0], every[-1]
    customer = last.names[1]
    queries = [first.names[2], first.label.upper(), first.names[0], customer, customer[2:-2],
               customer[:3] + customer[4:], customer[:3] + customer[4] + customer[3] + customer[5:],
               last.names[0][:-1] + "x", "zzzqqq", "warehouse"]
    kinds = set()
    for query in queries:
        expected = reference_match(query, every)
        lookup = read(engine, lookup_service, name=query)
        kinds.add(expected.kind)
        if expected.kind == MatchKind.ONE:
            assert lookup.card is not None and lookup.card.ref == refs[expected.ids[0]], query
            assert lookup.choices == [] and lookup.suggestions == [], query
        else:
            assert lookup.card is None, query
            assert lookup.choices == [refs[i] for i in expected.ids], query
            assert lookup.suggestions == expected.suggestions, query
    assert kinds == set(MatchKind)


def test_milestones_this_week_next_week_and_overdue(demo_engine):
    this_week = read(demo_engine, milestone_list, window="this week")
    assert {(i.service.customer_name, i.name) for i in this_week.items} == {
        ("Precision Components", "Go-Live Readiness"), ("Beta Corp", "Training Complete"),
        ("Gamma LLC", "Discovery Wrap-up"),
    }
    assert this_week.first_day == date(2026, 11, 16) and this_week.last_day == date(2026, 11, 22)
    assert read(demo_engine, milestone_list, window="next week").first_day == date(2026, 11, 23)
    assert read(demo_engine, milestone_list, window="overdue").total == 0


def test_overdue_milestones_include_missed_ones(demo_engine):
    with Session(demo_engine) as session, session.begin():
        service = session.query(Service).filter_by(name="Payments Integration").one()
        session.add(Milestone(team_id=TEAM, key="late-1", service_id=service.id, name="Cutover",
                              due_on=date(2026, 11, 10)))
    overdue = read(demo_engine, milestone_list, window="overdue")
    assert [(i.service.customer_name, i.name) for i in overdue.items] == [("Summit Bank", "Cutover")]


def test_mine_for_ryan(demo_engine):
    work = read(demo_engine, my_work, slack_user_id="U0RYAN")
    assert work.person.name == "Ryan Ortiz"
    assert len(work.services) == 4 and work.services[0].customer_name == "Delta Corp"
    assert work.deliverables.blocked == 1
    assert work.open_deliverables[0].name == "SSO integration"
    assert [t.title for t in work.tasks_due] == ["Prepare Delta Corp escalation agenda",
                                                  "Review Precision go-live checklist"]


def test_mine_for_someone_not_linked_explains_how_to_be_linked(workspace):
    reply = reply_for(workspace, "mine", "U0STRANGER")
    assert "not linked" in texts(reply) and "U0STRANGER" in texts(reply)
    assert not any(b["type"] == "actions" for b in reply.block_dicts()), "nothing worth sharing"


@pytest.mark.parametrize("text", ["status", "status Delta Corp", "status precison", "status corp", "status zzz",
                                  "milestones", "milestones overdue", "mine", "help", "nonsense"])
def test_every_reply_stays_within_block_kit_limits(workspace, text):
    reply = reply_for(workspace, text, "U0RYAN")
    blocks = reply.block_dicts()
    assert 0 < len(blocks) <= MAX_MESSAGE_BLOCKS and reply.text
    for block in blocks:
        if "text" in block and block["type"] == "section":
            assert len(block["text"]["text"]) <= MAX_SECTION_TEXT


def test_answers_offer_share_in_channel(workspace):
    actions = [b for b in reply_for(workspace, "status Delta Corp", "U0RYAN").block_dicts() if b["type"] == "actions"]
    assert actions[-1]["elements"][0]["text"]["text"] == "Share in channel"
    assert actions[-1]["elements"][0]["value"] == '{"text":"status Delta Corp"}'


def test_service_card_with_many_deliverables_stays_readable(demo_engine, workspace):
    with Session(demo_engine) as session, session.begin():
        service = session.query(Service).filter_by(name="Integration Rollout").one()
        session.add_all(
            Deliverable(team_id=TEAM, key=f"bulk-{n}", service_id=service.id, name=f"Bulk item {n} " + "x" * 80,
                        status=DeliverableStatus.IN_PROGRESS, due_on=date(2026, 12, 1))
            for n in range(300)
        )
    reply = reply_for(workspace, "status Delta Corp", "U0RYAN")
    assert len(reply.block_dicts()) <= MAX_MESSAGE_BLOCKS
    assert "278 more deliverables" in texts(reply)


def test_home_tab_has_the_headline_and_my_work(workspace):
    blocks = home_blocks(workspace, "U0RYAN")
    assert blocks[0]["text"]["text"] == "15 active services. 12 on track, 2 need attention, 1 at risk."
    assert "My deliverables" in str(blocks) and len(blocks) <= MAX_VIEW_BLOCKS


def test_at_risk_lists_services_worst_first_then_blocked_work_tickets_and_overload(demo_engine, workspace):
    from datetime import datetime, timezone

    from store.models import Customer, Person, Ticket
    from store.queries.at_risk import at_risk_report

    with Session(demo_engine) as session, session.begin():
        bill = session.query(Person).filter_by(slack_user_id="U0BILL").one()
        bill.max_concurrent_services = 1
        customer = session.query(Customer).filter_by(name="Summit Bank").one()
        session.add(Ticket(team_id=TEAM, key="late-ticket", customer_id=customer.id, title="Broken export",
                           type="issue", priority="high", owner_id=bill.id,
                           opened_at=datetime(2026, 11, 16, 9, tzinfo=timezone.utc),
                           due_at=datetime(2026, 11, 17, 9, tzinfo=timezone.utc)))
    report = read(demo_engine, at_risk_report)
    assert [s.customer_name for s in report.at_risk] == ["Delta Corp"]
    assert {s.customer_name for s in report.needs_attention} == {"Beta Corp", "Gamma LLC"}
    assert report.at_risk[0].health_since == WEDNESDAY - timedelta(days=2)
    assert [b.deliverable.name for b in report.blocked] == ["SSO integration"]
    assert [t.title for t in report.overdue] == ["Broken export"] and report.overdue_total == 1
    assert [p.person.name for p in report.overloaded] == ["Bill Nguyen"]
    text = texts(reply_for(workspace, "at-risk", "U0DANA"))
    assert "At Risk for 2 days" in text and "Broken export" in text and "Bill Nguyen" in text


def test_an_active_override_is_shown_with_its_reason_and_what_the_rules_say(demo_engine, workspace):
    from datetime import datetime, timezone

    with Session(demo_engine) as session, session.begin():
        delta = session.query(Service).filter_by(name="Integration Rollout").one()
        delta.health_override = Health.NEEDS_ATTENTION
        delta.health_override_reason = "Customer agreed a new SSO date"
        delta.health_override_expires_at = datetime(2026, 11, 25, tzinfo=timezone.utc)
    card = read(demo_engine, lookup_service, name="Delta Corp").card
    assert card.health.health == Health.NEEDS_ATTENTION and card.health.computed_health == Health.AT_RISK
    assert card.health.findings[0].rule == "blocked_deliverable", "reasons are listed under an override"
    text = texts(reply_for(workspace, "status Delta Corp", "U0RYAN"))
    assert "Customer agreed a new SSO date" in text and "rules say At Risk" in text


def test_an_expired_override_no_longer_counts(demo_engine):
    from datetime import datetime, timezone

    with Session(demo_engine) as session, session.begin():
        delta = session.query(Service).filter_by(name="Integration Rollout").one()
        delta.health_override = Health.ON_TRACK
        delta.health_override_reason = "Old news"
        delta.health_override_expires_at = datetime(2026, 11, 18, 14, tzinfo=timezone.utc)
    card = read(demo_engine, lookup_service, name="Delta Corp").card
    assert card.health.health == Health.AT_RISK and card.health.override_reason is None


def test_history_lists_deliverable_service_and_ticket_changes(demo_engine, workspace):
    from datetime import datetime, timezone

    from store.enums import Surface

    with Session(demo_engine) as session, session.begin():
        delta = session.query(Service).filter_by(name="Integration Rollout").one()
        from store.models import StatusChange, Ticket

        ticket = session.query(Ticket).filter_by(service_id=delta.id).first()
        session.add(StatusChange(team_id=TEAM, object_type="ticket", object_id=ticket.id, field="status",
                                 from_value="open", to_value="resolved", reason="Reset the SSO cache",
                                 changed_by_slack_user_id="U0RYAN", surface=Surface.SLACK,
                                 changed_at=datetime(2026, 11, 18, 14, tzinfo=timezone.utc)))
    text = texts(reply_for(workspace, "history Delta Corp", "U0DANA"))
    assert "Reset the SSO cache" in text and "SSO integration" in text


def test_my_overdue_tickets_have_their_menu(demo_engine, workspace):
    from datetime import datetime, timezone

    from store.models import Person, Ticket

    with Session(demo_engine) as session, session.begin():
        ryan = session.query(Person).filter_by(slack_user_id="U0RYAN").one()
        summit = session.query(Service).filter_by(name="Payments Integration").one()
        session.add(Ticket(team_id=TEAM, key="mine-late", customer_id=summit.customer_id, service_id=summit.id,
                           title="Refund file rejected", type="issue", priority="high", owner_id=ryan.id,
                           opened_at=datetime(2026, 11, 16, 9, tzinfo=timezone.utc),
                           due_at=datetime(2026, 11, 17, 9, tzinfo=timezone.utc)))
    blocks = reply_for(workspace, "mine", "U0RYAN").block_dicts()
    (row,) = [b for b in blocks if "Refund file rejected" in b.get("text", {}).get("text", "")]
    assert [o["text"]["text"] for o in row["accessory"]["options"]] == ["Assign to me", "Resolve"]
