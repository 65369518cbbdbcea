"""The Block modal: a category and a reason (both required) and an expected unblock date (optional)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, ValidationError
from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from slack_sdk.models.blocks import (
    DatePickerElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.blocks.basic_components import MarkdownTextObject
from slack_sdk.models.views import View

from handlers.after_ack import after_ack
from handlers.change_flow import accept_submission
from handlers.deliverable_moves import apply_move
from handlers.rerender import Origin
from messages.blocks.common import clip, escape
from messages.ids import BlockModalMeta, CallbackId, DeliverableMoveValue, InputId
from store.clock import local_today
from store.enums import BlockerCategory

VALUE = "value"
REASON_MISSING = "Say what it is waiting for, so others can help unblock it."
CATEGORY_MISSING = "Choose what kind of blocker it is, so patterns across deliverables show up."
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
            InputBlock(block_id=InputId.BLOCK_CATEGORY.value, label="What kind of blocker?",
                       element=StaticSelectElement(action_id=VALUE, placeholder="Choose a category",
                                                   options=[Option(text=category.label, value=category.value)
                                                            for category in BlockerCategory])),
            InputBlock(block_id=InputId.BLOCK_REASON.value, label="What is it waiting for?",
                       element=PlainTextInputElement(action_id=VALUE, multiline=True, max_length=500)),
            InputBlock(block_id=InputId.BLOCK_UNTIL.value, label="Expected unblock date", optional=True,
                       element=DatePickerElement(action_id=VALUE)),
        ],
    ).to_dict()


class BlockForm(BaseModel):
    """The Block modal as submitted: a value Slack did not offer (a category or date it could not send) reads
    as missing, and is answered on the form."""

    model_config = ConfigDict(frozen=True)

    reason: str = ""
    category: BlockerCategory | None = None
    until: date | None = None


def _field(state: dict, block: InputId) -> dict:
    found = (state.get(block.value) or {}).get(VALUE)
    return found if isinstance(found, dict) else {}


def read_block_form(state: dict) -> BlockForm:
    raw = {
        "reason": (_field(state, InputId.BLOCK_REASON).get("value") or "").strip(),
        "category": (_field(state, InputId.BLOCK_CATEGORY).get("selected_option") or {}).get("value"),
        "until": _field(state, InputId.BLOCK_UNTIL).get("selected_date"),
    }
    try:
        return BlockForm.model_validate(raw)
    except ValidationError as problem:
        # Keep what is well-formed; whatever is not reads as not given.
        bad = {str(error["loc"][0]) for error in problem.errors() if error["loc"]}
        return BlockForm.model_validate({key: value for key, value in raw.items() if key not in bad})


def block_form_errors(form: BlockForm, today: date) -> dict[str, str]:
    errors = {}
    if form.category is None:
        errors[InputId.BLOCK_CATEGORY.value] = CATEGORY_MISSING
    if not form.reason:
        errors[InputId.BLOCK_REASON.value] = REASON_MISSING
    if form.until is not None and form.until < today:
        errors[InputId.BLOCK_UNTIL.value] = DATE_PAST
    return errors


def submit_block(ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext) -> None:
    workspace = context["workspace"]
    form = read_block_form(view["state"]["values"])
    errors = block_form_errors(form, local_today(workspace.clock.now(), workspace.tz))
    meta = accept_submission(ack, context, view, BlockModalMeta, errors=errors, busy_input=InputId.BLOCK_REASON)
    if meta is None:
        return
    origin = Origin.returned(meta.origin, body["user"]["id"])
    after_ack(context, body, apply_move, client, workspace, origin, meta.move, reason=form.reason,
              expected_unblock_on=form.until, category=form.category, client=client)
