"""`/delivery customers` and a customer's card end to end (issue 22, part 3), over signed HTTP against the
served demo and the fake Slack, on both databases: Dana asks for the customers (private, with Share in
channel), Beta Corp comes first as struggling with engagement declining, she flags it from its button
(the service flag's modal and note, for the customer), the note reaches the Customer Org channel and the
flag is audited on its service; the same button again is stale. A member not on Beta's service is told
who can, and no modal opens. A customer with two active services answers `/delivery status <customer>`
with its card, and each service opens from it."""

from __future__ import annotations

import json

import pytest
from conftest import DATABASE_KINDS
from served_demo import command, modal_submission, post, served_demo
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session
from test_help_http import button, click, decoded, texts

from store.demo.build import demo_key
from store.models import Customer, PostedMessage, Service, StatusChange

CUSTOMER_ORG = "C0CUSTORG"
BETA_LINE = ("engagement declining: 1 customer session in the last 14 days, 6 in the 14 before · "
             "1 service needs attention")


@pytest.fixture(scope="module", params=DATABASE_KINDS)
def app(request, slack, tmp_path_factory):
    with served_demo(request.param, slack, tmp_path_factory.mktemp(request.param),
                     DELIVERY_CUSTOMER_ORG_CHANNEL=CUSTOMER_ORG) as demo:
        yield demo


@pytest.fixture
def fresh(app, slack):
    """Each test starts with no flags, no remembered messages, and the demo's customers."""
    slack.reset()
    with Session(app.engine) as session, session.begin():
        session.execute(delete(StatusChange).where(StatusChange.field == "flag"))
        session.execute(delete(PostedMessage))
        summit = session.scalars(select(Customer.id).where(Customer.key == demo_key("customer", "summit"))).one()
        session.execute(update(Service).where(Service.key == demo_key("service", "summit")).values(customer_id=summit))


def beta_section(reply: dict) -> dict:
    (section,) = [b for b in reply["blocks"] if b["type"] == "section" and "*Beta Corp*" in b["text"]["text"]]
    return section


def test_customers_is_private_worst_first_and_flags_beta_corp_for_the_customer_org(app, slack, fresh):
    reply = command(app, "customers", "U0DANA")
    assert reply.get("response_type", "ephemeral") == "ephemeral" and len(reply["blocks"]) <= 50
    assert "Beta Corp: struggling · " + BETA_LINE in reply["text"]
    assert "Share in channel" in texts(reply["blocks"])
    sections = [b["text"]["text"] for b in reply["blocks"] if b["type"] == "section"]
    assert sections[1].startswith(":red_circle: *Beta Corp* — Struggling (1 active service)\n" + BETA_LINE)
    precision = next(text for text in sections if "*Precision Components*" in text)
    assert precision.startswith(":large_green_circle: *Precision Components* — Thriving")

    flag = beta_section(reply)["accessory"]
    assert flag["text"]["text"] == "Flag for Customer Org"
    post(app, click(flag, user="U0DANA", response_url=slack.response_url("customers")))
    (opened,) = slack.wait_for("views.open")
    view = decoded(opened.params["view"])
    assert view["callback_id"] == "flag_customer" and view["title"]["text"] == "Flag for Customer Org"
    assert "Flag *Beta Corp* for the Customer Org" in texts(view["blocks"])

    slack.reset()
    values = {"flag_reason": {"value": {"type": "plain_text_input", "value": "Sessions dropped <fast>"}}}
    done = post(app, modal_submission(view, user="U0DANA", values=values))
    assert done.status_code == 200 and not done.text
    notes = [c for c in slack.wait_for("chat.postMessage") if c.params["channel"] == CUSTOMER_ORG]
    (note,) = notes
    assert note.params["text"] == (":triangular_flag_on_post: <@U0DANA> flagged *Beta Corp* for the Customer Org: "
                                   "Sessions dropped &lt;fast&gt;")
    assert "*Relationship*: struggling · " + BETA_LINE in texts(note.params["blocks"])
    told = [c.params["text"] for c in slack.wait_for("response_url")]
    assert any(t.startswith(":triangular_flag_on_post: Flagged for the Customer Org") for t in told), told
    with Session(app.engine) as session:
        beta = session.scalars(select(Service.id).where(Service.key == demo_key("service", "beta"))).one()
        (reason,) = session.scalars(select(StatusChange.reason).where(
            StatusChange.field == "flag", StatusChange.object_id == beta)).all()
    assert reason == "Customer Beta Corp flagged: Sessions dropped <fast>"
    history = command(app, "history beta", "U0DANA")
    assert "Customer Beta Corp flagged: Sessions dropped &lt;fast&gt;" in texts(history["blocks"])

    # The same button again, drawn before the flag: stale, told who flagged it, nothing recorded twice.
    slack.reset()
    post(app, click(flag, user="U0DANA", response_url=slack.response_url("again")))
    again, redrawn = slack.wait_for("response_url", 2)
    assert again.params["text"].startswith("Already flagged for the Customer Org by <@U0DANA>"), again.params["text"]
    assert redrawn.params["replace_original"] is True, "the stale list is drawn again as it is now"
    assert redrawn.params["text"].startswith("15 customers with active services")
    assert not [c for c in slack.calls if c.method == "views.open"]


def test_a_member_not_on_the_customers_services_is_told_who_can(app, slack, fresh):
    reply = command(app, "customers", "U0BILL")
    post(app, click(beta_section(reply)["accessory"], user="U0BILL", response_url=slack.response_url("bill")))
    (told,) = slack.wait_for("response_url")
    assert told.params["text"].startswith("You can't flag this customer for the Customer Org: only ops, or someone "
                                          "who leads or is assigned to each of its active services"), told.params
    assert not [c for c in slack.calls if c.method == "views.open"]


def test_a_customer_with_two_services_answers_with_its_card_and_opens_each(app, slack, fresh):
    with Session(app.engine) as session, session.begin():
        precision = session.scalars(select(Customer.id).where(Customer.key == demo_key("customer", "precision"))).one()
        session.execute(update(Service).where(Service.key == demo_key("service", "summit"))
                        .values(customer_id=precision))
    card = command(app, "status Precision Components", "U0RYAN")
    assert card["text"] == "Precision Components: steady · 1 overdue deliverable."
    assert card["blocks"][0]["type"] == "header" and card["blocks"][0]["text"]["text"] == "Precision Components"
    everything = texts(card["blocks"])
    assert "*2 active services*: 0 at risk · 0 need attention · 2 on track" in everything
    assert "Payments Integration" in everything and "ERP Go-Live" in everything
    assert "Share in channel" in everything and len(card["blocks"]) <= 50

    opens = [b["accessory"] for b in card["blocks"] if (b.get("accessory") or {}).get("text", {}).get("text") == "Open"]
    assert len(opens) == 2
    post(app, click(opens[1], user="U0RYAN", response_url=slack.response_url("open")))
    (opened,) = slack.wait_for("response_url")
    assert opened.params.get("replace_original") is True
    assert "Precision Components · Payments Integration" in opened.params["text"]
    assert json.dumps(opened.params["blocks"]).count("Share in channel") == 1
    # `button` finds the Share in channel of the service card it opened.
    assert button(opened.params["blocks"], "Share in channel")
