"""After a change: tell the person who clicked, rebuild the clicked message from the database,
and update in place every other posted message that shows the changed object or its service."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from handlers.events.app_home import home_blocks
from messages.blocks.common import Reply, context, time_token
from messages.blocks.share import with_share_button
from messages.ids import ClickOrigin, ViewRef
from messages.views import show_now
from store.queries.posted import message_at, messages_showing
from store.workspace import Workspace

log = logging.getLogger("delivery.rerender")


@dataclass(frozen=True)
class Origin:
    """Where a click happened: an ephemeral answer, a channel message, or the App Home tab."""

    user_id: str
    channel_id: str | None
    ts: str | None
    ephemeral: bool
    in_home: bool
    response_url: str | None

    def carried(self) -> ClickOrigin:
        """What a modal keeps of this click, to re-render the clicked message after submission."""
        return ClickOrigin(channel_id=self.channel_id, ts=self.ts, ephemeral=self.ephemeral, in_home=self.in_home,
                           response_url=self.response_url)

    @classmethod
    def returned(cls, carried: ClickOrigin, user_id: str) -> Origin:
        return cls(user_id=user_id, channel_id=carried.channel_id, ts=carried.ts, ephemeral=carried.ephemeral,
                   in_home=carried.in_home, response_url=carried.response_url)

    @classmethod
    def of(cls, body: dict) -> Origin:
        container = body.get("container") or {}
        return cls(
            user_id=body["user"]["id"],
            channel_id=container.get("channel_id") or (body.get("channel") or {}).get("id"),
            ts=container.get("message_ts"),
            ephemeral=bool(container.get("is_ephemeral")),
            in_home=container.get("type") == "view",
            response_url=body.get("response_url"),
        )


def render_view(workspace: Workspace, view: ViewRef, viewer: str, *, private: bool = False) -> tuple[Reply, str]:
    """The message a view shows now (a digest that has emptied says all clear), and the command
    text that shows it again. `private`: only the viewer sees it (an ephemeral answer)."""
    shown = show_now(workspace, view, viewer, private=private)
    return shown.reply, shown.again


def tell(client: WebClient, origin: Origin, text: str) -> None:
    """A private note to the person who clicked; the message they clicked stays as it is."""
    try:
        if origin.response_url:
            WebhookClient(origin.response_url).send(text=text, response_type="ephemeral", replace_original=False)
        elif origin.channel_id and not origin.in_home:
            client.chat_postEphemeral(channel=origin.channel_id, user=origin.user_id, text=text)
        else:
            client.chat_postMessage(channel=origin.user_id, text=text)
    except SlackApiError as error:
        log.warning("could not tell %s: %s", origin.user_id, error.response.get("error"))


def _updated(reply: Reply, now: datetime) -> Reply:
    from dataclasses import replace

    return replace(reply, blocks=[*reply.blocks[:49], context(f"Updated {time_token(now)}")])


def refresh_origin(client: WebClient, workspace: Workspace, origin: Origin, view: ViewRef) -> None:
    if origin.in_home:
        client.views_publish(user_id=origin.user_id,
                             view={"type": "home", "blocks": home_blocks(workspace, origin.user_id)})
        return
    if origin.ephemeral:
        if origin.response_url is None:
            raise ValueError("an ephemeral message can only be replaced through its response_url")
        reply, text = render_view(workspace, view, origin.user_id, private=True)
        reply = with_share_button(reply, text)
        WebhookClient(origin.response_url).send(replace_original=True, text=reply.text, blocks=reply.block_dicts())
        return
    if origin.channel_id is None or origin.ts is None:
        raise ValueError("a posted message can only be updated by its channel and ts")
    posted = workspace.read(message_at, channel_id=origin.channel_id, ts=origin.ts)
    shown = ViewRef.model_validate_json(posted.view) if posted else view
    viewer = posted.viewer_slack_user_id if posted and posted.viewer_slack_user_id else origin.user_id
    reply = _updated(render_view(workspace, shown, viewer)[0], workspace.clock.now())
    client.chat_update(channel=origin.channel_id, ts=origin.ts, text=reply.text, blocks=reply.block_dicts())


def refresh_posted(client: WebClient, workspace: Workspace, *, objects: list[tuple[str, int]],
                   skip: Origin | None) -> int:
    """chat.update every remembered message that shows one of `objects` (("service", id), ("ticket", id));
    one failure never stops the rest."""
    updated = 0
    for message in workspace.read(messages_showing, objects=objects):
        if skip and (message.channel_id, message.ts) == (skip.channel_id, skip.ts):
            continue
        view = ViewRef.model_validate_json(message.view)
        reply = _updated(render_view(workspace, view, message.viewer_slack_user_id or "")[0],
                         workspace.clock.now())
        try:
            client.chat_update(channel=message.channel_id, ts=message.ts, text=reply.text,
                               blocks=reply.block_dicts())
            updated += 1
        except SlackApiError as error:
            log.warning("could not update %s/%s: %s", message.channel_id, message.ts,
                        error.response.get("error"))
    return updated
