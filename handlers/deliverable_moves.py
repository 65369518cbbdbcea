"""Apply a deliverable move from any surface (menu click or modal) and make messages true again."""

from __future__ import annotations

from datetime import date, datetime

from slack_sdk import WebClient

from handlers.rerender import Origin, refresh_origin, refresh_posted, tell
from messages.blocks.common import escape, sentence, user_mention
from messages.ids import DeliverableMoveValue
from store.changes import ChangeRefused, InvalidChange, StaleChange
from store.changes.deliverables import move_deliverable
from store.rules.transitions import Move
from store.workspace import Workspace


def _ago(moment: datetime | None, now: datetime) -> str:
    if moment is None:
        return ""
    minutes = int((now - moment).total_seconds() // 60)
    fallback = ("just now" if minutes < 1 else f"{minutes} minutes ago" if minutes < 120
                else f"{minutes // 60} hours ago")
    return f" <!date^{int(moment.timestamp())}^{{ago}}|{fallback}>"


def refusal_text(refused: ChangeRefused, move: Move) -> str:
    if not refused.linked:
        return (f"You are not linked to anyone in the delivery portfolio, so you can read but not change. "
                f"Only {escape(refused.who_can)} can {move.value} this. Nothing was changed.")
    return f"You can't {move.value} this: only {escape(refused.who_can)} can. Nothing was changed."


def stale_text(stale: StaleChange, now: datetime) -> str:
    by = stale.changed_by
    who = f" by {user_mention(by.slack_user_id, by.name)}" if by and by.slack_user_id else ""
    # `current` can name a person ("assigned to <owner>"), so it is escaped like any name.
    return (f"Already {escape(stale.current)}{who}{_ago(stale.changed_at, now)}. "
            "Nothing was changed; this is how it is now.")


def apply_move(client: WebClient, workspace: Workspace, origin: Origin, value: DeliverableMoveValue, *,
               reason: str | None = None, expected_unblock_on: date | None = None) -> None:
    """Apply one move and make every message showing it true again, or say why nothing changed."""
    try:
        applied = workspace.change(
            move_deliverable, actor_slack_user_id=origin.user_id, deliverable_id=value.d, move=value.m,
            version=value.v, reason=reason, expected_unblock_on=expected_unblock_on,
        )
    except ChangeRefused as refused:
        tell(client, origin, refusal_text(refused, value.m))
        return
    except StaleChange as stale:
        tell(client, origin, stale_text(stale, workspace.clock.now()))
        refresh_origin(client, workspace, origin, value.w)
        return
    except InvalidChange as problem:
        tell(client, origin, f"{sentence(escape(str(problem)))}. Nothing was changed.")
        return
    refresh_origin(client, workspace, origin, value.w)
    refresh_posted(client, workspace, service_id=applied.service_id, skip=origin)
