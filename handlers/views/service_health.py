"""The Update health modal: a health (or Clear override), the issue, the latest action, an expiry date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

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
from handlers.change_flow import accept_submission, apply_change
from handlers.rerender import Origin
from handlers.service_changes import asked_about, modal_meta, origin_of
from messages.blocks.common import clip, escape, escape_clipped
from messages.blocks.health import HEALTH_EMOJI
from messages.ids import CallbackId, HealthChoice, InputId, ServiceActionValue, ServiceModalMeta
from store.changes.services import override_expiry, set_health_override
from store.clock import local_today
from store.enums import Health
from store.readmodels import ServiceCard
from store.rules.permissions import Permission
from store.workspace import Workspace

VALUE = "value"
MAX_TEXT = 500
CHOICE_LABELS = {
    HealthChoice.ON_TRACK: Health.ON_TRACK.label,
    HealthChoice.NEEDS_ATTENTION: Health.NEEDS_ATTENTION.label,
    HealthChoice.AT_RISK: Health.AT_RISK.label,
    HealthChoice.CLEAR: "Clear override (back to the computed health)",
}
HEALTH_MISSING = "Pick a health, or Clear override to go back to the computed health."
ISSUE_MISSING = "Say what the issue is: it shows next to the health on the card."
EXPIRY_MISSING = "Pick the last day this health should show; after it the computed health returns."
EXPIRY_PAST = "Pick today or a later date."


@dataclass(frozen=True)
class HealthForm:
    choice: HealthChoice | None
    issue: str
    action: str
    until: date | None

    @property
    def health(self) -> Health | None:
        """The override to set; None for Clear override."""
        return None if self.choice in (None, HealthChoice.CLEAR) else Health(self.choice.value)


def _option(choice: HealthChoice) -> Option:
    return Option(text=CHOICE_LABELS[choice], value=choice.value)


def _intro(card: ServiceCard) -> str:
    lines = [f"*{escape(card.ref.label)}*"]
    view = card.health
    if view is not None:
        lines.append(f"Now {HEALTH_EMOJI[view.health]} *{view.health.label}* · rules say {view.computed_health.label}")
        lines += [f"• {escape(f.reason)}" for f in view.findings[:5]]
    if card.action_note:
        lines.append(f"Latest action: {escape(card.action_note)}")
    return clip("\n".join(lines), 3000)


def health_modal(value: ServiceActionValue, origin: Origin, card: ServiceCard, tz: ZoneInfo) -> dict:
    """The modal, filled in with the active override (if any) so it can be changed or extended."""
    view = card.health
    override = view if view is not None and view.override_reason is not None else None
    choice = _option(HealthChoice(override.health.value)) if override is not None else None
    until = ((override.override_expires_at - timedelta(microseconds=1)).astimezone(tz).date().isoformat()
             if override is not None and override.override_expires_at else None)
    return View(
        type="modal",
        callback_id=CallbackId.SERVICE_HEALTH.value,
        title="Update health",
        submit="Save",
        close="Cancel",
        private_metadata=modal_meta(value, origin).model_dump_json(),
        blocks=[
            SectionBlock(text=MarkdownTextObject(text=_intro(card))),
            InputBlock(block_id=InputId.HEALTH_CHOICE.value, label="Health",
                       element=StaticSelectElement(action_id=VALUE, placeholder="Choose",
                                                   options=[_option(c) for c in HealthChoice], initial_option=choice)),
            InputBlock(block_id=InputId.HEALTH_ISSUE.value, label="Issue", optional=True,
                       hint="Required unless you clear the override: shown next to the health.",
                       element=PlainTextInputElement(
                           action_id=VALUE, multiline=True, max_length=MAX_TEXT,
                           initial_value=override.override_reason if override is not None else None)),
            InputBlock(block_id=InputId.HEALTH_ACTION.value, label="Action taken", optional=True,
                       hint="Becomes the service's latest action; leave empty to keep the current one.",
                       element=PlainTextInputElement(action_id=VALUE, max_length=MAX_TEXT,
                                                     placeholder="Now: " + escape_clipped(card.action_note, 145)
                                                     if card.action_note else None)),
            InputBlock(block_id=InputId.HEALTH_EXPIRES.value, label="Override until", optional=True,
                       hint="Required unless you clear the override: the last day it shows.",
                       element=DatePickerElement(action_id=VALUE, initial_date=until)),
        ],
    ).to_dict()


def _field(state: dict, input_id: InputId) -> dict:
    return (state.get(input_id.value) or {}).get(VALUE) or {}


def read_health_form(state: dict) -> HealthForm:
    selected = (_field(state, InputId.HEALTH_CHOICE).get("selected_option") or {}).get("value")
    picked = _field(state, InputId.HEALTH_EXPIRES).get("selected_date")
    return HealthForm(
        choice=HealthChoice(selected) if selected in {c.value for c in HealthChoice} else None,
        issue=(_field(state, InputId.HEALTH_ISSUE).get("value") or "").strip(),
        action=(_field(state, InputId.HEALTH_ACTION).get("value") or "").strip(),
        until=date.fromisoformat(picked) if picked else None,
    )


def health_form_errors(form: HealthForm, today: date) -> dict[str, str]:
    """Errors to show inside the modal, by block id; clearing needs neither issue nor date."""
    if form.choice is None:
        return {InputId.HEALTH_CHOICE.value: HEALTH_MISSING}
    if form.choice == HealthChoice.CLEAR:
        return {}
    errors = {}
    if not form.issue:
        errors[InputId.HEALTH_ISSUE.value] = ISSUE_MISSING
    if form.until is None:
        errors[InputId.HEALTH_EXPIRES.value] = EXPIRY_MISSING
    elif form.until < today:
        errors[InputId.HEALTH_EXPIRES.value] = EXPIRY_PAST
    return errors


def submit_health(ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext) -> None:
    workspace = context["workspace"]
    form = read_health_form(view["state"]["values"])
    errors = health_form_errors(form, local_today(workspace.clock.now(), workspace.tz))
    meta = accept_submission(ack, context, view, ServiceModalMeta, errors=errors, busy_input=InputId.HEALTH_CHOICE)
    if meta is None:
        return
    origin = origin_of(meta, body["user"]["id"])
    after_ack(context, body, apply_health, client, workspace, origin, meta, form, client=client)


def apply_health(client: WebClient, workspace: Workspace, origin: Origin, meta: ServiceModalMeta,
                 form: HealthForm) -> None:
    """Set or clear the override, and make every message showing the service true again."""
    expires_at = None
    if form.health is not None:
        if form.until is None:
            raise ValueError("setting a health override needs its last day (health_form_errors asks for it)")
        expires_at = override_expiry(form.until, workspace.tz)
    value = meta.action
    asked = asked_about(client, workspace, origin, value, Permission.UPDATE_HEALTH)
    apply_change(asked, lambda: workspace.change(
        set_health_override, actor_slack_user_id=origin.user_id, service_id=value.s, version=value.v,
        health=form.health, reason=form.issue or None, action_note=form.action or None, expires_at=expires_at,
    ))
