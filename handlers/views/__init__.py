"""Modal submissions."""

from slack_bolt import App

from handlers.errors import guarded
from handlers.views.block_deliverable import submit_block
from handlers.views.escalate_deliverable import submit_escalation
from handlers.views.find_help import submit_find_help
from handlers.views.flag_customer import submit_customer_flag
from handlers.views.flag_service import submit_flag
from handlers.views.resolve_ticket import submit_resolve
from handlers.views.service_health import submit_health
from handlers.views.snooze_deliverable import submit_deliverable_snooze
from handlers.views.snooze_ticket import submit_snooze
from messages.ids import CallbackId


def register(app: App) -> None:
    app.view(CallbackId.BLOCK_DELIVERABLE.value)(guarded(submit_block))
    app.view(CallbackId.SERVICE_HEALTH.value)(guarded(submit_health))
    app.view(CallbackId.FLAG_SERVICE.value)(guarded(submit_flag))
    app.view(CallbackId.FLAG_CUSTOMER.value)(guarded(submit_customer_flag))
    app.view(CallbackId.RESOLVE_TICKET.value)(guarded(submit_resolve))
    app.view(CallbackId.SNOOZE_TICKET.value)(guarded(submit_snooze))
    app.view(CallbackId.SNOOZE_DELIVERABLE.value)(guarded(submit_deliverable_snooze))
    app.view(CallbackId.ESCALATE_DELIVERABLE.value)(guarded(submit_escalation))
    app.view(CallbackId.FIND_HELP.value)(guarded(submit_find_help))
