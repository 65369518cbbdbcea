"""Telling ops, once per run, of the digests and the SLA and slip warnings that failed or may not have arrived.

A scheduler's tick sends one summary for both: `run_due` leaves it to `run_warnings`, which runs after
it (`ops_summary=False`); `run_due` alone (tests, `digest run-due` without warnings) sends its own.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TypeVar

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from messages.blocks.common import channel_mention, escape, escape_clipped, user_mention
from store.context import QueryContext
from store.digests import ops_people
from store.enums import DeliveryStatus, DigestKind
from store.ledger import Problem, release_problems, take_unreported_problems
from store.rules.sla import BREACH
from store.sla import WarningProblem, release_untold_warnings, take_untold_warnings
from store.slip_warnings import SlipProblem, release_untold_slip_warnings, take_untold_slip_warnings
from store.workspace import Workspace

log = logging.getLogger("delivery.digests")
# Lines in one summary for each ledger; the rest are counted (the ledgers have them all).
MAX_LINES = 20
TITLE_CHARS = 120
Told = TypeVar("Told", Problem, WarningProblem, SlipProblem)


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


def _warning_line(problem: WarningProblem) -> str:
    level = "its breach" if problem.level >= BREACH else f"{problem.level}% of its SLA"
    warning = (f"The SLA warning of *{escape_clipped(problem.title, TITLE_CHARS)}* "
               f"({escape(problem.customer_name)}) at {level}")
    if problem.status == DeliveryStatus.UNCERTAIN:
        return (f"• {warning} may not have arrived: {escape(problem.error or 'no answer from Slack')}. It is not "
                "posted again, so it is never posted twice.")
    return (f"• {warning} could not be posted: `{escape(problem.error or 'unknown error')}`. A channel subscribed "
            "to `sla-warnings` must have the bot invited; `/delivery at-risk` lists the ticket.")


def _slip_line(problem: SlipProblem) -> str:
    warning = (f"The slip warning of *{escape_clipped(problem.milestone, TITLE_CHARS)}* "
               f"({escape(problem.customer)} · {escape(problem.service)}) to its lead")
    if problem.status == DeliveryStatus.UNCERTAIN:
        return (f"• {warning} may not have arrived: {escape(problem.error or 'no answer from Slack')}. It is not "
                "posted again; the service's health says it is forecast to slip.")
    return (f"• {warning} could not be posted: `{escape(problem.error or 'unknown error')}`. The service's health "
            "says it is forecast to slip; `/delivery forecast` shows it.")


def _section(what: str, problems: Sequence[Told], line: Callable[[Told], str], more: str) -> list[str]:
    """A heading counting what failed and what may not have arrived, then a line each (the first few)."""
    if not problems:
        return []
    failed = sum(p.status == DeliveryStatus.FAILED for p in problems)
    uncertain = len(problems) - failed
    parts = [f"{failed} could not be posted" if failed else "",
             f"{uncertain} may not have arrived" if uncertain else ""]
    lines = [f":warning: {what} this run: {' and '.join(p for p in parts if p)}.",
             *[line(p) for p in problems[:MAX_LINES]]]
    if len(problems) > MAX_LINES:
        lines.append(f"…and {len(problems) - MAX_LINES} more{more}.")
    return lines


def summary_text(problems: Sequence[Problem], warnings: Sequence[WarningProblem] = (),
                 slips: Sequence[SlipProblem] = ()) -> str:
    return "\n".join([*_section("Digests", problems, _line, ": `delivery-bot digest deliveries` lists them"),
                      *_section("SLA warnings", warnings, _warning_line, ""),
                      *_section("Slip warnings", slips, _slip_line, "")])


def _take_untold(session: Session, ctx: QueryContext
                 ) -> tuple[list[Problem], list[WarningProblem], list[SlipProblem]]:
    """Every ledger's untold problems, marked told in one transaction."""
    return (take_unreported_problems(session, ctx), take_untold_warnings(session, ctx),
            take_untold_slip_warnings(session, ctx))


def _release(session: Session, ctx: QueryContext, *, problems: list[Problem], warnings: list[WarningProblem],
             slips: list[SlipProblem]) -> None:
    release_problems(session, ctx, delivery_ids=[p.delivery_id for p in problems])
    release_untold_warnings(session, ctx, warning_ids=[w.warning_id for w in warnings])
    release_untold_slip_warnings(session, ctx, warning_ids=[s.warning_id for s in slips])


def tell_ops(client: WebClient, workspace: Workspace, admin_channel: str | None) -> int:
    """One message to ops (the admin channel, else a DM to each ops person) about every failed or
    uncertain digest delivery, SLA warning and slip warning not told yet; a digest failure repeating the subscription's
    last one with the same error was told then, and is not told again. How many were told. When no
    message could be posted, they stay untold, for the next run."""
    problems, warnings, slips = workspace.change(_take_untold)
    new = [p for p in problems if not p.repeated]
    if not new and not warnings and not slips:
        return 0
    text = summary_text(new, warnings, slips)
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
        return len(new) + len(warnings) + len(slips)
    if not told:
        workspace.change(_release, problems=problems, warnings=warnings, slips=slips)
        return 0
    return len(new) + len(warnings) + len(slips)
