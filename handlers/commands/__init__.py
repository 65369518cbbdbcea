"""Slash commands."""

from slack_bolt import App

from handlers.commands.delivery import delivery_command


def register(app: App) -> None:
    app.command("/delivery")(delivery_command)
