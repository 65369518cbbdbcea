"""Slash commands."""

from slack_bolt import App

from handlers.commands.delivery import delivery_command
from handlers.errors import guarded


def register(app: App) -> None:
    app.command("/delivery")(guarded(delivery_command))
