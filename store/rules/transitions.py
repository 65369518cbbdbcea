"""Which moves a deliverable can make from each status, and where each move leads."""

from __future__ import annotations

from enum import StrEnum

from store.enums import DeliverableStatus as S
from store.rules.permissions import Permission


class Move(StrEnum):
    START = "start"
    BLOCK = "block"
    UNBLOCK = "unblock"
    COMPLETE = "complete"
    ACCEPT = "accept"
    REOPEN = "reopen"

    @property
    def label(self) -> str:
        return self.value.capitalize()


MOVES: dict[S, tuple[Move, ...]] = {
    S.NOT_STARTED: (Move.START, Move.BLOCK, Move.COMPLETE),
    S.IN_PROGRESS: (Move.COMPLETE, Move.BLOCK),
    S.BLOCKED: (Move.UNBLOCK, Move.COMPLETE),
    S.COMPLETE: (Move.ACCEPT, Move.REOPEN),
    S.ACCEPTED: (Move.REOPEN,),
}

RESULT: dict[Move, S] = {
    Move.START: S.IN_PROGRESS,
    Move.BLOCK: S.BLOCKED,
    Move.UNBLOCK: S.IN_PROGRESS,
    Move.COMPLETE: S.COMPLETE,
    Move.ACCEPT: S.ACCEPTED,
    Move.REOPEN: S.IN_PROGRESS,
}


def permission_for(move: Move) -> Permission:
    return Permission.ACCEPT_DELIVERABLE if move == Move.ACCEPT else Permission.CHANGE_DELIVERABLE


def allowed_moves(status: S) -> tuple[Move, ...]:
    return MOVES[status]
