"""`/delivery subscribe sla-warnings`: an alert subscription, posted as tickets breach their SLA and never
planned by the digest runner (handlers/commands/parse.py, store/digests.py, digests/plan.py,
handlers/commands/subscriptions.py, messages/blocks/subscriptions.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select
from sqlalchemy.orm import Session
from support import WEDNESDAY

from bot.app import single_workspace
from bot.settings import load_settings
from digests.plan import planned_digests
from handlers.commands.delivery import reply_for
from handlers.commands.parse import Subcommand, UsageError, parse_command
from store.changes import ChangeRefused
from store.clock import FixedClock
from store.demo import spec
from store.digests import alert_channels, subscribe, unsubscribe
from store.enums import AlertKind, DigestKind
from store.models import DigestSubscription

OPS = "U0DANA"  # ops in the demo
MEMBER = "U0BILL"  # a member in the demo
SLA = AlertKind.SLA_WARNINGS


def added_channels(workspace) -> list[str]:
    """The channels subscribed to SLA warnings besides the demo's own ops channel."""
    return [c for c in workspace.read(alert_channels, kind=SLA) if c != spec.DEMO_OPS_CHANNEL]


def workspace_of(engine, **settings):
    return single_workspace(load_settings(**settings), engine, FixedClock(WEDNESDAY))


def rows_of(engine, channel_id: str) -> list[tuple[str, str, str, str, bool]]:
    with Session(engine) as session:
        return list(session.execute(select(
            DigestSubscription.digest, DigestSubscription.at_time, DigestSubscription.days,
            DigestSubscription.timezone, DigestSubscription.all_clear,
        ).where(DigestSubscription.channel_id == channel_id).order_by(DigestSubscription.digest)))


# -- parsing -------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, subcommand", [
    ("subscribe sla-warnings", Subcommand.SUBSCRIBE), ("subscribe SLA-Warnings", Subcommand.SUBSCRIBE),
    ("unsubscribe sla-warnings", Subcommand.UNSUBSCRIBE),
])
def test_sla_warnings_is_accepted_after_subscribe_and_unsubscribe(text, subcommand):
    command = parse_command(text)
    assert command.subcommand == subcommand
    assert command.subscription is not None
    assert command.subscription.digest == "sla-warnings"
    assert (command.subscription.at_time, command.subscription.days, command.subscription.timezone,
            command.subscription.all_clear) == (None, None, None, False)


@pytest.mark.parametrize("options", ["08:30", "weekdays", "Europe/London", "all-clear", "09:00 mon,wed UTC"])
def test_schedule_words_after_sla_warnings_are_refused_saying_what_to_type(options):
    with pytest.raises(UsageError) as refused:
        parse_command(f"subscribe sla-warnings {options}")
    message = str(refused.value)
    assert "posted as tickets cross their thresholds" in message
    assert f"(you typed '{options}')" in message
    assert message.endswith("Type `/delivery subscribe sla-warnings` on its own.")


def test_a_digest_that_is_not_one_lists_sla_warnings_among_the_choices():
    with pytest.raises(UsageError) as refused:
        parse_command("subscribe nightly-report")
    assert str(refused.value) == ("'nightly-report' is not a digest a channel can get; choose one of at-risk, "
                                  "overdue-tickets, weekly-portfolio, patterns, sla-warnings, escalations, for example "
                                  "`/delivery subscribe at-risk`.")


def test_digests_still_take_their_schedule_words():
    command = parse_command("subscribe at-risk 07:15 mon,fri Europe/London all-clear")
    assert command.subscription is not None
    assert (command.subscription.at_time, command.subscription.days, command.subscription.timezone,
            command.subscription.all_clear) == ("07:15", "mon,fri", "Europe/London", True)
    with pytest.raises(UsageError, match="'25:00' is not a time of day"):
        parse_command("subscribe at-risk 25:00")


# -- the store -----------------------------------------------------------------------------------


def test_subscribing_to_sla_warnings_then_alert_channels_lists_the_channels_sorted(demo_engine):
    workspace = workspace_of(demo_engine)
    for channel in ("C0WARN2", "C0WARN1"):
        made = workspace.change(subscribe, digest=SLA.value, channel_id=channel, timezone="Europe/London",
                                actor_slack_user_id=OPS)
        assert made.digest == "sla-warnings" and made.channel_id == channel
    workspace.change(subscribe, digest=DigestKind.AT_RISK.value, channel_id="C0DIGEST", timezone="UTC",
                     actor_slack_user_id=OPS)
    # Another team's subscription is not this team's.
    with Session(demo_engine) as session, session.begin():
        session.execute(insert(DigestSubscription), [dict(
            team_id="T0OTHER", digest=SLA.value, channel_id="C0ELSEWHERE", at_time="00:00", days="daily",
            timezone="UTC", all_clear=False, created_at=WEDNESDAY)])

    assert added_channels(workspace) == ["C0WARN1", "C0WARN2"]
    # The schedule columns are NOT NULL but unused for an alert: placeholders and the time zone given.
    assert rows_of(demo_engine, "C0WARN1") == [("sla-warnings", "00:00", "daily", "Europe/London", False)]


def test_an_alert_stores_placeholders_whatever_schedule_it_is_given_and_subscribing_again_keeps_one_row(
        demo_engine):
    workspace = workspace_of(demo_engine)
    workspace.change(subscribe, digest=SLA.value, channel_id="C0WARN", at_time="08:30", days="mon",
                     timezone="UTC", all_clear=True, actor_slack_user_id=OPS)
    workspace.change(subscribe, digest=SLA.value, channel_id="C0WARN", timezone="UTC", actor_slack_user_id=OPS)
    assert rows_of(demo_engine, "C0WARN") == [("sla-warnings", "00:00", "daily", "UTC", False)]
    assert added_channels(workspace) == ["C0WARN"]


def test_a_member_may_not_subscribe_or_unsubscribe_a_channel_to_sla_warnings(demo_engine):
    workspace = workspace_of(demo_engine)
    with pytest.raises(ChangeRefused) as refused:
        workspace.change(subscribe, digest=SLA.value, channel_id="C0WARN", timezone="UTC",
                         actor_slack_user_id=MEMBER)
    assert refused.value.who_can == "leads and ops" and refused.value.linked
    assert added_channels(workspace) == []

    workspace.change(subscribe, digest=SLA.value, channel_id="C0WARN", timezone="UTC", actor_slack_user_id=OPS)
    with pytest.raises(ChangeRefused):
        workspace.change(unsubscribe, digest=SLA.value, channel_id="C0WARN", actor_slack_user_id=MEMBER)
    assert added_channels(workspace) == ["C0WARN"]
    assert workspace.change(unsubscribe, digest=SLA.value, channel_id="C0WARN", actor_slack_user_id=OPS)
    assert added_channels(workspace) == []


# -- the digest runner ---------------------------------------------------------------------------


def test_a_channel_with_an_at_risk_digest_and_sla_warnings_plans_only_the_digest(demo_engine):
    workspace = workspace_of(demo_engine)
    for digest in (DigestKind.AT_RISK.value, SLA.value):
        workspace.change(subscribe, digest=digest, channel_id="C0BOTH", timezone="UTC", actor_slack_user_id=OPS)

    planned = planned_digests(workspace)
    assert [p.digest for p in planned if p.channel_id == "C0BOTH"] == [DigestKind.AT_RISK]
    assert all(isinstance(p.digest, DigestKind) for p in planned)
    # The digest keeps its default schedule (the store's, as no time or days were given).
    (at_risk,) = [p for p in planned if p.channel_id == "C0BOTH"]
    assert at_risk.plan.describe() == "weekdays at 08:30 (UTC)"


# -- the replies ---------------------------------------------------------------------------------


def test_the_subscribe_confirmation_says_what_is_posted_and_who_gets_earlier_warnings(demo_engine):
    workspace = workspace_of(demo_engine)
    reply = reply_for(workspace, "subscribe sla-warnings", OPS, channel_id="C0WARN")
    assert reply.text == (":white_check_mark: <#C0WARN> gets *SLA warnings*: a post when an open ticket breaches "
                          "its SLA. Earlier warnings, at 50% and 75% of the SLA, go by DM to the ticket's owner (the "
                          "service's lead when it has none), and at the last of them to the lead too, not to the "
                          "channel. `/delivery unsubscribe sla-warnings` stops them.")
    assert "Next:" not in reply.text
    assert added_channels(workspace) == ["C0WARN"]


def test_the_confirmation_names_the_workspaces_own_warning_levels(demo_engine):
    workspace = workspace_of(demo_engine, delivery_sla_warn_at="60,80,90")
    reply = reply_for(workspace, "subscribe sla-warnings", OPS, channel_id="C0WARN")
    assert "at 60%, 80% and 90% of the SLA" in reply.text


def test_a_member_is_told_who_can_subscribe_and_nothing_changes(demo_engine):
    workspace = workspace_of(demo_engine)
    reply = reply_for(workspace, "subscribe sla-warnings", MEMBER, channel_id="C0WARN")
    assert reply.text == "Only leads and ops can subscribe a channel to SLA warnings. Nothing was changed."
    assert added_channels(workspace) == []


def test_schedule_words_are_answered_with_the_usage_and_what_to_type(demo_engine):
    reply = reply_for(workspace_of(demo_engine), "subscribe sla-warnings 08:30 <!here>", OPS, channel_id="C0WARN")
    assert "posted as tickets cross their thresholds" in reply.text
    assert "&lt;!here&gt;" in reply.text and "<!here>" not in reply.text


def test_subscriptions_list_an_alert_as_tickets_breach_their_sla_not_a_schedule(demo_engine):
    workspace = workspace_of(demo_engine)
    reply_for(workspace, "subscribe at-risk 07:00", OPS, channel_id="C0BOTH")
    reply_for(workspace, "subscribe sla-warnings", OPS, channel_id="C0BOTH")
    listed = reply_for(workspace, "subscriptions", OPS, channel_id="C0BOTH").text
    assert "• <#C0BOTH>: *sla-warnings* as tickets breach their SLA\n" in listed + "\n"
    assert "• <#C0BOTH>: *at-risk* weekdays at 07:00" in listed
    alert_line = next(line for line in listed.splitlines() if "sla-warnings" in line)
    assert "00:00" not in alert_line and "daily" not in alert_line


def test_unsubscribing_says_the_channel_no_longer_gets_sla_warnings(demo_engine):
    workspace = workspace_of(demo_engine)
    reply_for(workspace, "subscribe sla-warnings", OPS, channel_id="C0WARN")
    gone = reply_for(workspace, "unsubscribe sla-warnings", OPS, channel_id="C0WARN")
    assert gone.text.startswith("<#C0WARN> no longer gets SLA warnings")
    again = reply_for(workspace, "unsubscribe sla-warnings", OPS, channel_id="C0WARN")
    assert again.text == "<#C0WARN> was not subscribed to SLA warnings; nothing to stop."
    assert added_channels(workspace) == []


HOSTILE_CHANNEL = "C1>|<!channel> <@UEVIL1>"


def test_a_malformed_channel_id_is_shown_escaped_in_every_alert_reply(demo_engine):
    workspace = workspace_of(demo_engine)
    for text in ("subscribe sla-warnings", "subscriptions", "unsubscribe sla-warnings", "unsubscribe sla-warnings"):
        reply = reply_for(workspace, text, OPS, channel_id=HOSTILE_CHANNEL)
        everything = reply.text + str(reply.block_dicts())
        assert "<!channel>" not in everything and "<@UEVIL1>" not in everything, (text, reply.text)


# -- escalations (issue 21): the last step of a blocked deliverable's escalation ---------------------------


def test_a_channel_subscribes_to_escalations_and_is_told_which_step_it_gets(demo_engine):
    workspace = workspace_of(demo_engine, delivery_escalation_days="1,3,5")
    made = reply_for(workspace, "subscribe escalations", OPS, channel_id="C0ESC")
    assert made.text.startswith(":white_check_mark: <#C0ESC> gets *escalations*: a post when a deliverable has been "
                                "blocked 5 days")
    assert "At 1 and 3 days its owner and then the service's lead are told by DM" in made.text
    assert workspace.read(alert_channels, kind=AlertKind.ESCALATIONS) == ["C0ESC"]
    assert rows_of(demo_engine, "C0ESC")[0][:3] == ("escalations", "00:00", "daily")
    assert [p for p in planned_digests(workspace) if p.channel_id == "C0ESC"] == [], "an alert is never planned"
    listed = reply_for(workspace, "subscriptions", OPS, channel_id="C0ESC")
    assert "<#C0ESC>: *escalations* as blocked deliverables reach the last step of their escalation" in listed.text
    with pytest.raises(UsageError, match="^Escalations are posted as blocked deliverables reach their last step"):
        parse_command("subscribe escalations 08:30")
    refused = reply_for(workspace, "subscribe escalations", MEMBER, channel_id="C0ESC2")
    assert refused.text.startswith("Only leads and ops can subscribe a channel to escalations.")
    gone = reply_for(workspace, "unsubscribe escalations", OPS, channel_id="C0ESC")
    assert gone.text.startswith("<#C0ESC> no longer gets escalations")
    assert workspace.read(alert_channels, kind=AlertKind.ESCALATIONS) == []
