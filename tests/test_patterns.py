"""`/delivery patterns [N weeks]` and blocker categories (issue 22, parts 1 and 2): the rules as pure
functions, the store's answer on both databases (the demo's story, and block episodes made through the
change itself), the command parsed, the message within Slack's limits, the patterns digest, and the answer
over signed HTTP."""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from slack_signing import slash_command_body
from sqlalchemy import select
from sqlalchemy.orm import Session
from support import TEAM, UTC, WEDNESDAY, load_demo_at
from test_interactions_http import post

from bot.app import single_workspace
from bot.settings import load_settings
from handlers.commands.parse import Subcommand, UsageError, parse_command
from handlers.views.block_deliverable import CATEGORY_MISSING, block_form_errors, read_block_form
from messages.blocks.common import MAX_MESSAGE_BLOCKS, MAX_SECTION_TEXT
from messages.blocks.patterns import patterns_message
from messages.digests.patterns import render as render_digest
from messages.views import build_digest
from store.changes.deliverables import move_deliverable
from store.clock import FixedClock
from store.context import QueryContext
from store.db import make_sessionmaker
from store.enums import BlockerCategory, DigestKind, Phase
from store.models import Deliverable, StatusChange
from store.queries.patterns import patterns_report
from store.rules.patterns import (
    Episode,
    Ranked,
    category_of,
    category_tallies,
    name_type,
    near_duplicates,
    normalised_title,
    overlap_days,
    pattern_spans,
    recurs,
    what_works,
)
from store.rules.transitions import Move

CTX = QueryContext(TEAM, WEDNESDAY, UTC)  # Wednesday 18 November 2026
THIS_MONDAY = date(2026, 11, 16)
H = timedelta(hours=1)


# ---- the rules ----------------------------------------------------------------------------------------------

def test_the_period_is_the_last_n_whole_weeks_and_the_n_before():
    now, before = pattern_spans(THIS_MONDAY, 4, ZoneInfo("Europe/London"))
    assert (now.first_day, now.last_day) == (date(2026, 10, 19), date(2026, 11, 15))
    assert (before.first_day, before.last_day) == (date(2026, 9, 21), date(2026, 10, 18))
    assert before.end == now.start and now.end == datetime(2026, 11, 16, tzinfo=UTC)
    # Summer time ended on 25 October: the earlier Monday's midnight is 23:00 UTC the day before.
    assert before.start == datetime(2026, 9, 20, 23, tzinfo=UTC)
    with pytest.raises(ValueError):
        pattern_spans(THIS_MONDAY, 0, UTC)


def episode(since: datetime, until: datetime | None, category=BlockerCategory.ACCESS, owner=1, service=1) -> Episode:
    return Episode(1, service, owner, category, since, until)


def test_blocked_days_are_clipped_to_the_period_and_still_blocked_ones_run_to_now():
    span, before = pattern_spans(THIS_MONDAY, 1, UTC)  # 9-15 November, and 2-8 November
    across = episode(span.start - 2 * 24 * H, span.start + 36 * H)
    assert overlap_days(across, span, WEDNESDAY) == 1.5
    assert overlap_days(across, before, WEDNESDAY) == 2.0
    still = episode(span.end - 12 * H, None)
    assert overlap_days(still, span, WEDNESDAY) == 0.5, "this week so far is not in the period"
    outside = episode(before.start - 48 * H, before.start - H)
    tallies = category_tallies([across, still, outside, episode(span.start, span.start + 24 * H,
                                                                 BlockerCategory.OTHER)], span, WEDNESDAY)
    assert tallies[BlockerCategory.ACCESS] == (2.0, 2)
    assert tallies[BlockerCategory.OTHER] == (1.0, 1)
    assert tallies[BlockerCategory.SCOPE_CHANGE] == (0.0, 0) and len(tallies) == len(BlockerCategory)


def test_a_block_from_before_categories_or_an_unknown_one_reads_as_other():
    assert category_of(None) == category_of("") == category_of("<!here>") == BlockerCategory.OTHER
    assert category_of("access") == BlockerCategory.ACCESS


def test_recurring_needs_three_within_four_weeks_of_each_other():
    start = datetime(2026, 9, 1, tzinfo=UTC)
    assert recurs([start, start + timedelta(days=10), start + timedelta(days=27)])
    assert not recurs([start, start + timedelta(days=15), start + timedelta(days=30)])
    assert not recurs([start, start + timedelta(days=1)])
    spread = [start + timedelta(days=d) for d in (0, 20, 40, 45, 50)]
    assert recurs(spread), "40, 45 and 50 are within four weeks"


def test_near_duplicate_titles_group_by_words_and_similarity():
    assert normalised_title("Login loop, after password-reset!") == "after login loop password reset"
    groups = near_duplicates([("Login loop after password reset", 2), ("login loop after the password reset", 1),
                              ("Report export times out", 2), ("Sandbox refresh", 3), ("Dashboard stale", 1)])
    assert [(g.title, g.tickets, g.variants) for g in groups] == [
        ("Login loop after password reset", 3, 2), ("Sandbox refresh", 3, 1)]
    assert near_duplicates([("Sandbox refresh", 2)]) == [], "fewer than three is no cluster"


def test_a_deliverable_type_is_its_name_without_numbers():
    assert name_type("Data  Migration 2") == name_type("data migration") == "data migration"
    assert name_type("Phase 3 handover") == "phase handover"


def test_what_works_needs_a_minimum_sample_then_ranks_by_on_time_then_blocked_days():
    lucky = Ranked(1, 1, 1, 0.0)
    steady = Ranked(2, 9, 10, 4.0)
    steadier = Ranked(3, 9, 10, 1.0)
    late = Ranked(4, 3, 10, 0.0)
    assert [r.key for r in what_works([lucky, steady, steadier, late])] == [3, 2, 4]
    assert what_works([lucky]) == []


# ---- the store's answer (both databases) ------------------------------------------------------------------

@pytest.fixture
def demo(engine):
    load_demo_at(engine, WEDNESDAY)
    return engine


def report(engine, weeks: int = 4, ctx: QueryContext = CTX):
    with Session(engine) as session:
        return patterns_report(session, ctx, weeks=weeks)


def test_the_demo_tells_its_blocker_story(demo):
    found = report(demo)
    categories = {c.category: c for c in found.categories}
    waiting, access = categories[BlockerCategory.WAITING_ON_CUSTOMER], categories[BlockerCategory.ACCESS]
    assert found.categories[0].category == BlockerCategory.WAITING_ON_CUSTOMER
    assert (waiting.days, waiting.episodes) == (8.0, 2), "Beta Corp waited on the customer twice"
    # Delta's test tenant (4 days) and its SSO work, blocked since Friday 13th 15:00 (2.375 days to Monday).
    assert access.episodes == 2 and access.days == pytest.approx(4 + 2.375)
    assert categories[BlockerCategory.THIRD_PARTY].episodes_before == 1
    assert found.episodes_before == 3 and found.blocked_days_before == 9.0
    assert found.reopens.deliverables.hits == 0 and "not measured" in found.reopens.tickets_note
    assert found.cycle.measured == found.cycle.completed > 0
    assert {g.label for g in found.cycle.by_phase} == {p.label for p in Phase}
    build = next(g for g in found.cycle.by_phase if g.label == "Build")
    assert 10 <= build.mean_days <= 12, "the demo's Build work takes 10 days plus 0-2"
    assert found.type_clusters_total > 0 and found.title_clusters_total > 0
    assert all(p.on_time.total >= found.min_sample for p in found.owners + found.services)


def test_a_block_made_through_the_change_keeps_its_category_and_unblocking_ends_its_episode(demo):
    sessions = make_sessionmaker(demo)
    blocked_at = datetime(2026, 11, 4, 10, tzinfo=UTC)  # in the last whole week but one
    with sessions.begin() as session:
        target = session.scalars(select(Deliverable).where(
            Deliverable.name == "Fleet Tracking Build deliverable 5")).one()
        move_deliverable(session, QueryContext(TEAM, blocked_at, UTC), actor_slack_user_id="U0RYAN",
                         deliverable_id=target.id, move=Move.BLOCK, version=target.version,
                         reason="Vendor sandbox down", category=BlockerCategory.THIRD_PARTY)
        target_id = target.id
    with sessions.begin() as session:
        target = session.get_one(Deliverable, target_id)
        assert target.blocked_category == "third-party"
        change = session.scalars(select(StatusChange).where(StatusChange.object_id == target_id,
                                                            StatusChange.to_value == "blocked")).one()
        assert change.blocker_category == "third-party"
        move_deliverable(session, QueryContext(TEAM, blocked_at + 36 * H, UTC), actor_slack_user_id="U0RYAN",
                         deliverable_id=target_id, move=Move.UNBLOCK, version=target.version)
    with sessions.begin() as session:
        assert session.get_one(Deliverable, target_id).blocked_category is None
    third = next(c for c in report(demo).categories if c.category == BlockerCategory.THIRD_PARTY)
    assert (third.days, third.episodes) == (1.5, 1)


def test_a_longer_period_reaches_the_earlier_blocks(demo):
    eight = report(demo, weeks=8)
    assert eight.period.weeks == 8 and eight.episodes == 8 and eight.episodes_before == 0
    assert eight.type_clusters_total >= report(demo).type_clusters_total


# ---- the command, the message, the digest ---------------------------------------------------------------

def test_the_command_takes_whole_weeks_from_1_to_26():
    assert parse_command("patterns").weeks == 4 and parse_command("patterns").subcommand == Subcommand.PATTERNS
    assert parse_command("patterns 8 weeks").weeks == 8 and parse_command("patterns 12w").weeks == 12
    assert parse_command("patterns 8 weeks").text == "patterns 8"
    for bad in ("patterns 0", "patterns 27", "patterns soon", "patterns -3 weeks"):
        with pytest.raises(UsageError, match="1 to 26 whole weeks"):
            parse_command(bad)


def test_the_message_is_within_slack_s_limits_and_says_what_it_compares(demo):
    reply = patterns_message(report(demo), UTC)
    assert len(reply.blocks) <= MAX_MESSAGE_BLOCKS and reply.shareable
    assert all(len(block.get("text", {}).get("text", "")) <= MAX_SECTION_TEXT for block in reply.block_dicts())
    shown = json.dumps(reply.block_dicts(), ensure_ascii=False)
    assert "Waiting on customer: 8.0 days, 2 episodes" in shown
    assert "Ticket reopen rate: not measured" in shown
    assert reply.text.startswith("Patterns, last 4 weeks: top blocker Waiting on customer (8.0 days)")


def test_the_patterns_digest_is_built_like_the_others_and_is_empty_when_nothing_happened(engine, demo):
    workspace = single_workspace(load_settings(), demo, FixedClock(WEDNESDAY))
    digest = build_digest(DigestKind.PATTERNS, workspace)
    assert digest is not None and not digest.shareable and "Weekly patterns" in json.dumps(digest.block_dicts())
    empty = report(demo, ctx=QueryContext("T0EMPTY", WEDNESDAY, UTC))
    assert render_digest(empty, UTC) is None
    all_clear = render_digest(empty, UTC, all_clear=True)
    assert all_clear is not None and "nothing blocked" in all_clear.text


def test_the_block_form_needs_a_category_the_bot_offered():
    def state(category):
        return {"block_reason": {"value": {"value": " Waiting "}},
                "block_category": {"value": {"selected_option": {"value": category} if category else None}},
                "block_until": {"value": {"selected_date": "not-a-date"}}}

    form = read_block_form(state("environment"))
    assert (form.reason, form.category, form.until) == ("Waiting", BlockerCategory.ENVIRONMENT, None)
    for missing in (None, "<!here>"):
        assert block_form_errors(read_block_form(state(missing)), WEDNESDAY.date()) == {
            "block_category": CATEGORY_MISSING}


# ---- over signed HTTP (both databases) --------------------------------------------------------------------

def test_patterns_over_http_is_private_with_share_and_a_bad_n_gets_usage(app_url):
    reply = post(app_url, slash_command_body("patterns 6 weeks", user_id="U0DANA")).json()
    assert reply["response_type"] == "ephemeral" and reply["text"].startswith("Patterns, last 6 weeks")
    shown = json.dumps(reply["blocks"])
    assert "Blockers" in shown and "Share in channel" in shown and len(reply["blocks"]) <= MAX_MESSAGE_BLOCKS
    bad = post(app_url, slash_command_body("patterns 40", user_id="U0DANA")).json()
    assert bad["response_type"] == "ephemeral" and "1 to 26 whole weeks" in bad["text"]


# ---- CSV import and export (both databases) --------------------------------------------------------------

def _deliverables_with_category(folder, category: str) -> None:
    path = folder / "deliverables.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    head = lines[0].split(",")
    at = head.index("blocked_reason") + 1
    rows = [line.split(",") for line in lines]
    for number, row in enumerate(rows):
        row.insert(at, "blocked_category" if number == 0 else (category if "blocked" in row else ""))
    path.write_text("\n".join(",".join(row) for row in rows) + "\n", encoding="utf-8")


def test_a_csv_s_blocked_category_is_checked_stored_and_exported(engine, tmp_path):
    from test_import_export import EXAMPLES, run_export, run_import

    from store.io import ImportRejected

    folder = tmp_path / "portfolio"
    shutil.copytree(EXAMPLES, folder)
    _deliverables_with_category(folder, "waiting on <!here>")
    with pytest.raises(ImportRejected) as rejected:
        run_import(engine, folder)
    (error,) = rejected.value.errors
    assert (error.file, error.column) == ("deliverables.csv", "blocked_category")
    assert "unknown value 'waiting on <!here>'" in error.reason and "waiting-on-customer" in error.reason

    folder = tmp_path / "again"
    shutil.copytree(EXAMPLES, folder)
    _deliverables_with_category(folder, "Access or credentials")
    run_import(engine, folder)
    with Session(engine) as session:
        blocked = session.scalars(select(Deliverable).where(Deliverable.status == "blocked")).all()
        unblocked = session.scalars(select(Deliverable).where(Deliverable.status != "blocked")).all()
    assert blocked and {d.blocked_category for d in blocked} == {"access"}
    assert {d.blocked_category for d in unblocked} == {None}, "an empty cell is none"
    run_export(engine, tmp_path / "out")
    exported = (tmp_path / "out" / "deliverables.csv").read_text(encoding="utf-8")
    assert "blocked_category" in exported.splitlines()[0] and ",access," in exported
