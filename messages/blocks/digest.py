"""The structure of the scheduled digests: headers, dividers, titled lists that stop at "and N more",
and the block budget. The copy comes from `messages/digests/templates`; the rows from the shared builders
(service health lines, deliverable and ticket rows with their menus, load lines)."""

from __future__ import annotations

from collections.abc import Callable

from slack_sdk.models.blocks import Block, DividerBlock, HeaderBlock, SectionBlock

from messages.blocks.common import MAX_MESSAGE_BLOCKS, MAX_SECTION_TEXT, clip, mrkdwn_section

# A digest keeps one block free, so a rebuilt copy can carry its "Updated …" line (handlers/rerender.py).
MAX_DIGEST_BLOCKS = MAX_MESSAGE_BLOCKS - 1
MAX_HEADER_TEXT = 150


def header(text: str) -> HeaderBlock:
    return HeaderBlock(text=clip(text, MAX_HEADER_TEXT))


def divider() -> DividerBlock:
    return DividerBlock()


def listing_section(head: str, lines: list[str], *, total: int, more: Callable[[int], str]) -> SectionBlock:
    """`head`, then as many of `lines` as fit one section, then `more(hidden)` when any are left out.

    `total` counts every item, including those the query never fetched.
    """
    shown: list[str] = []
    for line in lines:
        hidden_after = total - len(shown) - 1
        tail = f"\n{more(hidden_after)}" if hidden_after > 0 else ""
        if len("\n".join([head, *shown, line])) + len(tail) > MAX_SECTION_TEXT:
            break
        shown.append(line)
    hidden = total - len(shown)
    return mrkdwn_section("\n".join([head, *shown] + ([more(hidden)] if hidden > 0 else [])))


def share_rows(room: int, counts: list[tuple[int, int]]) -> list[int]:
    """How many rows of each list fit in `room` blocks, each list costing one more block for its
    "and N more" when cut.

    `counts` holds (rows available, total items) per list. Rows are taken away from the longest
    list first, so a long list cannot crowd out a short one.
    """
    shown = [available for available, _total in counts]

    def cost() -> int:
        return sum(n + (1 if total > n else 0) for n, (_available, total) in zip(shown, counts, strict=True))

    while cost() > room and any(shown):
        longest = max(range(len(shown)), key=lambda i: shown[i])
        shown[longest] -= 1
    return shown


def within_budget(blocks: list[Block]) -> list[Block]:
    if len(blocks) > MAX_DIGEST_BLOCKS:
        raise ValueError(f"a digest of {len(blocks)} blocks: the budget is {MAX_DIGEST_BLOCKS}")
    return blocks
