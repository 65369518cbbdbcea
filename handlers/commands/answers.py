"""Which function answers each subcommand. One module per answer, named after it."""

from __future__ import annotations

from handlers.blocks.common import Reply
from handlers.blocks.portfolio import portfolio_status_message
from handlers.blocks.usage import usage_message
from handlers.commands.answers_base import Answer, CommandRequest
from handlers.commands.at_risk import at_risk_answer
from handlers.commands.capacity import capacity_answer
from handlers.commands.history import history_answer
from handlers.commands.milestones import milestones_answer
from handlers.commands.mine import mine_answer
from handlers.commands.parse import Subcommand
from handlers.commands.service import service_answer
from handlers.commands.subscriptions import digest_answer, subscribe_answer, subscriptions_answer, unsubscribe_answer
from handlers.commands.tickets import tickets_answer

__all__ = ["ANSWERS", "FIGURES", "Answer", "CommandRequest"]


def status_answer(request: CommandRequest) -> Reply:
    return portfolio_status_message(request.workspace.portfolio_status(), request.workspace.tz)


# The figures each answer shows, by their key in store/metrics.py (`delivery-bot ask --explain`).
FIGURES: dict[Subcommand, list[str]] = {
    Subcommand.HELP: [],
    Subcommand.STATUS: ["active_services", "services_by_health", "services_by_phase", "deliverables_by_status",
                        "on_schedule_share", "overdue_tickets", "milestones_this_week", "shown_health",
                        "health_since"],
    Subcommand.SERVICE: ["shown_health", "deliverables_by_status", "days_blocked"],
    Subcommand.CAPACITY: ["service_load", "load_state", "utilization", "billable_share", "appointments_this_week",
                          "person_open_tickets", "person_blocked_deliverables"],
    Subcommand.AT_RISK: ["shown_health", "health_since", "days_blocked", "overdue_ticket_age", "load_state"],
    Subcommand.TICKETS: ["tickets_opened", "tickets_resolved", "avg_resolution_hours", "tickets_change",
                         "overdue_ticket_age", "sla_compliance", "ticket_breakdown"],
    Subcommand.MILESTONES: ["milestone_window"],
    Subcommand.MINE: ["my_work", "deliverables_by_status", "shown_health", "days_blocked"],
    Subcommand.HISTORY: [],
    Subcommand.SUBSCRIBE: [],
    Subcommand.UNSUBSCRIBE: [],
    Subcommand.SUBSCRIPTIONS: [],
    Subcommand.DIGEST: [],
}

ANSWERS: dict[Subcommand, Answer] = {
    Subcommand.HELP: lambda _request: usage_message(),
    Subcommand.STATUS: status_answer,
    Subcommand.SERVICE: service_answer,
    Subcommand.MILESTONES: milestones_answer,
    Subcommand.CAPACITY: capacity_answer,
    Subcommand.TICKETS: tickets_answer,
    Subcommand.AT_RISK: at_risk_answer,
    Subcommand.HISTORY: history_answer,
    Subcommand.SUBSCRIBE: subscribe_answer,
    Subcommand.UNSUBSCRIBE: unsubscribe_answer,
    Subcommand.SUBSCRIPTIONS: subscriptions_answer,
    Subcommand.DIGEST: digest_answer,
    Subcommand.MINE: mine_answer,
}
