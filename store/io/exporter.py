"""Export every kind to one CSV each, in the exact format the importer reads.

Rows are ordered by key and written with `\n` line endings in UTF-8, so the same data
always gives the same bytes: export -> import -> export is byte-identical. Every cell that a
spreadsheet could run as a formula is neutralised with a leading quote, which import removes
(the rule is in store/io/formats.py and docs/import.md).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from pathlib import Path

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from store.context import QueryContext
from store.io.formats import KINDS, SPECS, Column, KindModel, KindSpec, format_value, neutralise_formula
from store.io.references import id_to_key
from store.io.skills import SKILL_MODELS, skills_cells
from store.models import Person, Service, service_members


def export_folder(session: Session, ctx: QueryContext, folder: str | Path) -> dict[str, int]:
    """Write `<kind>.csv` for every kind into `folder`; return the rows written per kind."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    keys: dict[str, dict[int, str]] = {}
    written: dict[str, int] = {}
    for kind in KINDS:
        spec = SPECS[kind]
        for column in spec.columns:
            if column.ref and column.ref not in keys:
                keys[column.ref] = id_to_key(session, ctx.team_id, column.ref)
        lists = {"members": _members(session, ctx) if kind == "services" else {},
                 "skills": skills_cells(session, ctx.team_id, kind) if kind in SKILL_MODELS else {}}
        written[kind] = _write_kind(session, ctx, spec, folder / f"{kind}.csv", keys, lists)
    return written


def _members(session: Session, ctx: QueryContext) -> dict[int, str]:
    """Each service's team as sorted person keys joined by ';'."""
    teams: dict[int, list[str]] = defaultdict(list)
    rows = session.execute(
        select(service_members.c.service_id, Person.key)
        .join(Person, Person.id == service_members.c.person_id)
        .join(Service, Service.id == service_members.c.service_id)
        .where(Service.team_id == ctx.team_id))
    for service_id, key in rows:
        teams[service_id].append(key)
    return {sid: ";".join(sorted(people)) for sid, people in teams.items()}


def _write_kind(session: Session, ctx: QueryContext, spec: KindSpec, path: Path,
                keys: dict[str, dict[int, str]], lists: dict[str, dict[int, str]]) -> int:
    model = spec.model
    count = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        lines = _Lines(handle)
        lines.write(spec.header)
        query: Select[KindModel] = select(model)  # typed here: mypy infers a select of a union as Base
        query = query.where(model.team_id == ctx.team_id).order_by(model.key)
        for row in session.scalars(query.execution_options(yield_per=1000)):
            lines.write([neutralise_formula(_cell(spec, column, row, keys, lists)) for column in spec.columns])
            count += 1
    return count


class _Lines:
    """CSV rows ending in `\n`, where a cell holding a carriage return is quoted too.

    csv.writer quotes a cell only for the characters of its own line terminator, so with `\n`
    alone a bare `\r` in a cell (a value that starts with one, after its formula quote, or has
    one inside) would be written unquoted, and the reader, which ends a record at `\r`, would
    split the row. Each row is written with `\r\n` (quoting both) and its terminator then
    turned into `\n`; rows without `\r` come out exactly as csv.writer writes them with `\n`.
    """

    def __init__(self, handle):
        self._handle = handle
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, lineterminator="\r\n")

    def write(self, cells: list[str]) -> None:
        self._buffer.seek(0)
        self._buffer.truncate()
        self._writer.writerow(cells)
        self._handle.write(self._buffer.getvalue()[:-2] + "\n")


def _cell(spec: KindSpec, column: Column, row: KindModel, keys: dict[str, dict[int, str]],
          lists: dict[str, dict[int, str]]) -> str:
    """One cell: references as keys (stable across databases), a service's team and skills as lists
    (`lists`, by column kind, then row id), everything else via the spec."""
    if column.kind in lists:
        return lists[column.kind].get(row.id, "")
    value = getattr(row, column.attr)
    if column.kind == "ref":
        assert column.ref is not None, f"reference column {column.name} names no kind"
        return "" if value is None else keys[column.ref][value]
    return format_value(column, value)
