"""Parsing `/delivery` text and the replies built from it (no HTTP)."""

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from handlers.commands.parse import Subcommand, UsageError, parse_command
from messages.blocks.common import MAX_MESSAGE_BLOCKS, MAX_SECTION_TEXT
from messages.blocks.portfolio import headline, portfolio_status_message
from store.enums import Health, Phase
from store.readmodels import DeliverableTally, FindingView, PersonRef, PortfolioStatus, ServiceHealthView

UTC = ZoneInfo("UTC")


@pytest.mark.parametrize("text", ["", "   ", "help", "HELP", "--help", "?"])
def test_help_words(text):
    assert parse_command(text).subcommand == Subcommand.HELP


@pytest.mark.parametrize("text", ["status", "Status", "  status  "])
def test_status(text):
    assert parse_command(text).subcommand == Subcommand.STATUS


def test_unknown_subcommand_is_a_usage_error():
    with pytest.raises(UsageError, match="I don't know '/delivery capacityy'"):
        parse_command("capacityy")


def status_with(attention: list[ServiceHealthView], *, at_risk=1, attention_count=2, on_track=12) -> PortfolioStatus:
    return PortfolioStatus(
        as_of=datetime(2026, 11, 18, 15, tzinfo=timezone.utc),
        active_services=at_risk + attention_count + on_track,
        health_counts={Health.ON_TRACK: on_track, Health.NEEDS_ATTENTION: attention_count, Health.AT_RISK: at_risk},
        phase_counts={phase: 1 for phase in Phase},
        deliverables=DeliverableTally(complete=12, in_progress=3),
        overdue_tickets=0,
        milestones_this_week=[], milestones_this_week_total=0,
        needing_attention=attention,
    )


def service(number: int, name: str = "Service") -> ServiceHealthView:
    return ServiceHealthView(
        service_id=number, service_name=f"{name} {number}", customer_name=f"Customer {number}",
        phase=Phase.BUILD, owner=PersonRef(name="Ryan"), action_note=None, health=Health.AT_RISK,
        computed_health=Health.AT_RISK,
        findings=[FindingView(health=Health.AT_RISK, rule="blocked_deliverable", reason="x" * 5000)],
    )


def test_headline_grammar():
    assert headline(status_with([])) == "15 active services. 12 on track, 2 need attention, 1 at risk."
    assert headline(status_with([], attention_count=1, on_track=0, at_risk=0)) == (
        "1 active service. 0 on track, 1 needs attention, 0 at risk."
    )


def test_long_lists_are_cut_within_block_kit_limits():
    many = [service(n) for n in range(200)]
    reply = portfolio_status_message(status_with(many, at_risk=200, attention_count=0, on_track=0), UTC)
    blocks = reply.block_dicts()
    assert len(blocks) <= MAX_MESSAGE_BLOCKS
    assert any("and 160 more services need attention" in b.get("text", {}).get("text", "") for b in blocks)
    for block in blocks:
        if block["type"] == "section" and "text" in block:
            assert len(block["text"]["text"]) <= MAX_SECTION_TEXT


def test_user_provided_names_are_escaped():
    view = service(1).model_copy(update={"customer_name": "<!channel> & Co", "findings": []})
    reply = portfolio_status_message(status_with([view]), UTC)
    text = str(reply.block_dicts())
    assert "<!channel>" not in text and "&lt;!channel&gt; &amp; Co" in text
