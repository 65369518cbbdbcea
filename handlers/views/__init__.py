"""Modal submissions."""

from slack_bolt import App

from handlers.ids import CallbackId
from handlers.views.block_deliverable import submit_block


def register(app: App) -> None:
    app.view(CallbackId.BLOCK_DELIVERABLE.value)(submit_block)
