"""One error handler: a failing listener gives the user a reference id and changes nothing."""

from __future__ import annotations

import logging

from bot.local import ask
from bot.settings import load_settings
from store.db import make_engine


def test_a_failing_listener_answers_with_a_reference_and_logs_it(tmp_path, caplog):
    # No migrations applied: the status query fails inside the listener.
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    with caplog.at_level(logging.ERROR, logger="delivery.errors"):
        reply = ask(load_settings(), "status", engine=engine)
    assert reply.status == 200
    assert reply.failed
    assert reply.text.startswith("Sorry, something went wrong on our side. Nothing was changed. Reference: ")
    reference = reply.text.rsplit(" ", 1)[1]
    assert any(reference in record.getMessage() for record in caplog.records)


def test_a_working_command_is_not_marked_failed(demo_engine):
    assert not ask(load_settings(), "help", engine=demo_engine).failed
