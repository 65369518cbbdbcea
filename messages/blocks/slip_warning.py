"""A milestone's slip warning to its service's lead: one DM, posted when the milestone is first forecast
to slip and drawn again as the forecast moves (other dates, back on schedule, overdue, done)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block

from messages.blocks.common import Reply, context, date_token, escape_clipped, mrkdwn_section, plural, time_token
from messages.blocks.forecast import NAME_CHARS, dates_words, pace_words
from messages.ids import ViewKind, ViewRef
from store.readmodels.forecast import SlipWarningView
from store.rules.forecast import HISTORY_WEEKS, TRIALS, SlipState


def _headline(view: SlipWarningView, tz: ZoneInfo) -> tuple[str, str]:
    """(emoji and words in mrkdwn, the words alone for the notification), free of user text."""
    due = date_token(view.due_on, tz)
    forecast = view.forecast
    if view.state == SlipState.SLIPS and forecast is not None:
        late = f", {plural(forecast.days_late, 'day')} late at 85%" if forecast.days_late is not None else ""
        return (f":crystal_ball: *Forecast to slip*: due {due}, {dates_words(forecast.forecast, tz)}{late}",
                "Forecast to slip")
    if view.state == SlipState.ON_TIME and forecast is not None:
        return f":white_check_mark: *Back on schedule*: due {due}, {dates_words(forecast.forecast, tz)}", \
            "Back on schedule"
    if view.state == SlipState.DONE and view.done_on is not None:
        return f":white_check_mark: *Done* on {date_token(view.done_on, tz)} (due {due})", "Milestone done"
    if view.state == SlipState.OVERDUE:
        return (f":rotating_light: *Overdue*: due {due} and not done; `/delivery at-risk` follows it from here",
                "Milestone overdue")
    return f":information_source: *No longer followed*: its service is no longer active (due {due})", \
        "Service no longer active"


def slip_warning_message(view: SlipWarningView, tz: ZoneInfo) -> Reply:
    ref = ViewRef(k=ViewKind.SLIP_WARNING, ms=view.milestone_id)
    headline, said = _headline(view, tz)
    name = escape_clipped(view.name, NAME_CHARS)
    service = escape_clipped(view.service.label, NAME_CHARS)
    lines = [headline, f"*{name}* · {service}"]
    if view.forecast is not None and view.state in (SlipState.SLIPS, SlipState.ON_TIME):
        lines.append(f"{pace_words(view.forecast.forecast)} (completed deliverables a week over the last "
                     f"{plural(HISTORY_WEEKS, 'whole week')})")
    blocks: list[Block] = [mrkdwn_section("\n".join(lines)), context(
        f"Forecast from {TRIALS:,} seeded trials of the service's weekly throughput; this message is updated as "
        f"the forecast moves · `/delivery forecast {escape_clipped(view.service.service_name, NAME_CHARS)}` "
        f"shows every milestone · As of {time_token(view.as_of)}")]
    shows = frozenset({("milestone", view.milestone_id), ("service", view.service.service_id)})
    return Reply(text=f"{said}: {name} ({service})", blocks=blocks, shareable=False, view=ref, shows=shows)
