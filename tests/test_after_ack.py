"""Work after an acknowledgement (a click's change and redraws, a shared answer, App Home) runs in a
pool of its own, so it never holds Bolt's listener threads: however much of it is waiting, a new
request is still acknowledged within Slack's 3 seconds. Over real HTTP against `delivery-bot serve`."""

from __future__ import annotations

import json
import threading
import time

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.server import LISTENER_THREADS_PER_SERVER_THREAD
from handlers.after_ack import after_ack
from handlers.errors import friendly_text
from served_demo import command, overflow_click, post, row_menu, served_demo
from store.enums import DeliverableStatus
from store.models import Deliverable, StatusChange

SERVER_THREADS = 4  # what tests/served_app.py starts `serve` with
# More clicks than Bolt has listener threads: were each click's work to keep its listener thread
# while it waits, the clicks past this many could not be acknowledged at all.
CLICKS = LISTENER_THREADS_PER_SERVER_THREAD * SERVER_THREADS + 8
SLACK_ACK_SECONDS = 3


@pytest.fixture(scope="module")
def app(slack, tmp_path_factory):
    with served_demo("sqlite", slack, tmp_path_factory.mktemp("after-ack")) as demo:
        yield demo


def _deliverable(app, name: str) -> Deliverable:
    with Session(app.engine) as session:
        return session.scalars(select(Deliverable).where(Deliverable.name == name)).one()


def _changes_to(app, deliverable_id: int) -> int:
    with Session(app.engine) as session:
        return session.scalar(select(func.count()).where(StatusChange.object_type == "deliverable",
                                                         StatusChange.object_id == deliverable_id))


def test_clicks_are_acknowledged_while_the_work_of_every_earlier_click_waits_for_slack(app, slack):
    slack.reset()
    card = command(app, "status Delta Corp", "U0RYAN")
    menu, block_id = row_menu(card, "SSO integration")
    (unblock,) = [o for o in menu["options"] if o["text"]["text"] == "Unblock"]
    target = _deliverable(app, "SSO integration")
    before = _changes_to(app, target.id)

    release = slack.hold("response_url")  # every click's work ends in a response_url post: all wait
    try:
        for n in range(CLICKS):
            started = time.monotonic()
            acked = post(app, overflow_click(menu, block_id, unblock, user="U0RYAN",
                                             response_url=slack.response_url(f"click-{n}")))
            took = time.monotonic() - started
            assert acked.status_code == 200, f"click {n} of {CLICKS} was not acknowledged ({acked.status_code})"
            assert took < SLACK_ACK_SECONDS, f"click {n} of {CLICKS} was acknowledged after {took:.1f} s"
    finally:
        release()

    # The first click applies and redraws; each later one finds it already done, says so and redraws.
    posts = slack.wait_for("response_url", count=1 + 2 * (CLICKS - 1), timeout=60)
    told = {call.name for call in posts if call.params.get("text", "").startswith("Already marked In progress")}
    assert told == {f"click-{n}" for n in range(1, CLICKS)}
    now = _deliverable(app, "SSO integration")
    assert now.status == DeliverableStatus.IN_PROGRESS and now.version == target.version + 1
    assert _changes_to(app, target.id) == before + 1, "exactly one of the clicks changed the deliverable"
    assert ":hourglass_flowing_sand: SSO integration" in json.dumps(
        [call.params.get("blocks") for call in posts if call.name == "click-0"])


def test_a_failure_after_the_ack_is_told_to_the_person_with_a_reference(caplog):
    told: list[dict] = []
    answered = threading.Event()

    def respond(**message) -> None:
        told.append(message)
        answered.set()

    def failing() -> None:
        raise RuntimeError("the store went away")

    after_ack({"type": "block_actions"}, failing, respond=respond)

    assert answered.wait(5), "the person was not told"
    (message,) = told
    reference = message["text"].rsplit(" ", 1)[-1]
    assert message == {"text": friendly_text(reference), "response_type": "ephemeral", "replace_original": False}
    assert any(f"ref {reference}" in record.getMessage() and record.exc_info for record in caplog.records)

