"""A process's store reads and changes pass one gate (DELIVERY_STORE_CONCURRENCY): past its
limit they wait their turn, and they never run without holding it."""

from __future__ import annotations

import threading

from support import TEAM, WEDNESDAY

from bot.app import single_workspace
from bot.settings import load_settings
from store.clock import FixedClock


def test_a_read_waits_while_the_gate_is_full_and_runs_once_it_opens(demo_engine):
    settings = load_settings(database_url="sqlite://", delivery_team_id=TEAM, delivery_store_concurrency=1)
    workspace = single_workspace(settings, demo_engine, FixedClock(WEDNESDAY))
    done = threading.Event()
    answers = []

    def ask() -> None:
        answers.append(workspace.portfolio_status().active_services)
        done.set()

    with workspace.gate:  # another request holds the only place
        reader = threading.Thread(target=ask)
        reader.start()
        assert not done.wait(0.3), "the read ran without the gate"
    assert done.wait(10), "the read did not run once the gate opened"
    reader.join()
    assert answers == [15]


def test_the_gate_is_released_when_a_change_fails(demo_engine):
    settings = load_settings(database_url="sqlite://", delivery_team_id=TEAM, delivery_store_concurrency=1)
    workspace = single_workspace(settings, demo_engine, FixedClock(WEDNESDAY))

    def failing(session, context):
        raise ValueError("refused")

    for _ in range(2):
        try:
            workspace.change(failing)
        except ValueError:
            pass
    assert workspace.gate.acquire(timeout=1), "a failed change kept the gate"
    workspace.gate.release()
