"""The Block modal: a reason (required) and an expected unblock date (optional)."""

from __future__ import annotations

from datetime import date

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from slack_sdk.models.blocks import DatePickerElement, InputBlock, PlainTextInputElement, SectionBlock
from slack_sdk.models.blocks.basic_components import MarkdownTextObject
from slack_sdk.models.views import View

from handlers.after_ack import after_ack
from handlers.change_flow import accept_submission
from handlers.deliverable_moves import apply_move
from handlers.rerender import Origin
from messages.blocks.common import clip, escape
from messages.ids import BlockModalMeta, CallbackId, DeliverableMoveValue, InputId
from store.clock import local_today

VALUE = "value"
REASON_MISSING = "Say what it is waiting for, so others can help unblock it."
DATE_PAST = "Pick today or a later date, or leave it empty."


def block_modal(value: DeliverableMoveValue, origin: Origin, name: str | None = None) -> dict:
    meta = BlockModalMeta(move=value, origin=origin.carried())
    intro = f"Block *{escape(name)}*" if name else "Block this deliverable"
    return View(
        type="modal",
        callback_id=CallbackId.BLOCK_DELIVERABLE.value,
        title="Block deliverable",
        submit="Block",
        close="Cancel",
        private_metadata=meta.model_dump_json(),
        blocks=[
            SectionBlock(text=MarkdownTextObject(text=clip(intro, 3000))),
            InputBlock(block_id=InputId.BLOCK_REASON.value, label="What is it waiting for?",
                       element=PlainTextInputElement(action_id=VALUE, multiline=True, max_length=500)),
            InputBlock(block_id=InputId.BLOCK_UNTIL.value, label="Expected unblock date", optional=True,
                       element=DatePickerElement(action_id=VALUE)),
        ],
    ).to_dict()


def read_block_form(state: dict) -> tuple[str, date | None]:
    reason = (state[InputId.BLOCK_REASON.value][VALUE].get("value") or "").strip()
    picked = state[InputId.BLOCK_UNTIL.value][VALUE].get("selected_date")
    return reason, date.fromisoformat(picked) if picked else None


def block_form_errors(reason: str, until: date | None, today: date) -> dict[str, str]:
    errors = {}
    if not reason:
        errors[InputId.BLOCK_REASON.value] = REASON_MISSING
    if until is not None and until < today:
        errors[InputId.BLOCK_UNTIL.value] = DATE_PAST
    return errors


def submit_block(ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext) -> None:
    workspace = context["workspace"]
    reason, until = read_block_form(view["state"]["values"])
    errors = block_form_errors(reason, until, local_today(workspace.clock.now(), workspace.tz))
    meta = accept_submission(ack, context, view, BlockModalMeta, errors=errors, busy_input=InputId.BLOCK_REASON)
    if meta is None:
        return
    origin = Origin.returned(meta.origin, body["user"]["id"])
    after_ack(context, body, apply_move, client, workspace, origin, meta.move, reason=reason, expected_unblock_on=until,
              client=client)
