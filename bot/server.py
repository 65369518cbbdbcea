"""Run HTTP mode under gunicorn, a production WSGI server.

The Bolt app and its database engine are made in each worker after the fork, so
no connection or thread is shared across processes.
"""

from __future__ import annotations

import math

from gunicorn.app.base import BaseApplication

from bot.app import check_bot_token, create_app, slack_credentials, web_client
from bot.garbage_collection import settle_after_startup
from bot.settings import Settings
from bot.web import create_wsgi_app
from store.db import make_engine

KEEPALIVE_SECONDS = 75


def graceful_seconds(settings: Settings) -> int:
    """How long a stopping worker may take to finish: the work queued after acks is held to about
    DELIVERY_BUSY_AFTER_SECONDS (handlers/after_ack.py), and on SIGTERM it is finished, not dropped,
    so allow twice that, and never less than 20 s."""
    return max(20, math.ceil(2 * settings.delivery_busy_after_seconds))


class DeliveryServer(BaseApplication):
    def __init__(self, settings: Settings, *, host: str, port: int, workers: int, threads: int):
        self.settings = settings
        self.options = {
            "bind": f"{host}:{port}",
            "workers": workers,
            "worker_class": "gthread",
            "threads": threads,
            "timeout": 30,
            # Longer than a load balancer keeps an idle connection (60 s on the common ones): with
            # gunicorn's default of 2 s, a connection the balancer, or any client, reuses after 2 s
            # idle can be closed under it, and that request fails before the app sees it. Idle
            # connections wait in gthread's poller, not in a thread.
            "keepalive": KEEPALIVE_SECONDS,
            "graceful_timeout": graceful_seconds(settings),
            "accesslog": "-",
            "access_log_format": '%(h)s "%(r)s" %(s)s %(b)s %(M)sms',
            "errorlog": "-",
            "proc_name": "delivery-bot",
        }
        # Fail before forking when the credentials are missing, or the bot token is rejected.
        self.credentials = slack_credentials(settings, purpose="HTTP mode")
        if not settings.oauth_enabled:
            check_bot_token(web_client(settings, self.credentials.bot_token))
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        engine = make_engine(self.settings.database_url)
        # One listener thread per request waiting for its ack, and one more for a listener finishing
        # a short step after its ack (reading what a modal shows, then opening it). Longer work after
        # an ack runs in pools of its own (handlers/after_ack.py, the /delivery answers), so it never
        # holds these: a request finding no free listener thread could not even be acknowledged.
        app = create_app(self.settings, self.credentials, engine=engine,
                         listener_threads=LISTENER_THREADS_PER_SERVER_THREAD * self.options["threads"])
        wsgi = create_wsgi_app(app, engine, self.credentials.signing_secret)
        settle_after_startup()
        return wsgi


LISTENER_THREADS_PER_SERVER_THREAD = 2


def serve(settings: Settings, *, host: str, port: int, workers: int, threads: int) -> None:
    DeliveryServer(settings, host=host, port=port, workers=workers, threads=threads).run()
