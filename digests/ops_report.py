"""Telling ops, once per run, of the digests, the SLA and slip warnings and the escalation steps that failed or
may not have arrived.

A scheduler's tick sends one summary for both: `run_due` leaves it to `run_warnings`, which runs after
it (`ops_summary=False`); `run_due` alone (tests, `digest run-due` without warnings) sends its own.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from messages.blocks.common import channel_mention, escape, escape_clipped, user_mention
from store.context import QueryContext
from store.digests import ops_people
from store.enums import DeliveryStatus, DigestKind
from store.escalations import EscalationProblem, release_untold_escalations, take_untold_escalations
from store.ledger import Problem, release_problems, take_unreported_problems
from store.rules.escalation import rung_of
from store.rules.sla import BREACH
from store.sla import WarningProblem, release_untold_warnings, take_untold_warnings
from store.slip_warnings import SlipProblem, release_untold_slip_warnings, take_untold_slip_warnings
from store.workspace import Workspace

log = logging.getLogger("delivery.digests")
# Lines in one summary for each ledger; the rest are counted (the ledgers have them all).
MAX_LINES = 20
TITLE_CHARS = 120
Told = TypeVar("Told", Problem, WarningProblem, SlipProblem, EscalationProblem)


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


def _escalation_line(problem: EscalationProblem) -> str:
    step = (f"Step {problem.step} ({rung_of(problem.step).words}) of the escalation of "
            f"*{escape_clipped(problem.deliverable, TITLE_CHARS)}* ({escape(problem.customer)} · "
            f"{escape(problem.service)})")
    if problem.status == DeliveryStatus.UNCERTAIN:
        return (f"• {step} may not have arrived: {escape(problem.error or 'no answer from Slack')}. It is not "
                "posted again; the deliverable's rows and `/delivery history` show the step.")
    return (f"• {step} could not be posted: `{escape(problem.error or 'unknown error')}`. A channel subscribed to "
            "`escalations` must have the bot invited; `/delivery at-risk` lists the deliverable.")


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


@dataclass(frozen=True)
class Untold:
    """Every ledger's problems ops have not been told of."""

    problems: Sequence[Problem] = ()
    warnings: Sequence[WarningProblem] = ()
    slips: Sequence[SlipProblem] = ()
    escalations: Sequence[EscalationProblem] = ()

    @property
    def new_problems(self) -> list[Problem]:
        """A digest failure repeating its subscription's last one with the same error was told then."""
        return [p for p in self.problems if not p.repeated]

    @property
    def count(self) -> int:
        return len(self.new_problems) + len(self.warnings) + len(self.slips) + len(self.escalations)


def summary_text(untold: Untold) -> str:
    return "\n".join([*_section("Digests", untold.new_problems, _line,
                                ": `delivery-bot digest deliveries` lists them"),
                      *_section("SLA warnings", untold.warnings, _warning_line, ""),
                      *_section("Slip warnings", untold.slips, _slip_line, ""),
                      *_section("Escalations", untold.escalations, _escalation_line, "")])


def _take_untold(session: Session, ctx: QueryContext) -> Untold:
    """Every ledger's untold problems, marked told in one transaction."""
    return Untold(take_unreported_problems(session, ctx), take_untold_warnings(session, ctx),
                  take_untold_slip_warnings(session, ctx), take_untold_escalations(session, ctx))


def _release(session: Session, ctx: QueryContext, *, untold: Untold) -> None:
    release_problems(session, ctx, delivery_ids=[p.delivery_id for p in untold.problems])
    release_untold_warnings(session, ctx, warning_ids=[w.warning_id for w in untold.warnings])
    release_untold_slip_warnings(session, ctx, warning_ids=[s.warning_id for s in untold.slips])
    release_untold_escalations(session, ctx, step_ids=[e.step_id for e in untold.escalations])


def tell_ops(client: WebClient, workspace: Workspace, admin_channel: str | None) -> int:
    """One message to ops (the admin channel, else a DM to each ops person) about every failed or uncertain
    digest delivery, SLA warning, slip warning and escalation step not told yet; a digest failure repeating the
    subscription's last one with the same error was told then, and is not told again. How many were told. When
    no message could be posted, they stay untold, for the next run."""
    untold = workspace.change(_take_untold)
    if not untold.count:
        return 0
    text = summary_text(untold)
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
        return untold.count
    if not told:
        workspace.change(_release, untold=untold)
        return 0
    return untold.count
