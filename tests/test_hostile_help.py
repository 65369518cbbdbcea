"""Find help and reallocation proposals reach Slack escaped (issue 21), on the hostile demo of
test_hostile_names.py: the Find help modal (loading, then the ranked list, with a hostile skill), the
proposal's DMs, their redraw after a decision, and the notes to the proposer, the person and the one who
clicked (a refusal naming who can, too). The proposal messages are also among the views that file's
test draws again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from support import TEAM, UTC, WEDNESDAY
from test_hostile_names import (
    ESCAPED,
    HOSTILE,
    Recorder,
    assert_clean,
    channel_origin,
    demo_ids,
    hostile_proposals,
    load_hostile_demo,
)

from bot.app import single_workspace
from bot.settings import load_settings
from handlers.reallocations import decide as help_decide
from handlers.reallocations import propose as help_propose
from handlers.views.find_help import help_modal, loading_modal
from messages.blocks.common import escape
from messages.ids import FindHelpValue, ReallocationChoice, ReallocationValue, ViewKind, ViewRef
from store.changes.reallocation import check_help_request
from store.clock import FixedClock
from store.models import PersonSkill, ServiceSkill
from store.queries.help import find_help

HOSTILE_SKILL = "& <!channel> <@uevil1> <https://evil.example|portal>"


@pytest.fixture
def workspace(engine):
    """The hostile demo (test_hostile_names.py), on each database."""
    load_hostile_demo(engine, WEDNESDAY)
    return single_workspace(load_settings(), engine, FixedClock(WEDNESDAY))


def test_find_help_and_the_reallocation_messages_and_notes_are_escaped(workspace):
    ids = demo_ids(workspace)
    gamma = ids["service-gamma"]
    with workspace.sessions.begin() as session:  # a skill Gamma needs and Bill has, hostile
        session.add(PersonSkill(team_id=TEAM, person_id=ids["person-bill"], skill=HOSTILE_SKILL))
        session.add(ServiceSkill(team_id=TEAM, service_id=gamma, skill=HOSTILE_SKILL))
    origin = channel_origin("U0DANA")
    value = FindHelpValue(s=gamma, w=ViewRef(k=ViewKind.CARD, s=gamma))
    label = workspace.read(check_help_request, actor_slack_user_id="U0DANA", service_id=gamma).label
    assert ESCAPED in assert_clean(loading_modal(label), "the Find help modal, loading")
    modal = help_modal(workspace.read(find_help, service_id=gamma), value, origin, UTC)
    everything = assert_clean(modal, "the Find help modal")
    assert ESCAPED in everything and escape(HOSTILE_SKILL) in everything and "Bill Nguyen " + ESCAPED in everything

    client = Recorder()
    help_propose(client, workspace, origin, value.w, service_id=gamma, person_id=ids["person-bill"],
                 hours_per_week=8, until=WEDNESDAY.date() + timedelta(days=7), note=f"Note {HOSTILE}")
    proposal = max(hostile_proposals(workspace))
    help_decide(client, workspace, channel_origin("U0DANA"),
                ReallocationValue(d=ReallocationChoice.APPROVE, p=proposal - 2, v=1))
    help_decide(client, workspace, channel_origin("U0NOBODY"),
                ReallocationValue(d=ReallocationChoice.APPROVE, p=proposal, v=1))  # refused: who can
    methods = {method for method, _params in client.calls}
    assert {"chat_postMessage", "chat_update", "chat_postEphemeral"} <= methods, methods
    for method, params in client.calls:
        assert_clean(params, f"Find help's {method}")
    assert any(ESCAPED in params.get("text", "") for _method, params in client.calls)
