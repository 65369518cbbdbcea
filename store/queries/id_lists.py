"""A test against many ids at once, as the portfolio answers need at 10,000 services."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import ColumnElement, bindparam


def id_in(column, ids: Collection[int], name: str) -> ColumnElement[bool]:
    """`column IN (ids)` with the ids written into the statement as literals (they are integers, so
    nothing can be injected): with thousands of ids, binding each one as a parameter cost more than
    the query itself on PostgreSQL. Sorted, so equal sets give equal statements."""
    return column.in_(bindparam(name, sorted(int(i) for i in ids), expanding=True, literal_execute=True))
