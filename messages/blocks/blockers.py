"""How a blocker's category reads, wherever a blocked deliverable is shown."""

from __future__ import annotations

from store.enums import BlockerCategory


def blocker_label(stored: str | None) -> str:
    """A stored blocker category as it reads ("Access or credentials"); none reads as "Other", and a value the
    bot does not know (an old or hand-edited row) is shown as it is, for the caller to escape."""
    try:
        return BlockerCategory.of(stored).label
    except ValueError:
        return stored or BlockerCategory.OTHER.label
