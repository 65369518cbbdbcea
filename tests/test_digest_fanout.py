"""The morning fan-out: concurrent posts at Slack's pace, channel digests first, at most once, and
never lost in silence (digests/runner.py, messages/pacing.py, messages/posting.py, store/ledger.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session
from support import TEAM, run_together

from bot.app import single_workspace, web_client
from bot.settings import load_settings
from digests import runner
from messages.pacing import Pacer
from store.clock import FixedClock
from store.db import make_engine
from store.demo.synthetic import load_synthetic
from store.enums import DeliveryStatus, Role
from store.ledger import Claim, claim_deliveries, deliveries
from store.models import DigestDelivery, DigestSubscription, Person
from store.schema import upgrade

# Wednesday 18 November 2026, 08:30 UTC: every channel digest and every personal digest is due.
RUN = datetime(2026, 11, 18, 8, 30, tzinfo=UTC)
CHANNELS = ("C0FAN1", "C0FAN2")
SERVICES = 60


def workspace_at(engine, at: datetime):
    return single_workspace(load_settings(), engine, FixedClock(at))


def client_for(fake):
    """The app's own client, with slack_sdk's retry handlers: the runner must not let them post twice."""
    return web_client(load_settings(slack_api_url=fake.api_url), "xoxb-test")


def subscribe_channels(engine, team_id: str = TEAM) -> None:
    with Session(engine) as session, session.begin():
        session.execute(insert(DigestSubscription), [
            dict(team_id=team_id, digest=digest, channel_id=channel, at_time="08:30", days="weekdays",
                 timezone="UTC", all_clear=True, created_at=RUN - timedelta(days=1))
            for channel in CHANNELS for digest in ("at-risk", "overdue-tickets")])
        session.execute(update(Person).where(Person.team_id == team_id).values(slack_tz="UTC"))


@pytest.fixture
def portfolio(engine):
    """A generated portfolio (20 people with a personal digest), two channels with two digests each."""
    load_synthetic(engine, team_id=TEAM, now=RUN - timedelta(minutes=5), tz=UTC, services=SERVICES)
    subscribe_channels(engine)
    return engine


def people(engine) -> list[str]:
    with Session(engine) as session:
        return list(session.scalars(select(Person.slack_user_id).where(Person.team_id == TEAM,
                                                                       Person.slack_user_id.is_not(None))))


def sent_to(engine) -> list[str]:
    """The channels the ledger says a digest was sent to (a person with nothing to read gets none)."""
    with Session(engine) as session:
        return list(session.scalars(select(DigestDelivery.channel_id).where(
            DigestDelivery.status == DeliveryStatus.SENT.value)))


def every_digest_once(engine, fake) -> None:
    """Each channel got both its digests, each person a row in the ledger, and Slack got exactly the
    posts the ledger says were sent."""
    statuses = ledger(engine)
    assert len(statuses) == 2 * len(CHANNELS) + len(people(engine))
    assert sorted(c.params["channel"] for c in posted(fake)) == sorted(sent_to(engine))
    assert sorted(c for c in sent_to(engine) if c.startswith("C")) == sorted([*CHANNELS, *CHANNELS])
    assert len([c for c in sent_to(engine) if c.startswith("U")]) > len(people(engine)) / 2


def ledger(engine, at=RUN) -> dict[tuple[str, str], str]:
    return {(key, period): status for key, period, status, _ in workspace_at(engine, at).read(deliveries)}


def posted(fake) -> list:
    return [c for c in fake.calls_to("chat.postMessage") if c.status == 200 and "Digests this run" not in
            c.params.get("text", "")]


def ops_summaries(fake) -> list:
    return [c for c in fake.calls_to("chat.postMessage") if "Digests this run" in c.params.get("text", "")]


def test_every_digest_goes_out_once_channel_digests_first(portfolio, fake_slack):
    report = runner.run_due(client_for(fake_slack), workspace_at(portfolio, RUN), at=RUN, senders=1)
    calls = posted(fake_slack)
    channels = [c.params["channel"] for c in calls]
    every_digest_once(portfolio, fake_slack)
    assert all(channel.startswith("C") for channel in channels[:4]), channels[:6]
    assert set(ledger(portfolio).values()) == {"sent", "empty"} and len(report.sent) == len(calls)
    again = runner.run_due(client_for(fake_slack), workspace_at(portfolio, RUN + timedelta(minutes=1)),
                           at=RUN + timedelta(minutes=1))
    assert again.summary().startswith("0 sent") and len(posted(fake_slack)) == len(calls)


def test_channel_digests_start_first_with_many_senders(portfolio, fake_slack):
    fake_slack.set_latency(0.05)
    runner.run_due(client_for(fake_slack), workspace_at(portfolio, RUN), at=RUN, senders=8)
    channels = [c.params["channel"] for c in sorted(posted(fake_slack), key=lambda c: c.at)]
    # Each channel's second digest waits its turn (one post a second per channel); the first of each
    # goes out among the first posts of the run.
    assert {c for c in channels[:8] if c.startswith("C")} == set(CHANNELS), channels[:8]


def test_a_post_whose_answer_is_lost_is_never_posted_again_and_ops_hear_once(portfolio, fake_slack):
    """Slack takes the post and the connection drops before its answer: slack_sdk's connection retry
    would post it twice. The ledger says uncertain, and ops get one message about it."""
    victim = people(portfolio)[3]
    fake_slack.drop_after_accepting("chat.postMessage", channel=victim)
    report = runner.run_due(client_for(fake_slack), workspace_at(portfolio, RUN), at=RUN)
    to_victim = [c for c in fake_slack.calls_to("chat.postMessage") if c.params.get("channel") == victim]
    assert len(to_victim) == 1, "taken once, never posted again"
    assert [label.split(" -> ")[1].split(" ")[0] for label, _ in report.uncertain] == [victim]
    statuses = list(ledger(portfolio).values())
    assert statuses.count("uncertain") == 1 and "failed" not in statuses and "pending" not in statuses
    (summary,) = ops_summaries(fake_slack)
    assert f"<@{victim}>" in summary.params["text"] and "may not have reached" in summary.params["text"]
    later = RUN + timedelta(minutes=1)
    runner.run_due(client_for(fake_slack), workspace_at(portfolio, later), at=later)
    assert len(ops_summaries(fake_slack)) == 1, "told once"
    assert len([c for c in fake_slack.calls_to("chat.postMessage") if c.params.get("channel") == victim]) == 1


def test_a_claim_left_by_a_stopped_process_becomes_uncertain_and_is_told_once(portfolio, fake_slack):
    """A process claimed two digests and stopped before posting: the next runs leave them alone (they
    may have gone out), and once the claims are stale they are uncertain, in one summary to ops."""
    workspace = workspace_at(portfolio, RUN)
    due = runner.due_digests(workspace, RUN)
    stopped = [d for d in due if d.planned.personal][:2]
    claims = [Claim(key=d.planned.key, period=d.period, digest=d.planned.digest.value,
                    channel_id=d.planned.channel_id, scheduled_for=d.run) for d in stopped]
    assert len(workspace.change(claim_deliveries, claims=claims, claimed_by="crashed:1")) == 2
    soon = RUN + timedelta(minutes=1)
    report = runner.run_due(client_for(fake_slack), workspace_at(portfolio, soon), at=soon)
    assert report.expired == 0 and not ops_summaries(fake_slack)
    assert not {d.planned.channel_id for d in stopped} & {c.params["channel"] for c in posted(fake_slack)}
    assert {ledger(portfolio)[(d.planned.key, d.period)] for d in stopped} == {"pending"}
    stale = RUN + runner.STALE_AFTER + timedelta(seconds=1)
    report = runner.run_due(client_for(fake_slack), workspace_at(portfolio, stale), at=stale)
    assert report.expired == 2 and report.told == 2
    assert {ledger(portfolio)[(d.planned.key, d.period)] for d in stopped} == {"uncertain"}
    (summary,) = ops_summaries(fake_slack)
    assert all(f"<@{d.planned.channel_id}>" in summary.params["text"] for d in stopped)
    with Session(portfolio) as session:
        ops = session.scalars(select(Person.slack_user_id).where(Person.team_id == TEAM, Person.role == Role.OPS))
        assert summary.params["channel"] in set(ops)
    later = stale + timedelta(minutes=1)
    runner.run_due(client_for(fake_slack), workspace_at(portfolio, later), at=later)
    assert len(ops_summaries(fake_slack)) == 1, "told once"


def test_a_429_storm_pauses_every_sender_and_nothing_is_lost(portfolio, fake_slack):
    fake_slack.rate_limit_next("chat.postMessage", retry_after=1, times=6)
    pacer = Pacer(per_second=None)
    report = runner.run_due(client_for(fake_slack), workspace_at(portfolio, RUN), at=RUN, pacer=pacer, senders=8)
    assert not report.failed and not report.uncertain
    every_digest_once(portfolio, fake_slack)
    assert set(ledger(portfolio).values()) == {"sent", "empty"}
    assert pacer.pauses >= 1
    limited = [c.at for c in fake_slack.calls_to("chat.postMessage") if c.status == 429]
    first_pause_ends = limited[0] + 1.0
    # Every sender waited the pause out: no post was taken within it, from any thread.
    assert not [c for c in posted(fake_slack) if limited[0] < c.at < first_pause_ends - 0.05]


def test_refused_posts_fail_once_and_ops_hear_of_them_in_one_message(portfolio, fake_slack):
    fake_slack.fail_next("chat.postMessage", "channel_not_found", channel="C0FAN2", times=2)
    fake_slack.fail_next("chat.postMessage", "not_in_channel", channel="C0FAN1", times=1)
    report = runner.run_due(client_for(fake_slack), workspace_at(portfolio, RUN), at=RUN)
    assert sorted(error for _, error in report.failed) == ["channel_not_found", "channel_not_found",
                                                          "not_in_channel"]
    summaries = ops_summaries(fake_slack)
    assert len({c.params["channel"] for c in summaries}) == len(summaries) >= 1, "one message per ops person"
    assert "3 could not be posted" in summaries[0].params["text"]


def test_the_pace_holds_the_workspace_rate_and_one_post_a_second_per_channel():
    now = [0.0]
    turns: list[tuple[str, float]] = []

    def sleep(seconds: float) -> None:
        now[0] += seconds

    pacer = Pacer(per_second=10, clock=lambda: now[0], sleep=sleep)
    for n in range(30):
        channel = "C0SAME" if n % 3 == 0 else f"U{n}"
        pacer.wait_turn(channel)
        turns.append((channel, now[0]))
    # One thread takes its turns in order: every third is C0SAME's, a second after its last (at 0, 1, ...
    # 9 s), and the two posts to people after each follow 0.1 s apart.
    assert [t for _, t in turns[:6]] == pytest.approx([0.0, 0.1, 0.2, 1.0, 1.1, 1.2])
    assert turns[-1][1] == pytest.approx(9.2)
    same = [t for channel, t in turns if channel == "C0SAME"]
    assert all(b - a >= 1.0 - 1e-9 for a, b in zip(same, same[1:], strict=False))
    everyone = [t for _, t in turns]
    assert all(b - a >= 0.1 - 1e-9 for a, b in zip(everyone, everyone[1:], strict=False))
    pacer.pause(5)
    pacer.wait_turn("U999")
    assert now[0] >= turns[-1][1] + 5


def test_threads_woken_late_never_bunch_more_than_the_rate_into_a_second():
    """A busy process wakes some senders late; the turns after theirs are then already due. Counted by
    when posts went, no second holds more than the rate's worth."""
    now = [0.0]
    sleeps = [0]

    def late_sleep(seconds: float) -> None:
        sleeps[0] += 1
        now[0] += seconds + (0.5 if sleeps[0] % 7 == 0 else 0.0)

    pacer = Pacer(per_second=5, clock=lambda: now[0], sleep=late_sleep)
    went = []
    for n in range(60):
        pacer.wait_turn(f"U{n}")
        went.append(now[0])
    assert all(later - earlier >= 1.0 - 1e-9 for earlier, later in zip(went, went[5:], strict=False))
    # Without the count by when posts went, the turns after a late wake go at once, up to 3 together.
    assert sleeps[0] >= 60 // 7 and len(went) == 60


def test_a_post_waiting_for_its_channel_holds_back_no_other_channel():
    """The second post to a channel waits a second; posts to other channels meanwhile take the
    workspace's free turns before it instead of queueing behind it."""
    pacer = Pacer(per_second=20)
    started = time.monotonic()
    pacer.wait_turn("C0SAME")
    second = threading.Thread(target=pacer.wait_turn, args=("C0SAME",))
    second.start()
    time.sleep(0.05)  # the second post to C0SAME has taken its turn, a second after the first
    for n in range(5):
        pacer.wait_turn(f"U{n}")
    others_done = time.monotonic() - started
    second.join()
    assert others_done < 0.6 <= 1.0 <= time.monotonic() - started + 0.01


def test_a_rate_limited_workspace_is_posted_to_at_its_limit_without_a_429(portfolio, fake_slack):
    fake_slack.limit_rate(per_second=20)
    report = runner.run_due(client_for(fake_slack), workspace_at(portfolio, RUN), at=RUN,
                            pacer=Pacer(per_second=18), senders=8)
    assert not report.failed and not [c for c in fake_slack.calls_to("chat.postMessage") if c.status == 429]
    times = sorted(c.at for c in posted(fake_slack))
    assert len(times) / (times[-1] - times[0] + 1 / 18) <= 18 * 1.05


@pytest.fixture
def shared_postgres(postgres_database_url):
    engine = make_engine(postgres_database_url)
    upgrade(engine)
    load_synthetic(engine, team_id=TEAM, now=RUN - timedelta(minutes=5), tz=UTC, services=SERVICES)
    subscribe_channels(engine)
    yield postgres_database_url
    engine.dispose()


def test_two_schedulers_on_postgres_share_the_run_and_post_each_digest_once(shared_postgres, fake_slack):
    fake_slack.set_latency(0.05)
    engines = [make_engine(shared_postgres) for _ in range(2)]
    claimed: list[list[int]] = [[], []]
    try:
        reports = run_together(lambda n: runner.run_due(
            client_for(fake_slack), workspace_at(engines[n], RUN), at=RUN, senders=4, batch=4,
            on_claimed=claimed[n].append), 2, timeout=120)
        assert all(isinstance(r, runner.RunReport) for r in reports), reports
        every_digest_once(engines[0], fake_slack)
        assert all(sum(counts) > 0 for counts in claimed), f"both schedulers took a share: {claimed}"
        sent = reports[0].sent + reports[1].sent
        assert len(sent) == len(set(sent)) == len(posted(fake_slack))
        with Session(engines[0]) as session:
            rows = session.execute(select(DigestDelivery.status, DigestDelivery.claimed_by)).all()
        assert {status for status, _ in rows} == {DeliveryStatus.SENT.value, DeliveryStatus.EMPTY.value}
        assert len({claimed_by for _, claimed_by in rows}) == 1, "one process: both threads claim as it"
    finally:
        for engine in engines:
            engine.dispose()


def test_the_cli_lists_the_uncertain_deliveries_ops_were_told_of(portfolio, fake_slack, database_url):
    fake_slack.drop_after_accepting("chat.postMessage", channel=CHANNELS[0])
    runner.run_due(client_for(fake_slack), workspace_at(portfolio, RUN), at=RUN)
    done = subprocess.run([sys.executable, "-m", "bot.cli", "digest", "deliveries", "--status", "uncertain"],
                          env={**os.environ, "DATABASE_URL": database_url}, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0 and done.stdout, done.stderr
    (line,) = done.stdout.splitlines()
    period, digest, channel, status, error, claimed_by = line.split("\t")
    assert (period, channel, status) == ("2026-11-18", CHANNELS[0], "uncertain")
    assert digest in ("at-risk", "overdue-tickets")
    assert error.startswith("no answer from Slack") and claimed_by
