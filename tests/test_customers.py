"""`/delivery customers` and a customer's card (issue 22, part 3), in process on both databases: the
demo's verdicts, the signals counted as their definitions say, a name that means a customer with several
services, the flag of a customer, the renderers within Slack's limits, and a fixed number of statements
whatever the number of customers."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from query_count import count_statements
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from support import TEAM, UTC, WEDNESDAY, load_demo_at

from bot.app import single_workspace
from bot.settings import load_settings
from handlers.commands.delivery import reply_for
from messages.blocks.common import MAX_MESSAGE_BLOCKS
from messages.blocks.customers import customer_card_message, customers_message
from messages.ids import ActionId, CustomerFlagValue, ViewKind, ViewRef
from store.changes import ChangeRefused, StaleChange
from store.changes.services import flag_customer_for_customer_org
from store.clock import FixedClock
from store.context import QueryContext
from store.db import make_sessionmaker
from store.demo.build import demo_key
from store.demo.synthetic import load_synthetic
from store.enums import AppointmentKind
from store.health import refresh_kept, session_counts, session_counts_at
from store.health.rules import HealthThresholds
from store.health.tallies import tallies_age
from store.models import Appointment, Customer, Person, Service, StatusChange, Ticket
from store.queries.customers import customer_relationships
from store.queries.service_card import lookup_service
from store.readmodels.customers import CustomerList, CustomerRelationship
from store.rules.relationship import Relationship
from store.workspace import Workspace

BETA = "Beta Corp: struggling · engagement declining: 1 customer session in the last 14 days, 6 in the 14 before · " \
       "1 service needs attention"


@pytest.fixture
def workspace(engine):
    load_demo_at(engine, WEDNESDAY)
    return single_workspace(load_settings(), engine, FixedClock(WEDNESDAY))


def by_name(listing: CustomerList) -> dict[str, CustomerRelationship]:
    return {customer.name: customer for customer in listing.customers}


def blocks_text(reply) -> str:
    return json.dumps(reply.block_dicts(), ensure_ascii=False)


def join_summit_to_precision(workspace: Workspace) -> int:
    """Summit Bank's service moved under Precision Components: a customer with two active services."""
    with workspace.sessions.begin() as session:
        precision = session.scalars(select(Customer.id).where(Customer.key == demo_key("customer", "precision"))).one()
        session.execute(update(Service).where(Service.key == demo_key("service", "summit"))
                        .values(customer_id=precision))
    return precision


def test_the_demo_reads_precision_as_thriving_and_beta_as_struggling(workspace):
    listing = workspace.read(customer_relationships)
    found = by_name(listing)
    assert found["Precision Components"].relationship == Relationship.THRIVING
    assert found["Precision Components"].reasons[0].startswith("smooth engagement: ")
    assert found["Beta Corp"].relationship == Relationship.STRUGGLING
    assert found["Beta Corp"].reasons == ["engagement declining: 1 customer session in the last 14 days, "
                                          "6 in the 14 before", "1 service needs attention"]
    assert found["Delta Corp"].relationship == Relationship.STRUGGLING
    assert found["Delta Corp"].reasons[0] == "1 service at risk"
    assert listing.total == 15 and sum(listing.counts.values()) == 15, "one customer per active service"
    order = [customer.relationship.severity for customer in listing.customers]
    assert order == sorted(order, reverse=True), "struggling, then steady, then thriving"


def test_customers_answer_lists_worst_first_with_reasons_and_flag_buttons(workspace):
    reply = reply_for(workspace, "customers", "U0DANA")
    listing = workspace.read(customer_relationships)
    counts = listing.counts
    assert reply.text.startswith(f"15 customers with active services: {counts[Relationship.STRUGGLING]} struggling · "
                                 f"{counts[Relationship.STEADY]} steady · {counts[Relationship.THRIVING]} thriving.")
    assert BETA in reply.text
    text = blocks_text(reply)
    assert text.index("*Beta Corp*") < text.index("*Gamma LLC*") < text.index("*Precision Components*")
    flags = [b["accessory"] for b in reply.block_dicts() if (b.get("accessory") or {}).get("action_id", "")
             .startswith(ActionId.FLAG_CUSTOMER.value)]
    assert len(flags) == counts[Relationship.STRUGGLING], "a flag on each struggling customer, on none else"
    value = CustomerFlagValue.model_validate_json(flags[0]["value"])
    assert value.w == ViewRef(k=ViewKind.CUSTOMERS) and flags[0]["text"]["text"] == "Flag for Customer Org"
    assert "Share in channel" in text, "private by default, with Share in channel"


def test_signals_are_counted_as_defined(workspace):
    """SLA misses as SLA compliance counts them, ticket volume in its two windows, over one customer."""
    now = WEDNESDAY
    with workspace.sessions.begin() as session:
        keystone = session.scalars(select(Service).where(Service.key == demo_key("service", "keystone"))).one()
        assert not session.scalars(select(Ticket.id).where(Ticket.customer_id == keystone.customer_id)).all()

        def ticket(key: str, opened_days: float, due_days: float, resolved_days: float | None) -> None:
            session.add(Ticket(team_id=TEAM, key=f"t-{key}", customer_id=keystone.customer_id, service_id=keystone.id,
                               title=key, type="issue", priority="high", opened_at=now - timedelta(days=opened_days),
                               due_at=now - timedelta(days=due_days),
                               resolved_at=None if resolved_days is None else now - timedelta(days=resolved_days)))

        ticket("resolved-late", 10, 9, 8)  # a miss: resolved in the window after its due time
        ticket("open-breach", 5, 2, None)  # a miss: due in the window, still open
        ticket("open-not-due", 1, -1, None)  # not a miss: not due yet
        ticket("old-late", 40, 39, 35)  # resolved late before the window: not a miss; opened in the earlier window
        ticket("resolved-on-time", 3, 1, 2)
    keystone_verdict = by_name(workspace.read(customer_relationships, limit=None))["Keystone Foods"]
    assert keystone_verdict.relationship == Relationship.STEADY
    assert keystone_verdict.reasons == ["ticket volume rising: 4 opened in the last 4 weeks, 1 in the 4 before",
                                        "2 SLA misses in the last 4 weeks"]


def test_a_customer_with_several_services_answers_with_its_card(workspace):
    precision = join_summit_to_precision(workspace)
    lookup = workspace.read(lookup_service, name="precision components", customers=True)
    assert lookup.card is None and lookup.customer is not None
    card = lookup.customer
    assert card.customer.customer_id == precision and card.customer.services == 2
    assert [view.service_name for view in card.services] == ["ERP Go-Live", "Payments Integration"]
    assert card.customer.relationship == Relationship.STEADY
    assert card.customer.reasons == ["1 overdue deliverable"], "Summit's late deliverable is now Precision's"
    # The same name elsewhere (history), and a name meaning one service, are as before.
    assert workspace.read(lookup_service, name="precision components").customer is None
    assert workspace.read(lookup_service, name="precision components").choices
    assert workspace.read(lookup_service, name="precision components erp", customers=True).card is not None
    # A name matching only its services' names is not the customer's.
    assert workspace.read(lookup_service, name="payments integration", customers=True).card is not None

    reply = reply_for(workspace, "status Precision Components", "U0RYAN")
    text = blocks_text(reply)
    assert reply.text == "Precision Components: steady · 1 overdue deliverable."
    assert "*2 active services*: 0 at risk · 0 need attention · 2 on track" in text
    opens = [b["accessory"] for b in reply.block_dicts() if (b.get("accessory") or {}).get("action_id", "")
             .startswith(ActionId.OPEN_SERVICE.value)]
    assert len(opens) == 2, "each service opens its card"
    assert reply.view == ViewRef(k=ViewKind.LOOKUP, n="Precision Components")
    assert {kind for kind, _id in reply.shows} == {"service"} and len(reply.shows) == 2
    assert len(reply.blocks) <= MAX_MESSAGE_BLOCKS


def test_flagging_a_customer_flags_each_active_service_once(workspace):
    precision = join_summit_to_precision(workspace)
    card = workspace.read(lookup_service, name="Precision Components", customers=True).customer
    version = card.customer.version
    with pytest.raises(ChangeRefused) as refused:  # Bill is on neither service
        workspace.change(flag_customer_for_customer_org, actor_slack_user_id="U0BILL", customer_id=precision,
                         version=version, reason="Quiet")
    assert "ops, or someone who leads or is assigned to each of its active services" in refused.value.who_can
    notes = []
    applied = workspace.change(flag_customer_for_customer_org, actor_slack_user_id="U0RYAN", customer_id=precision,
                               version=version, reason="Exec sponsor left", announce=notes.append)
    assert len(applied.service_ids) == 2 and applied.object_type == "customer"
    (note,) = notes
    assert note.customer_name == "Precision Components" and note.verdict.startswith("steady · ")
    with Session(workspace.sessions.kw["bind"]) as session:
        reasons = session.scalars(select(StatusChange.reason).where(
            StatusChange.field == "flag", StatusChange.object_id.in_(applied.service_ids))).all()
    assert reasons == ["Customer Precision Components flagged: Exec sponsor left"] * 2
    with pytest.raises(StaleChange):  # the same button again
        workspace.change(flag_customer_for_customer_org, actor_slack_user_id="U0RYAN", customer_id=precision,
                         version=version, reason="Again")


def test_customers_and_the_card_stay_within_fifty_blocks_however_many():
    many = [CustomerRelationship(customer_id=i, name=f"Customer {i}", relationship=Relationship.STRUGGLING,
                                 reasons=["1 service at risk"], services=1, at_risk=1, needs_attention=0, version=1)
            for i in range(200)]
    counts = {Relationship.STRUGGLING: 9_000, Relationship.STEADY: 900, Relationship.THRIVING: 100}
    reply = customers_message(CustomerList(as_of=WEDNESDAY, counts=counts, customers=many), UTC)
    assert len(reply.blocks) <= MAX_MESSAGE_BLOCKS - 1, "room for the Share button"
    shown = sum(1 for b in reply.block_dicts() if (b.get("accessory") or {}).get("action_id", "").startswith(
        ActionId.FLAG_CUSTOMER.value))
    assert "and " in blocks_text(reply) and "/delivery status &lt;customer&gt;" in blocks_text(reply)
    assert shown >= 20


def test_a_long_customer_card_is_capped_and_says_how_many_more(workspace):
    join_summit_to_precision(workspace)
    card = workspace.read(lookup_service, name="Precision Components", customers=True).customer
    services = [card.services[0].model_copy(update={"service_id": i, "service_name": f"Service {i}"})
                for i in range(120)]
    reply = customer_card_message(card.model_copy(update={"services": services}), ViewRef(k=ViewKind.LOOKUP, n="x"))
    assert len(reply.blocks) <= MAX_MESSAGE_BLOCKS - 1
    assert "more active services" in blocks_text(reply)


@pytest.mark.parametrize("text", ["customers"])
def test_statement_count_does_not_grow_with_the_customers(engine, text):
    counts = {}
    for size, team in {20: "T0SMALL", 300: "T0LARGE"}.items():
        load_synthetic(engine, team_id=team, now=WEDNESDAY, tz=UTC, services=size)
        ws = Workspace(sessions=make_sessionmaker(engine), team_id=team, clock=FixedClock(WEDNESDAY), tz=UTC)
        with count_statements(engine) as counter:
            reply = reply_for(ws, text, "U00000001")
        counts[size] = counter.count
        assert "customers with active services" in reply.text
    assert counts[20] == counts[300], counts
    assert counts[20] <= 12, counts


def test_session_counts_from_the_tallies_agree_with_counting_the_appointments(engine):
    """`/delivery customers` reads each service's sessions from what health keeps; within the hour of its
    checkpoint, on either side, that is exactly what counting the appointments gives (and further off it
    counts them)."""
    load_demo_at(engine, WEDNESDAY)
    limits = HealthThresholds()
    with Session(engine) as session, session.begin():
        service = session.scalars(select(Service).where(Service.key == demo_key("service", "precision"))).one()
        person = session.scalars(select(Person.id)).first()
        window = timedelta(days=limits.engagement_window_days)
        # A session on each side of each window's edge, 20 minutes from it: the edges move past them.
        for number, at in enumerate([WEDNESDAY + timedelta(minutes=20), WEDNESDAY - window + timedelta(minutes=20),
                                     WEDNESDAY - 2 * window + timedelta(minutes=20),
                                     WEDNESDAY - timedelta(minutes=20), WEDNESDAY - window - timedelta(minutes=20),
                                     WEDNESDAY - 2 * window - timedelta(minutes=20)]):
            session.add(Appointment(team_id=TEAM, key=f"edge-{number}", person_id=person, service_id=service.id,
                                    customer_id=service.customer_id, kind=AppointmentKind.CUSTOMER_SESSION,
                                    title="Edge", starts_at=at, duration_minutes=30))
    assert refresh_kept(make_sessionmaker(engine), QueryContext(TEAM, WEDNESDAY, UTC, limits))
    with Session(engine) as session:
        assert tallies_age(session, TEAM, now=WEDNESDAY, limits=limits) == timedelta(0)
        for minutes in (-40, 0, 40, 120):  # two hours off: counted from the appointments
            now = WEDNESDAY + timedelta(minutes=minutes)
            counted = {int(sid): (int(r), int(p)) for sid, r, p in session.execute(session_counts_at(TEAM, now, limits))
                       if r or p}
            assert session_counts(session, TEAM, now=now, limits=limits) == counted, minutes
