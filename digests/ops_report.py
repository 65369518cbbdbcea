"""Telling ops, once per run, of the digests that failed or may not have arrived."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from messages.blocks.common import channel_mention, escape, user_mention
from store.digests import ops_people
from store.enums import DeliveryStatus, DigestKind
from store.ledger import Problem, release_problems, take_unreported_problems
from store.workspace import Workspace

log = logging.getLogger("delivery.digests")
# Lines in one summary; the rest are counted (the ledger has them all: `delivery-bot digest deliveries`).
MAX_LINES = 20


def _where(problem: Problem) -> str:
    personal = problem.digest == DigestKind.PERSONAL.value
    return user_mention(problem.channel_id) if personal else channel_mention(problem.channel_id)


def _line(problem: Problem) -> str:
    where = _where(problem)
    if problem.status == DeliveryStatus.UNCERTAIN:
        return (f"• The {problem.digest} digest ({problem.period}) may not have reached {where}: "
                f"{escape(problem.error or 'no answer from Slack')}. It is not posted again, so it is never "
                "posted twice.")
    return (f"• The {problem.digest} digest ({problem.period}) could not be posted to {where}: "
            f"`{escape(problem.error or 'unknown error')}`. Invite the bot to the channel, or type "
            f"`/delivery unsubscribe {problem.digest}` there.")


def summary_text(problems: list[Problem]) -> str:
    failed = sum(p.status == DeliveryStatus.FAILED for p in problems)
    uncertain = len(problems) - failed
    parts = [f"{failed} could not be posted" if failed else "",
             f"{uncertain} may not have arrived" if uncertain else ""]
    head = f":warning: Digests this run: {' and '.join(p for p in parts if p)}."
    lines = [_line(p) for p in problems[:MAX_LINES]]
    if len(problems) > MAX_LINES:
        lines.append(f"…and {len(problems) - MAX_LINES} more: `delivery-bot digest deliveries` lists them.")
    return "\n".join([head, *lines])


def tell_ops(client: WebClient, workspace: Workspace, admin_channel: str | None) -> int:
    """One message to ops (the admin channel, else a DM to each ops person) about every failed or
    uncertain delivery not told yet; a failure repeating the subscription's last one with the same
    error was told then, and is not told again. How many were told. When no message could be posted,
    they stay untold, for the next run."""
    problems = workspace.change(take_unreported_problems)
    new = [p for p in problems if not p.repeated]
    if not new:
        return 0
    text = summary_text(new)
    targets = [admin_channel] if admin_channel else workspace.read(ops_people)
    told = False
    for target in targets:
        try:
            client.chat_postMessage(channel=target, text=text)
            told = True
        except SlackApiError as failure:
            log.warning("could not tell ops in %s: %s", target, failure.response.get("error"))
        except Exception as failure:
            log.warning("could not tell ops in %s: %r", target, failure)
    if not targets:
        log.warning("no admin channel and no ops person to tell: %s", text)
        return len(new)
    if not told:
        workspace.change(release_problems, delivery_ids=[p.delivery_id for p in problems])
        return 0
    return len(new)
