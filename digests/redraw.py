"""Drawing again, from the database, the remembered messages of one kind that show some objects: a
warning whose ticket was resolved by an import, a slip warning whose forecast moved."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from slack_sdk import WebClient

from messages.ids import ViewKind, ViewRef
from messages.posting import update_in_place
from messages.views import show_now
from store.enums import DeliveryStatus
from store.queries.posted import messages_of_kind_showing
from store.workspace import Workspace

log = logging.getLogger("delivery.warnings")


def redraw_showing(client: WebClient, workspace: Workspace, kind: ViewKind, object_type: str,
                   object_ids: Sequence[int], ref_of: Callable[[int], ViewRef]) -> tuple[int, int]:
    """Update in place every remembered `kind` message showing each object, drawn once per object.
    (objects with a message drawn, messages updated). A message Slack refuses keeps its old text and is
    logged: an update is never worth failing the rest for."""
    posted = workspace.read(messages_of_kind_showing, view_kind=kind.value, object_type=object_type,
                            object_ids=object_ids)
    drawn = updated = 0
    for object_id in object_ids:
        messages = posted.get(object_id, [])
        if not messages:  # held, or posted but not remembered: nothing to draw
            continue
        try:
            reply = show_now(workspace, ref_of(object_id)).reply
        except Exception:
            log.exception("the %s messages of %s %s could not be drawn again", kind.value, object_type, object_id)
            continue
        for message in messages:
            result = update_in_place(client, message.channel_id, message.ts, reply)
            if result.status == DeliveryStatus.SENT:
                updated += 1
            else:
                log.warning("a %s message of %s %s was not drawn again: %s", kind.value, object_type, object_id,
                            result.error)
        drawn += 1
    return drawn, updated
