"""The Escalate now modal: take a blocked deliverable's next escalation step at once, with a note (required)
saying what is needed."""

from __future__ import annotations

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from slack_sdk.models.blocks import InputBlock, PlainTextInputElement, SectionBlock
from slack_sdk.models.blocks.basic_components import MarkdownTextObject
from slack_sdk.models.views import View

from handlers.after_ack import after_ack
from handlers.change_flow import accept_submission
from handlers.deliverable_follow import apply_escalation
from handlers.rerender import Origin
from messages.blocks.common import clip, escape
from messages.ids import CallbackId, DeliverableFollowValue, FollowModalMeta, InputId

VALUE = "value"
NOTE_MISSING = "Say what is needed: it goes with the escalation and into the deliverable's history."
MAX_NOTE_CHARS = 500


def escalate_modal(value: DeliverableFollowValue, origin: Origin, name: str) -> dict:
    meta = FollowModalMeta(action=value, origin=origin.carried())
    intro = (f"Escalate *{escape(name)}* now: its escalation's next step is taken at once (its owner, then the "
             "service's lead, then the channels subscribed to `escalations`), with your note. The steps after it "
             "follow on the ladder's schedule.")
    return View(
        type="modal",
        callback_id=CallbackId.ESCALATE_DELIVERABLE.value,
        title="Escalate now",
        submit="Escalate",
        close="Cancel",
        private_metadata=meta.model_dump_json(),
        blocks=[
            SectionBlock(text=MarkdownTextObject(text=clip(intro, 3000))),
            InputBlock(block_id=InputId.ESCALATION_NOTE.value, label="What is needed?",
                       element=PlainTextInputElement(action_id=VALUE, multiline=True, max_length=MAX_NOTE_CHARS)),
        ],
    ).to_dict()


def read_escalation_note(state: dict) -> str:
    return (((state.get(InputId.ESCALATION_NOTE.value) or {}).get(VALUE) or {}).get("value") or "").strip()


def submit_escalation(ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext) -> None:
    note = read_escalation_note(view["state"]["values"])
    errors = {} if note else {InputId.ESCALATION_NOTE.value: NOTE_MISSING}
    meta = accept_submission(ack, context, view, FollowModalMeta, errors=errors, busy_input=InputId.ESCALATION_NOTE)
    if meta is None:
        return
    origin = Origin.returned(meta.origin, body["user"]["id"])
    after_ack(context, body, apply_escalation, client, context["workspace"], origin, meta.action, note=note,
              client=client)
