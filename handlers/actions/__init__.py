"""Block actions: button and menu clicks."""

import re

from slack_bolt import App

from handlers.actions.customers import flag_customer
from handlers.actions.deliverables import deliverable_follow, deliverable_move
from handlers.actions.help import decide_reallocation, find_help
from handlers.actions.open_service import open_service
from handlers.actions.services import flag_service, update_health
from handlers.actions.share import share_reply
from handlers.actions.tickets import ticket_action
from handlers.errors import guarded
from messages.ids import ActionId


def register(app: App) -> None:
    app.action(ActionId.SHARE_REPLY.value)(guarded(share_reply))
    app.action(re.compile(rf"^{ActionId.OPEN_SERVICE.value}:\d+$"))(guarded(open_service))
    app.action(re.compile(rf"^{ActionId.DELIVERABLE_MOVE.value}:\d+$"))(guarded(deliverable_move))
    app.action(re.compile(rf"^{ActionId.DELIVERABLE_FOLLOW.value}:\d+:[a-z]+$"))(guarded(deliverable_follow))
    app.action(ActionId.UPDATE_HEALTH.value)(guarded(update_health))
    app.action(ActionId.FLAG_SERVICE.value)(guarded(flag_service))
    app.action(re.compile(rf"^{ActionId.FLAG_CUSTOMER.value}:\d+$"))(guarded(flag_customer))
    app.action(re.compile(rf"^{ActionId.TICKET_ACTION.value}:\d+(:[a-z]+)?$"))(guarded(ticket_action))
    app.action(ActionId.FIND_HELP.value)(guarded(find_help))
    app.action(re.compile(rf"^{ActionId.DECIDE_REALLOCATION.value}:(approve|decline)$"))(guarded(decide_reallocation))
