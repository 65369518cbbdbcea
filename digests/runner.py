"""Send every digest that is due, exactly once: the scheduler's one job, and `digest run-due`.

For each subscription (and each person's personal digest) the latest scheduled run at or
before `at` is found; if the ledger has no row for that (subscription, period), a row is
claimed first (the unique key turns away any other process), then the digest is built and
posted, and the row is marked sent, empty or failed. A run older than the grace period is
recorded as missed, with a log line, and not sent.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import IntegrityError

from messages.blocks.common import channel_mention, escape, user_mention
from store.digests import (
    DEFAULTS,
    claim_delivery,
    finish_delivery,
    ops_people,
    personal_recipients,
    previous_delivery,
    recorded_periods,
    subscriptions,
)
from store.enums import DigestKind
from store.queries.posted import remember_message
from store.rules.schedule import Schedule, last_run, period_of, schedule
from store.workspace import Workspace

log = logging.getLogger("delivery.digests")
DEFAULT_GRACE = timedelta(hours=2)


@dataclass(frozen=True)
class Planned:
    key: str
    digest: DigestKind
    channel_id: str
    plan: Schedule
    all_clear: bool = False
    viewer: str | None = None  # whose digest, for personal ones


@dataclass(frozen=True)
class Due:
    planned: Planned
    run: datetime
    period: str


@dataclass
class RunReport:
    sent: list[str] = field(default_factory=list)
    empty: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    taken: list[str] = field(default_factory=list)  # claimed by another process first

    def summary(self) -> str:
        return (f"{len(self.sent)} sent, {len(self.empty)} had nothing to post, {len(self.failed)} failed, "
                f"{len(self.missed)} missed beyond the grace period, {len(self.taken)} already taken")


def planned_digests(workspace: Workspace) -> list[Planned]:
    planned = [
        Planned(key=s.key, digest=DigestKind(s.digest), channel_id=s.channel_id,
                plan=schedule(s.at_time, s.days, s.timezone), all_clear=s.all_clear)
        for s in workspace.read(subscriptions)
    ]
    personal = DEFAULTS[DigestKind.PERSONAL]
    for person in workspace.read(personal_recipients):
        zone = person.timezone or workspace.tz.key
        planned.append(Planned(key=person.key, digest=DigestKind.PERSONAL, channel_id=person.slack_user_id,
                               plan=schedule(personal.at_time, personal.days, zone), viewer=person.slack_user_id))
    return planned


def due_digests(workspace: Workspace, at: datetime) -> list[Due]:
    candidates = []
    for planned in planned_digests(workspace):
        run = last_run(planned.plan, at)
        if run is not None:
            candidates.append(Due(planned, run, period_of(run, planned.plan)))
    done = workspace.read(recorded_periods, wanted=[(d.planned.key, d.period) for d in candidates])
    return [d for d in candidates if (d.planned.key, d.period) not in done]


def _claim(workspace: Workspace, due: Due, status: str = "pending") -> int | None:
    try:
        return workspace.change(claim_delivery, key=due.planned.key, period=due.period, digest=due.planned.digest.value,
                                channel_id=due.planned.channel_id, scheduled_for=due.run, status=status)
    except IntegrityError:
        return None


def _tell_ops_once(client: WebClient, workspace: Workspace, due: Due, error: str, admin_channel: str | None) -> None:
    status, previous_error = workspace.read(previous_delivery, key=due.planned.key, before_period=due.period)
    if status == "failed" and previous_error == error:
        return  # already told about this failure
    channel = due.planned.channel_id
    where = user_mention(channel) if due.planned.digest == DigestKind.PERSONAL else channel_mention(channel)
    text = (f":warning: The {due.planned.digest.value} digest could not be posted to {where}: `{escape(error)}`. "
            f"Invite the bot to the channel, or type `/delivery unsubscribe {due.planned.digest.value}` there.")
    for target in ([admin_channel] if admin_channel else workspace.read(ops_people)):
        try:
            client.chat_postMessage(channel=target, text=text)
        except SlackApiError as failure:
            log.warning("could not tell ops in %s: %s", target, failure.response.get("error"))


def deliver(client: WebClient, workspace: Workspace, due: Due, report: RunReport, admin_channel: str | None) -> None:
    from messages.views import build_digest

    label = f"{due.planned.digest.value} -> {due.planned.channel_id} ({due.period})"
    delivery_id = _claim(workspace, due)
    if delivery_id is None:
        report.taken.append(label)
        return
    try:
        reply = build_digest(due.planned.digest, workspace, slack_user_id=due.planned.viewer,
                             all_clear=due.planned.all_clear)
        if reply is None:
            workspace.change(finish_delivery, delivery_id=delivery_id, status="empty")
            report.empty.append(label)
            return
        posted = client.chat_postMessage(channel=due.planned.channel_id, text=reply.text, blocks=reply.block_dicts())
    except SlackApiError as failure:
        error = str(failure.response.get("error") or "slack_error")
        workspace.change(finish_delivery, delivery_id=delivery_id, status="failed", error=error)
        report.failed.append((label, error))
        log.warning("digest %s failed: %s", label, error)
        _tell_ops_once(client, workspace, due, error, admin_channel)
        return
    except Exception:
        log.exception("digest %s could not be built", label)
        workspace.change(finish_delivery, delivery_id=delivery_id, status="failed", error="internal error")
        report.failed.append((label, "internal error"))
        return
    workspace.change(finish_delivery, delivery_id=delivery_id, status="sent", ts=posted["ts"])
    report.sent.append(label)
    if reply.view is not None:
        _remember(workspace, posted, reply, due)


def _remember(workspace: Workspace, posted, reply, due: Due) -> None:
    """Keep the posted digest for live updates; it is sent either way, so a failure here is only logged."""
    try:
        workspace.change(remember_message, channel_id=posted["channel"], ts=posted["ts"],
                         view=reply.view.model_dump_json(), viewer_slack_user_id=due.planned.viewer,
                         objects=reply.shows)
    except Exception:
        log.exception("sent %s digest to %s but could not remember it for updates", due.planned.digest.value,
                      posted["channel"])


def run_due(client: WebClient, workspace: Workspace, *, at: datetime, grace: timedelta = DEFAULT_GRACE,
            admin_channel: str | None = None) -> RunReport:
    """Send what is due at `at`; one digest's failure never stops the others."""
    report = RunReport()
    for due in due_digests(workspace, at):
        if at - due.run > grace:
            if _claim(workspace, due, status="missed") is not None:
                log.warning("skipped %s digest for %s: its %s run was missed by more than %s",
                            due.planned.digest.value, due.planned.channel_id, due.run.isoformat(), grace)
                report.missed.append(f"{due.planned.digest.value} -> {due.planned.channel_id} ({due.period})")
            continue
        deliver(client, workspace, due, report, admin_channel)
    return report
