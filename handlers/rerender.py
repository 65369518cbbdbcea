"""After a change: tell the person who clicked, rebuild the clicked message from the database,
and update in place every other posted message that shows the changed service."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from handlers.blocks.at_risk import at_risk_message
from handlers.blocks.common import Reply, context, time_token
from handlers.blocks.mine import mine_message
from handlers.blocks.service_card import service_card_message
from handlers.blocks.share import with_share_button
from handlers.blocks.tickets import tickets_message
from handlers.events.app_home import home_blocks
from handlers.ids import ClickOrigin, ViewKind, ViewRef
from store.queries.at_risk import at_risk_report
from store.queries.mine import my_work
from store.queries.posted import message_at, messages_showing
from store.queries.service_card import service_card
from store.queries.tickets import ticket_report
from store.readmodels_tickets import TicketGrouping
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


def render_view(workspace: Workspace, view: ViewRef, viewer: str) -> tuple[Reply, str]:
    """The message a view shows now, and the command text that shows it again."""
    if view.k == ViewKind.CARD:
        if view.s is None:
            raise LookupError("a card view that names no service")
        card = workspace.read(service_card, service_id=view.s)
        return service_card_message(card, workspace.tz), f"status {card.ref.label}"
    if view.k == ViewKind.MINE:
        return mine_message(workspace.read(my_work, slack_user_id=viewer), workspace.tz), "mine"
    if view.k == ViewKind.TICKETS:
        breakdown = (view.b or TicketGrouping.CUSTOMER).value
        report = workspace.read(ticket_report, breakdown=breakdown)
        return tickets_message(report, workspace.tz), f"tickets by {breakdown}"
    # Imported here: digests build on handlers.blocks, so importing them with this module would be circular.
    from digests.builders import rerender_digest

    digest = rerender_digest(workspace, view, viewer)
    if digest is not None:
        return digest
    return at_risk_message(workspace.read(at_risk_report), workspace.tz), "at-risk"


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
        reply, text = render_view(workspace, view, origin.user_id)
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


def refresh_posted(client: WebClient, workspace: Workspace, *, service_id: int, skip: Origin | None) -> int:
    """chat.update every remembered message that shows the service; one failure never stops the rest."""
    updated = 0
    for message in workspace.read(messages_showing, objects=[("service", service_id)]):
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
