"""The morning overdue-ticket digest: overdue tickets by age with owner, each row with its
"Assign to me" / "Resolve" menu, and yesterday's opened and resolved."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from messages.blocks.common import Reply, context, date_token, mrkdwn_section, time_token
from messages.blocks.digest import MAX_DIGEST_BLOCKS, header, share_rows, within_budget
from messages.blocks.ticket_rows import ticket_section
from messages.blocks.tickets import age_text, overdue_line
from messages.digests.copy import say
from messages.ids import ViewKind, ViewRef
from store.readmodels.digests import OverdueTicketsDigestData

T = "overdue_tickets.j2"
VIEW = ViewRef(k=ViewKind.DIGEST_OVERDUE_TICKETS)
COMMAND = "/delivery tickets by owner"


def render(data: OverdueTicketsDigestData, tz: ZoneInfo, *, all_clear: bool = False) -> Reply | None:
    yesterday = data.yesterday
    flow = {"opened": yesterday.opened, "resolved": yesterday.resolved}
    footer = context(say("common.j2", "footer", time=time_token(data.as_of), command=COMMAND))
    if not data.overdue_total:
        if not all_clear:
            return None
        return Reply(text=say(T, "all_clear_fallback", **flow), shareable=False, view=VIEW, blocks=[
            header(say(T, "title")),
            mrkdwn_section(say(T, "all_clear", yesterday=date_token(yesterday.day, tz), **flow)),
            footer,
        ])
    blocks = [
        header(say(T, "title")),
        mrkdwn_section(say(T, "intro", total=data.overdue_total, yesterday=date_token(yesterday.day, tz), **flow)),
    ]
    (shown,) = share_rows(MAX_DIGEST_BLOCKS - len(blocks) - 1, [(len(data.overdue), data.overdue_total)])
    blocks += [ticket_section(overdue_line(t), ticket_id=t.ticket_id, version=t.version, view=VIEW)
               for t in data.overdue[:shown]]
    if data.overdue_total > shown:
        blocks.append(mrkdwn_section(say("common.j2", "more", hidden=data.overdue_total - shown, command=COMMAND)))
    blocks.append(footer)
    oldest = data.overdue[0]
    text = say(T, "fallback", total=data.overdue_total, oldest_customer=oldest.customer_name,
               oldest_age=age_text(oldest.age), **flow)
    shows = {("service", t.service_id) for t in data.overdue[:shown] if t.service_id is not None}
    return Reply(text=text, blocks=within_budget(blocks), shareable=False, view=VIEW, shows=frozenset(shows))
