"""Block actions: button and menu clicks."""

from slack_bolt import App

from handlers.actions.share import share_reply
from handlers.ids import ActionId


def register(app: App) -> None:
    app.action(ActionId.SHARE_REPLY.value)(share_reply)
