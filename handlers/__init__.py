"""Slack surfaces: slash commands, events, actions, views. Thin listeners over the store."""

from slack_bolt import App

from handlers import actions, commands, errors, events, views


def register_all(app: App) -> None:
    errors.register(app)
    commands.register(app)
    events.register(app)
    actions.register(app)
    views.register(app)
