"""The Monday patterns digest: `/delivery patterns` of the last 4 whole weeks against the 4 before, posted
to the channels subscribed to `patterns`. A record of those weeks: later changes do not rewrite it."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from messages.blocks.common import Reply, context, mrkdwn_section
from messages.blocks.digest import header, within_budget
from messages.blocks.patterns import patterns_message, period_words
from messages.ids import ViewKind, ViewRef
from store.readmodels.patterns import PatternsReport

VIEW = ViewRef(k=ViewKind.DIGEST_PATTERNS)
TITLE = "Weekly patterns"


def quiet(data: PatternsReport) -> bool:
    """Nothing to learn from: no block episodes, recurring tickets or completions in either period."""
    return not (data.episodes or data.episodes_before or data.type_clusters_total or data.title_clusters_total
                or data.cycle.completed or data.on_time or data.reopens.deliverables.total)


def render(data: PatternsReport, tz: ZoneInfo, *, all_clear: bool = False) -> Reply | None:
    if quiet(data):
        if not all_clear:
            return None
        text = f"{TITLE}: nothing blocked, no recurring tickets and no completions in the last " \
               f"{data.period.weeks} whole weeks."
        return Reply(text=text, shareable=False, view=VIEW, blocks=[
            header(TITLE), mrkdwn_section(f"{period_words(data.period, tz)}: {text.split(': ', 1)[1]}"),
            context("`/delivery patterns [1-26 weeks]` looks back further")])
    reply = patterns_message(data, tz, title=TITLE, view=VIEW)
    return Reply(text=reply.text, blocks=within_budget(reply.blocks), shareable=False, view=VIEW)
