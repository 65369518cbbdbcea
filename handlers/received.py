"""How long ago the HTTP server received a request, for listeners that must acknowledge within
Slack's 3 seconds. The WSGI app (bot/web.py) stamps each request on arrival; requests
dispatched in-process (the terminal, the benchmarks) carry no stamp and count from now."""

from __future__ import annotations

import time

from slack_bolt.request import BoltRequest

RECEIVED_AT_HEADER = "x-delivery-received-at"


def seconds_since_received(request: BoltRequest | None) -> float:
    values = request.headers.get(RECEIVED_AT_HEADER) if request is not None else None
    try:
        received = float(values[0]) if values else None
    except ValueError:
        received = None
    return 0.0 if received is None else max(0.0, time.monotonic() - received)
