"""Hostile names in `/delivery customers`' companions (issue 22, part 3): a customer's card, its Flag
modal, the note to the Customer Org and the messages the flag redraws reach Slack escaped. The check and
the hostile portfolio are tests/test_hostile_names.py's (which also runs `/delivery customers` itself with
every other command); both databases."""

from __future__ import annotations

from sqlalchemy import select, update
from test_hostile_names import (  # noqa: F401 (hostile_engine and workspace are fixtures)
    ESCAPED,
    HOSTILE,
    Recorder,
    assert_clean,
    assert_reply_clean,
    channel_origin,
    hostile_engine,
    workspace,
)

from handlers.commands.delivery import reply_for
from handlers.views.flag_customer import apply_customer_flag, customer_flag_modal
from messages.ids import ActionId, CustomerFlagValue, ViewKind
from store.demo.build import KEY_PREFIX
from store.models import Customer, Service
from store.queries.customers import customer_relationship
from store.queries.posted import remember_message


def test_a_customer_card_its_flag_modal_and_its_note_are_escaped(workspace):  # noqa: F811
    listing = reply_for(workspace, "customers", "U0DANA")
    assert ESCAPED in assert_reply_clean(listing, "/delivery customers")
    with workspace.sessions.begin() as session:
        precision = session.scalars(select(Customer.id).where(Customer.key == f"{KEY_PREFIX}customer-precision")).one()
        session.execute(update(Service).where(Service.key == f"{KEY_PREFIX}service-summit")
                        .values(customer_id=precision))
    card = reply_for(workspace, "status Precision", "U0RYAN")
    everything = assert_reply_clean(card, "customer card")
    assert card.view is not None and card.view.k == ViewKind.LOOKUP and "*2 active services*" in everything
    assert ESCAPED in card.text, "the fallback text names the customer, escaped"
    # A copy shared in a channel, so the flag redraws it too.
    workspace.change(remember_message, channel_id="C0OPS", ts="1700000000.000500", view=card.view.model_dump_json(),
                     viewer_slack_user_id="U0RYAN", objects=card.shows)

    found = workspace.read(customer_relationship, customer_id=precision)
    assert found is not None
    value = CustomerFlagValue(c=precision, v=found.version, w=card.view)
    origin = channel_origin("U0DANA")
    modal = customer_flag_modal(value, origin, found.name, found.services, "C0CUSTORG")
    assert ESCAPED[:100] in assert_clean(modal, "customer Flag modal")

    client = Recorder()
    apply_customer_flag(client, workspace, origin, value, f"Exec review {HOSTILE}", "C0CUSTORG")
    for method, params in client.calls:
        assert_clean(params, method)
    (note,) = [params for method, params in client.calls if method == "chat_postMessage"
               and params.get("channel") == "C0CUSTORG"]
    assert ESCAPED in note["text"] and "flagged *Precision Components" in note["text"]
    redrawn = {params["ts"] for method, params in client.calls if method == "chat_update"}
    assert redrawn >= {"1700000000.000500"}, "the shared card is drawn again"
    flags = [b for b in listing.block_dicts() if (b.get("accessory") or {}).get("action_id", "")
             .startswith(ActionId.FLAG_CUSTOMER.value)]
    assert flags, "the hostile demo has struggling customers, each with its flag"
