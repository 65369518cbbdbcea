"""Work after an acknowledgement (a click's change and redraws, a shared answer, App Home) runs in a
pool of its own, so it never holds Bolt's listener threads: however much of it is waiting, a new
request is still acknowledged within Slack's 3 seconds. While that work has waited too long to
start, new work is refused with "busy" and nothing changes. Over real HTTP against `delivery-bot serve`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest
from served_demo import command, overflow_click, post, row_menu, served_demo
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from test_changes_http import submission

from bot.server import LISTENER_THREADS_PER_SERVER_THREAD
from handlers.after_ack import AFTER_ACK_THREADS, BUSY_CHANGE_TEXT, BUSY_FORM_TEXT, Pools, WorkQueue, after_ack
from handlers.errors import friendly_text
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

    after_ack({"pools": Pools.make()}, {"type": "block_actions"}, failing, respond=respond)

    assert answered.wait(5), "the person was not told"
    (message,) = told
    reference = message["text"].rsplit(" ", 1)[-1]
    assert message == {"text": friendly_text(reference), "response_type": "ephemeral", "replace_original": False}
    assert any(f"ref {reference}" in record.getMessage() and record.exc_info for record in caplog.records)



def _option(menu: dict, label: str) -> dict:
    (found,) = [o for o in menu["options"] if o["text"]["text"] == label]
    return found


@pytest.fixture(scope="module")
def quick_to_refuse(slack, tmp_path_factory):
    with served_demo("sqlite", slack, tmp_path_factory.mktemp("busy"), DELIVERY_BUSY_AFTER_SECONDS="1") as demo:
        yield demo


def test_while_queued_work_waits_too_long_new_changes_are_refused_and_nothing_changes(quick_to_refuse, slack):
    app = quick_to_refuse
    slack.reset()
    filler_menu, filler_block = row_menu(command(app, "status Delta Corp", "U0RYAN"), "SSO integration")
    orion_menu, orion_block = row_menu(command(app, "status Orion Logistics", "U0RYAN"),
                                       "Fleet Tracking Build deliverable 5")
    erp_menu, erp_block = row_menu(command(app, "status Precision", "U0RYAN"), "ERP Go-Live deliverable 14")
    post(app, overflow_click(erp_menu, erp_block, _option(erp_menu, "Block"), user="U0RYAN",
                             response_url=slack.response_url("block")))
    (opened,) = slack.wait_for("views.open")
    modal = opened.params["view"]
    modal = json.loads(modal) if isinstance(modal, str) else modal

    release = slack.hold("response_url")
    try:
        # Four clicks take the pool's four threads and wait for Slack; a fifth waits for a thread.
        for n in range(5):
            post(app, overflow_click(filler_menu, filler_block, _option(filler_menu, "Unblock"), user="U0RYAN",
                                     response_url=slack.response_url(f"filler-{n}")))
        time.sleep(1.5)  # the server is another process: its clock cannot be pinned from here
        refused = post(app, overflow_click(orion_menu, orion_block, _option(orion_menu, "Complete"), user="U0RYAN",
                                           response_url=slack.response_url("refused")))
        kept_open = post(app, submission(modal, user="U0RYAN", reason="Waiting on the IdP", until=None))
    finally:
        release()

    assert refused.status_code == 200
    assert kept_open.json() == {"response_action": "errors", "errors": {"block_reason": BUSY_FORM_TEXT}}
    posts = slack.wait_for("response_url", count=1 + 2 * 4 + 1, timeout=30)
    (told,) = [call for call in posts if call.name == "refused"]
    assert told.params["text"] == BUSY_CHANGE_TEXT and told.params["replace_original"] is False
    assert _deliverable(app, "Fleet Tracking Build deliverable 5").status == DeliverableStatus.IN_PROGRESS
    assert _deliverable(app, "ERP Go-Live deliverable 14").status == DeliverableStatus.IN_PROGRESS
    assert _deliverable(app, "SSO integration").status == DeliverableStatus.IN_PROGRESS

    # Once the queue has drained, the same click goes through. The fillers' replies reach Slack a
    # moment before their work is counted finished in the server (another process): until then it
    # may still refuse, saying so and changing nothing, so the click is tried again for a while.
    deadline = time.monotonic() + 10
    while True:
        slack.reset()
        post(app, overflow_click(orion_menu, orion_block, _option(orion_menu, "Complete"), user="U0RYAN",
                                 response_url=slack.response_url("again")))
        (redrawn,) = slack.wait_for("response_url")
        if redrawn.params.get("text") != BUSY_CHANGE_TEXT or time.monotonic() > deadline:
            break
        assert _deliverable(app, "Fleet Tracking Build deliverable 5").status == DeliverableStatus.IN_PROGRESS
        time.sleep(0.2)
    assert redrawn.params["replace_original"] is True
    assert _deliverable(app, "Fleet Tracking Build deliverable 5").status == DeliverableStatus.COMPLETE


def test_with_nothing_finished_yet_a_queue_is_busy_once_its_oldest_unfinished_work_waited_past_the_limit(caplog):
    now = [100.0]
    queue = WorkQueue("test-queue", 1, clock=lambda: now[0])
    finish = threading.Event()
    first = queue.submit(finish.wait, 10)
    assert queue.expected_wait() == 0.0 and not queue.busy(10)
    now[0] += 10.5
    assert queue.expected_wait() == 10.5 and queue.busy(10)
    assert "test-queue: refused new work as busy: it would be done in about 10.5 s" in caplog.text
    finish.set()
    first.result(5)
    assert queue.expected_wait() == 0.0


def test_a_queue_is_busy_while_the_work_ahead_at_the_recent_pace_would_take_past_the_limit():
    now = [100.0]
    queue = WorkQueue("test-queue", 2, clock=lambda: now[0])

    def takes_two_seconds() -> None:
        now[0] += 2

    for _ in range(3):
        queue.submit(takes_two_seconds).result(5)
    finish = threading.Event()
    running = [queue.submit(finish.wait, 10) for _ in range(2)]
    # Two running, then new work: three pieces on two threads at 2 s each.
    assert queue.expected_wait() == 3.0 and not queue.busy(10)
    queued = [queue.submit(lambda: None) for _ in range(8)]
    # Ten unfinished ahead of new work: eleven pieces on two threads at 2 s each.
    assert queue.expected_wait() == 11.0 and queue.busy(10)
    finish.set()
    for future in running + queued:
        future.result(5)
    assert queue.expected_wait() == 0.0 and not queue.busy(10)


def _gunicorn_master(base: str) -> int:
    port = base.rsplit(":", 1)[1]
    found = subprocess.run(["pgrep", "-f", f"bot.cli serve .*--port {port}"], capture_output=True, text=True)
    pids = {int(line) for line in found.stdout.split()}
    # The workers are forks of the master, with its command line: the master's parent is not one of them.
    (master,) = [pid for pid in pids if int(Path(f"/proc/{pid}/stat").read_text().split()[3]) not in pids]
    return master


def test_a_graceful_stop_finishes_the_work_of_every_acknowledged_click(slack, tmp_path):
    """A deploy stops replicas with SIGTERM: changes acknowledged but still queued must be applied
    before the process exits, not dropped with it."""
    with served_demo("sqlite", slack, tmp_path) as app:
        slack.reset()
        rows = [block for text in ("status Delta Corp", "status Orion Logistics", "status Precision")
                for block in command(app, text, "U0RYAN")["blocks"]
                if (block.get("accessory") or {}).get("type") == "overflow"]
        clicks = []
        for block in rows:
            menu = block["accessory"]
            direct = [o for o in menu["options"] if o["text"]["text"] in ("Start", "Complete", "Unblock")]
            if direct:
                clicks.append((menu, block.get("block_id", ""), direct[0]))
        assert len(clicks) >= 6, "enough deliverables to fill the pool's threads and queue behind them"
        before = {menu["action_id"]: json.loads(option["value"]) for menu, _, option in clicks}

        release = slack.hold("response_url")  # each click's work ends in a response_url post
        try:
            for n, (menu, block_id, option) in enumerate(clicks):
                acked = post(app, overflow_click(menu, block_id, option, user="U0RYAN",
                                                 response_url=slack.response_url(f"click-{n}")))
                assert acked.status_code == 200
            master = _gunicorn_master(app.base)
            time.sleep(0.5)
            queued = _unchanged(app, before)
            os.kill(master, signal.SIGTERM)
            time.sleep(1)  # the stop has begun while the work waits for Slack
        finally:
            release()
        deadline = time.monotonic() + 25
        while time.monotonic() < deadline and _running(master):
            time.sleep(0.2)

        assert len(queued) >= len(clicks) - AFTER_ACK_THREADS, "clicks were still queued when the stop began"
        assert not _running(master), "the server did not stop within 25 s"
        lost = _unchanged(app, before)
        assert lost == [], f"{len(lost)} of {len(before)} acknowledged clicks were lost on the stop"


def _unchanged(app, clicked: dict) -> list[int]:
    """The clicked deliverables still at the version their click was drawn from."""
    with Session(app.engine) as session:
        versions = {d.id: d.version for d in session.scalars(select(Deliverable))}
    return [v["d"] for v in clicked.values() if versions[v["d"]] == v["v"]]


def _running(pid: int) -> bool:
    """Alive and not a zombie (an exited child the test runner has not reaped yet)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except FileNotFoundError:
        return False
