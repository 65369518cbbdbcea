"""Events API listeners."""

from slack_bolt import App

from handlers.errors import guarded
from handlers.events.app_home import publish_home


def register(app: App) -> None:
    app.event("app_home_opened")(guarded(publish_home))
