"""A blocked deliverable followed through with hostile names (issue 21): the Snooze and Escalate now modals,
the ladder's posts and updates, the snooze's return DM and the card showing them reach Slack escaped, on the
hostile demo of test_hostile_names.py."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

from support import WEDNESDAY
from test_hostile_names import (
    ESCAPED,
    HOSTILE,
    assert_clean,
    assert_reply_clean,
    channel_origin,
    hostile_engine,
    hostile_sso,
    workspace,
)

from bot.app import web_client
from bot.settings import load_settings
from digests.escalations import run_escalations
from handlers.commands.delivery import reply_for
from handlers.deliverable_follow import apply_snooze
from handlers.views.escalate_deliverable import escalate_modal
from handlers.views.snooze_deliverable import snooze_modal
from messages.ids import DeliverableFollowValue, FollowAction, ViewKind, ViewRef
from store.clock import FixedClock
from store.digests import subscribe
from store.queries.deliverable import deliverable_name

__all__ = ["hostile_engine", "workspace"]  # the fixtures, used here by name


def test_escalations_snoozes_their_modals_posts_and_notes_are_escaped(workspace, fake_slack):
    sso = hostile_sso(workspace)
    origin = channel_origin("U0RYAN")
    value = DeliverableFollowValue(a=FollowAction.SNOOZE, d=sso.id, v=sso.version,
                                   w=ViewRef(k=ViewKind.CARD, s=sso.service_id))
    name = workspace.read(deliverable_name, deliverable_id=sso.id)
    assert ESCAPED in assert_clean(snooze_modal(value, origin, name, WEDNESDAY.date()), "the Snooze modal")
    assert ESCAPED in assert_clean(escalate_modal(value, origin, name), "the Escalate now modal")

    client = web_client(load_settings(slack_api_url=fake_slack.api_url), "xoxb-test")
    workspace.change(subscribe, digest="escalations", channel_id="C0OPS", timezone="UTC")
    thursday = replace(workspace, clock=FixedClock(WEDNESDAY + timedelta(days=1, minutes=1)))
    report = run_escalations(client, thursday)
    assert report.sent, report
    apply_snooze(client, thursday, origin, value, until=WEDNESDAY + timedelta(days=2), reason=f"Later {HOSTILE}")
    later = replace(workspace, clock=FixedClock(WEDNESDAY + timedelta(days=2)))
    assert run_escalations(client, later).returned == [sso.id]
    methods = {call.method for call in fake_slack.calls}
    assert {"chat.postMessage", "chat.update", "chat.postEphemeral"} <= methods, methods
    for call in fake_slack.calls:
        assert_clean({"text": call.params.get("text"), "blocks": call.params.get("blocks")}, call.method)
    posted = [call.params for call in fake_slack.calls_to("chat.postMessage")]
    assert any(ESCAPED in params["text"] for params in posted), "the notification text names the deliverable"
    assert any(f"Later {ESCAPED}" in json.dumps(params["blocks"]) for params in posted), "the snooze's reason"
    assert_reply_clean(reply_for(later, "status Delta", "U0RYAN"), "the card with its escalation")
