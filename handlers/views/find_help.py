"""The Find help modal: who could help a service, ranked with why, and a form to propose one of them for
hours a week until a day (issue 21).

It opens at once saying it is looking (a trigger_id lasts 3 seconds), and is filled in with the ranking
after the click is acknowledged (`views.update`). Its submission proposes the reallocation through the
change flow (handlers/reallocations.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import (
    Block,
    DatePickerElement,
    DividerBlock,
    InputBlock,
    NumberInputElement,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.blocks.basic_components import MarkdownTextObject
from slack_sdk.models.views import View

from handlers.after_ack import after_ack
from handlers.change_flow import accept_submission
from handlers.reallocations import propose
from handlers.rerender import Origin
from messages.blocks.capacity import hours
from messages.blocks.common import clip, escape, escape_clipped
from messages.blocks.help import help_list_blocks
from messages.ids import CallbackId, FindHelpMeta, FindHelpValue, InputId
from store.clock import local_today
from store.queries.help import find_help
from store.readmodels.help import HelpList
from store.rules.reallocation import NOTE_CHARS
from store.workspace import Workspace

log = logging.getLogger("delivery.help")
VALUE = "value"
TITLE = "Find help"
PERSON_MISSING = "Choose who to propose."
HOURS_WRONG = "Hours a week: a number more than 0, at most 168."
UNTIL_MISSING = "Pick the last day they help; the allocation ends after it."
UNTIL_PAST = "Pick today or a later date."
# What the form suggests: the first person's free hours a week, at most this many.
SUGGESTED_HOURS_MOST = 16


@dataclass(frozen=True)
class HelpForm:
    person_id: int | None
    hours_per_week: float | None
    until: date | None
    note: str


def loading_modal(label: str) -> dict:
    """What opens at once: the ranking follows within a second or two."""
    return View(type="modal", title=TITLE, close="Close", blocks=[SectionBlock(text=MarkdownTextObject(
        text=clip(f":mag: Looking for who could help *{escape(label)}*…", 3000)))]).to_dict()


def _suggested_hours(report: HelpList) -> str:
    first = report.helpers[0]
    per_week = min(first.free_hours / 2, SUGGESTED_HOURS_MOST)
    return hours(max(round(per_week), 1))


def _form(report: HelpList) -> list[Block]:
    options = [Option(text=escape_clipped(f"{n}. {h.person.name}", 75), value=str(h.person_id))
               for n, h in enumerate(report.helpers, start=1)]
    return [
        DividerBlock(),
        InputBlock(block_id=InputId.HELP_PERSON.value, label="Propose",
                   element=StaticSelectElement(action_id=VALUE, options=options, initial_option=options[0])),
        InputBlock(block_id=InputId.HELP_HOURS.value, label="Hours a week",
                   element=NumberInputElement(action_id=VALUE, is_decimal_allowed=True, min_value="0.25",
                                              max_value="168", initial_value=_suggested_hours(report))),
        InputBlock(block_id=InputId.HELP_UNTIL.value, label="Until",
                   hint="The last day they help: the allocation runs from the day it is approved to this day.",
                   element=DatePickerElement(action_id=VALUE, initial_date=report.suggested_until.isoformat())),
        InputBlock(block_id=InputId.HELP_NOTE.value, label="Note for those who decide", optional=True,
                   element=PlainTextInputElement(action_id=VALUE, multiline=True, max_length=NOTE_CHARS)),
    ]


def help_modal(report: HelpList, value: FindHelpValue, origin: Origin, tz: ZoneInfo) -> dict:
    """The ranked list, and (when anyone could help) the form to propose one of them."""
    meta = FindHelpMeta(s=value.s, w=value.w, origin=origin.carried())
    blocks = help_list_blocks(report, tz)
    if report.helpers:
        blocks += _form(report)
    return View(type="modal", callback_id=CallbackId.FIND_HELP.value, title=TITLE,
                submit="Propose" if report.helpers else None, close="Close",
                private_metadata=meta.model_dump_json(), blocks=blocks).to_dict()


def fill_help_modal(client: WebClient, workspace: Workspace, view_id: str, view_hash: str | None,
                    value: FindHelpValue, origin: Origin) -> None:
    """Rank who could help and draw the opened modal with them (unless it was closed meanwhile)."""
    report = workspace.read(find_help, service_id=value.s)
    try:
        client.views_update(view_id=view_id, hash=view_hash, view=help_modal(report, value, origin, workspace.tz))
    except SlackApiError as error:
        # Closed before the ranking came ("not_found"), or changed meanwhile ("hash_conflict"): nothing to draw.
        log.info("Find help modal %s not updated: %s", view_id, error.response.get("error"))


def _field(state: dict, input_id: InputId) -> dict:
    return (state.get(input_id.value) or {}).get(VALUE) or {}


def _number(text: object) -> float | None:
    try:
        value = Decimal(str(text).strip())
    except InvalidOperation:
        return None
    return float(value) if value.is_finite() else None


def read_help_form(state: dict) -> HelpForm:
    chosen = (_field(state, InputId.HELP_PERSON).get("selected_option") or {}).get("value")
    picked = _field(state, InputId.HELP_UNTIL).get("selected_date")
    raw_hours = _field(state, InputId.HELP_HOURS).get("value")
    try:
        until = date.fromisoformat(picked) if isinstance(picked, str) else None
    except ValueError:
        until = None
    return HelpForm(
        person_id=int(chosen) if isinstance(chosen, str) and chosen.isdigit() else None,
        hours_per_week=_number(raw_hours) if raw_hours is not None else None,
        until=until,
        note=(_field(state, InputId.HELP_NOTE).get("value") or "").strip(),
    )


def help_form_errors(form: HelpForm, today: date) -> dict[str, str]:
    errors = {}
    if form.person_id is None:
        errors[InputId.HELP_PERSON.value] = PERSON_MISSING
    if form.hours_per_week is None or not 0 < form.hours_per_week <= 168:
        errors[InputId.HELP_HOURS.value] = HOURS_WRONG
    if form.until is None:
        errors[InputId.HELP_UNTIL.value] = UNTIL_MISSING
    elif form.until < today:
        errors[InputId.HELP_UNTIL.value] = UNTIL_PAST
    return errors


def submit_find_help(ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext) -> None:
    workspace = context["workspace"]
    form = read_help_form(view["state"]["values"])
    errors = help_form_errors(form, local_today(workspace.clock.now(), workspace.tz))
    meta = accept_submission(ack, context, view, FindHelpMeta, errors=errors, busy_input=InputId.HELP_HOURS)
    if meta is None or form.person_id is None or form.hours_per_week is None or form.until is None:
        return
    origin = Origin.returned(meta.origin, body["user"]["id"])
    after_ack(context, body, propose, client, workspace, origin, meta.w, service_id=meta.s,
              person_id=form.person_id, hours_per_week=form.hours_per_week, until=form.until,
              note=form.note or None, client=client)
