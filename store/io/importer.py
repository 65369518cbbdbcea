"""Import CSV files into the store: upsert by key, all or nothing, streaming in batches.

Everything happens inside the caller's one transaction. Bad rows do not stop the import:
every file is read to the end so that every bad row is reported at once, then ImportRejected
is raised and the caller rolls back, so nothing at all is imported.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Select, insert, select
from sqlalchemy.orm import Session

from store.context import QueryContext
from store.db import refresh_planner_statistics
from store.enums import DeliverableStatus, Surface
from store.io.formats import (
    KINDS,
    SPECS,
    Column,
    KindModel,
    KindSpec,
    parse_plain,
    parse_text,
    refuse_nul,
    restore_formula,
)
from store.io.references import DependsOnRejected, Resolver
from store.io.skills import replace_skills, stored_skills
from store.models import Person, Service, StatusChange
from store.rules.help import parse_skills

BATCH = 1000
# Changes to these attributes are status or health changes: each writes an audit row.
AUDITED = {"deliverables": ("deliverable", "status", "status"),
           "services": ("service", "health_override", "health_override")}
Progress = Callable[[str, int], None]


@dataclass(frozen=True)
class RowError:
    file: str
    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}, line {self.line}, column {self.column}: {self.reason}"


@dataclass
class KindCounts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class ImportReport:
    counts: dict[str, KindCounts] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False

    @property
    def tables(self) -> list[str]:
        """The tables the import wrote to (for `store.db.vacuum_after_bulk_load` once it has committed)."""
        return [] if self.dry_run else sorted({SPECS[kind].model.__tablename__ for kind in self.counts})


class ImportRejected(Exception):
    """At least one row is bad; nothing may be kept. `errors` lists every bad row."""

    def __init__(self, errors: list[RowError], report: ImportReport | None = None):
        super().__init__(f"{len(errors)} bad row(s); nothing imported")
        self.errors = errors
        self.report = report


def kind_of(path: Path) -> str | None:
    stem = path.stem.lower()
    return stem if stem in SPECS else None


def import_path(session: Session, ctx: QueryContext, path: str | Path, *, kind: str | None = None,
                dry_run: bool = False, progress: Progress | None = None) -> ImportReport:
    """Import one CSV file or a folder of them; raise ImportRejected if any row is bad.

    A dry run computes the same counts inside a savepoint and rolls it back.
    """
    report = ImportReport(dry_run=dry_run)
    files = _files(Path(path), kind, report)
    savepoint = session.begin_nested() if dry_run else None
    try:
        resolver = Resolver(session, ctx.team_id)
        for file_kind, file in files:
            _import_file(session, ctx, resolver, SPECS[file_kind], file, report, progress)
        session.flush()
    finally:
        if savepoint is not None:
            savepoint.rollback()
    if report.errors:
        raise ImportRejected(report.errors, report)
    if not dry_run:
        refresh_planner_statistics(session, report.tables)
    return report


def _files(path: Path, kind: str | None, report: ImportReport) -> list[tuple[str, Path]]:
    """The (kind, file) pairs to import, in dependency order."""
    if not path.exists():
        report.errors.append(RowError(path.name, 0, "", "no such file or folder"))
        return []
    if path.is_dir():
        found = {kind_of(p): p for p in path.glob("*.csv") if kind_of(p)}
        if not found:
            report.errors.append(RowError(path.name, 0, "", "no CSV files named after a kind in this folder"))
        return [(k, found[k]) for k in KINDS if k in found]
    chosen = kind or kind_of(path)
    if chosen not in SPECS:
        report.errors.append(RowError(path.name, 0, "", f"unknown kind: name the file one of "
                                      f"{', '.join(k + '.csv' for k in KINDS)} or pass a kind"))
        return []
    return [(chosen, path)]


def _import_file(session: Session, ctx: QueryContext, resolver: Resolver, spec: KindSpec, file: Path,
                 report: ImportReport, progress: Progress | None) -> None:
    """Stream one file through DictReader, writing good rows in batches; a broken file is one error."""
    counts = report.counts.setdefault(spec.kind, KindCounts())
    done = 0
    try:
        with file.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            columns = _check_header(spec, reader.fieldnames or [], file.name, report)
            if columns is None:
                return
            seen: dict[str, set[str]] = {c.name: set() for c in columns if c.unique or c.name == "key"}
            stored = _stored_keys(session, ctx, spec)
            batch: list[tuple[str, dict[str, Any]]] = []
            for row in reader:
                done += 1
                parsed = _parse_row(ctx, resolver, spec, columns, row, file.name, done + 1, seen, report)
                if parsed is not None:
                    batch.append(parsed)
                if len(batch) >= BATCH:
                    _write_batch(session, ctx, spec, columns, batch, counts, stored)
                    batch = []
                    if progress:
                        progress(spec.kind, done)
            _write_batch(session, ctx, spec, columns, batch, counts, stored)
    except (UnicodeDecodeError, csv.Error) as error:
        report.errors.append(RowError(file.name, done + 2, "", f"unreadable (save it as UTF-8 CSV): {error}"))
    if progress:
        progress(spec.kind, done)
    resolver.forget(spec.kind)


def _check_header(spec: KindSpec, names: Sequence[str], file: str, report: ImportReport) -> list[Column] | None:
    """The file's known columns; unknown, repeated or missing required columns are errors on line 1.

    A repeated column is refused rather than read: csv.DictReader would silently keep its last cell.
    """
    by_name = {c.name: c for c in spec.columns}
    bad = [RowError(file, 1, n, "unknown column") for n in names if n not in by_name]
    repeated = {n: names.count(n) for n in names if n in by_name and names.count(n) > 1}
    bad += [RowError(file, 1, n, f"duplicate column: the header names it {times} times; keep one")
            for n, times in repeated.items()]
    bad += [RowError(file, 1, c.name, "required column is missing") for c in spec.columns
            if c.required and c.name not in names]
    report.errors.extend(bad)
    return None if bad else [by_name[n] for n in names]


def _parse_row(ctx: QueryContext, resolver: Resolver, spec: KindSpec, columns: list[Column], row: dict, file: str,
               line: int, seen: dict[str, set[str]], report: ImportReport) -> tuple[str, dict[str, Any]] | None:
    """(key, values) for a good row; None after recording every bad cell of a bad row.

    A row that only refers to an already rejected row is skipped without an error of its own:
    the import fails anyway and the root cause is what the user must fix.
    """
    values: dict[str, Any] = {}
    errors: list[RowError] = []
    depends_on_rejected = False
    if None in row:
        errors.append(RowError(file, line, "", "more cells than columns"))
    for column in columns:
        # Undo export's formula quote ('=x -> =x) after trimming, before any parsing (docs/import.md).
        text = restore_formula((row.get(column.name) or "").strip())
        try:
            values[column.attr] = _cell(ctx, resolver, spec, column, refuse_nul(text))
        except ValueError as error:
            errors.append(RowError(file, line, column.name, str(error)))
        except DependsOnRejected:
            depends_on_rejected = True
    errors += _duplicates(resolver, spec, values, seen, file, line)
    if spec.check is not None and not errors:
        errors += [RowError(file, line, column, reason) for column, reason in spec.check(values)]
    key: str | None = values.get("key")
    report.errors.extend(errors)
    if errors or depends_on_rejected:
        if key or row.get("key"):
            resolver.rejected[spec.kind].add(key or restore_formula(row["key"].strip()))
        return None
    assert key is not None, "a good row has a key: the key column is required"
    return key, values


def _duplicates(resolver: Resolver, spec: KindSpec, values: dict, seen: dict[str, set[str]], file: str,
                line: int) -> list[RowError]:
    """Unique columns (key, customer name, Slack id): repeated in the file, or taken by another row's key."""
    errors = []
    for name, values_seen in seen.items():
        value = values.get(name)
        if not value:
            continue
        if value in values_seen:
            errors.append(RowError(file, line, name, f"duplicate {name} '{value}' in this file"))
        values_seen.add(value)
        owner = resolver.unique_owner(spec.kind, name, value) if name != "key" else None
        if owner is not None and owner != values.get("key"):
            errors.append(RowError(file, line, name, f"'{value}' already belongs to '{owner}'"))
    return errors


def _cell(ctx: QueryContext, resolver: Resolver, spec: KindSpec, column: Column, text: str) -> Any:
    if not text:
        if column.required:
            raise ValueError("a value is required")
        return None
    if column.kind == "text":
        return parse_text(spec.model, column, text)
    if column.kind == "ref":
        assert column.ref is not None, f"reference column {column.name} names no kind"
        return resolver.resolve(column.ref, text)
    if column.kind == "members":
        return sorted({resolver.resolve("people", part) for part in text.split(";") if part.strip()})
    if column.kind == "skills":
        return parse_skills(text)
    return parse_plain(column, text, ctx.tz)


def _stored_keys(session: Session, ctx: QueryContext, spec: KindSpec) -> set[str]:
    """Keys already stored for this kind, read once per file.

    Only those are looked up per batch: on PostgreSQL, a table filled in this same transaction
    has no statistics, and per-batch lookups of new keys turned into sequential scans (quadratic).
    """
    return set(session.scalars(select(spec.model.key).where(spec.model.team_id == ctx.team_id)))


def _write_batch(session: Session, ctx: QueryContext, spec: KindSpec, columns: list[Column],
                 batch: list[tuple[str, dict[str, Any]]], counts: KindCounts, stored: set[str]) -> None:
    """Insert new rows and update changed ones for one batch, then flush (bounded memory)."""
    if not batch:
        return
    model = spec.model
    wanted = [key for key, _ in batch if key in stored]
    existing: dict[str, KindModel] = {}
    if wanted:
        query: Select[KindModel] = select(model)  # typed here: mypy infers a select of a union as Base
        existing = {row.key: row for row in session.scalars(
            query.where(model.team_id == ctx.team_id, model.key.in_(wanted)))}
    with_skills = any(c.kind == "skills" for c in columns)
    skills = stored_skills(session, ctx.team_id, spec.kind, [row.id for row in existing.values()]) \
        if with_skills else {}
    new_skills: dict[int, list[str]] = {}
    plain_new: list[dict[str, Any]] = []
    for key, values in batch:
        row = existing.get(key)
        if row is None and values.get("members"):
            session.add(_new_row(session, ctx, spec, columns, values))
            counts.new += 1
        elif row is None:
            plain_new.append(_new_attrs(ctx, spec, columns, values))
            counts.new += 1
        elif _update_row(session, ctx, spec, row, columns, values, skills.get(row.id, []), new_skills):
            counts.updated += 1
        else:
            counts.unchanged += 1
    session.flush()
    if plain_new:
        # A bulk INSERT without RETURNING: psycopg pipelines it, many times faster than ORM objects.
        session.execute(insert(spec.model), plain_new)
    if with_skills:
        _new_rows_skills(session, ctx, spec, batch, existing, new_skills)
        replace_skills(session, ctx.team_id, spec.kind, new_skills)


def _new_rows_skills(session: Session, ctx: QueryContext, spec: KindSpec, batch: list[tuple[str, dict[str, Any]]],
                     existing: dict[str, KindModel], new_skills: dict[int, list[str]]) -> None:
    """The skills of the batch's new rows, by the ids they were just given (one statement)."""
    wanted = {key: values["skills"] for key, values in batch if key not in existing and values.get("skills")}
    if wanted:
        for row_id, key in session.execute(select(spec.model.id, spec.model.key).where(
                spec.model.team_id == ctx.team_id, spec.model.key.in_(sorted(wanted)))):
            new_skills[row_id] = wanted[key]


def _new_attrs(ctx: QueryContext, spec: KindSpec, columns: list[Column], values: dict) -> dict[str, Any]:
    """A new row's attributes: blank or absent cells that have a default get it (created_at: now)."""
    attrs = {c.attr: values[c.attr] for c in columns if c.kind not in ("members", "skills")}
    for column in spec.columns:
        if column.default is not None and attrs.get(column.attr) is None:
            attrs[column.attr] = column.default(ctx)
    return {"team_id": ctx.team_id, **attrs}


def _new_row(session: Session, ctx: QueryContext, spec: KindSpec, columns: list[Column], values: dict) -> Any:
    """A new row with a team (service members), which needs the ORM to fill the link table."""
    row = spec.model(**_new_attrs(ctx, spec, columns, values))
    if values.get("members"):
        assert isinstance(row, Service), "only services have members"
        row.members = [session.get_one(Person, pid) for pid in values["members"]]
    return row


def _update_row(session: Session, ctx: QueryContext, spec: KindSpec, row: Any, columns: list[Column],
                values: dict, skills: list[str], new_skills: dict[int, list[str]]) -> bool:
    """Apply changed cells to `row` (changed `skills` go into `new_skills`, written with the batch's);
    audit status/health changes; True if anything changed."""
    changed = False
    for column in columns:
        new = values[column.attr]
        if column.kind == "skills":
            if (new or []) != skills:
                new_skills[row.id] = new or []
                changed = True
            continue
        if new is None and column.default is not None:
            continue  # blank with a default: keep what the row has
        if column.kind == "members":
            if sorted(p.id for p in row.members) != (new or []):
                row.members = [session.get_one(Person, pid) for pid in new or []]
                changed = True
            continue
        old = getattr(row, column.attr)
        if old != new:
            _audit(session, ctx, spec.kind, row, column.attr, old, new, values.get("blocked_category"))
            setattr(row, column.attr, new)
            changed = True
    if changed and hasattr(row, "version"):
        row.version = (row.version or 1) + 1
    return changed


def _audit(session: Session, ctx: QueryContext, kind: str, row: Any, attr: str, old: Any, new: Any,
           category: str | None = None) -> None:
    """An audited change; a deliverable's move to Blocked keeps its row's category (none: "other")."""
    audited = AUDITED.get(kind)
    if audited is None or audited[1] != attr:
        return
    object_type, _, field_name = audited
    session.add(StatusChange(
        team_id=ctx.team_id, object_type=object_type, object_id=row.id, field=field_name,
        from_value=old.value if old is not None else None, to_value=new.value if new is not None else None,
        reason="imported", surface=Surface.IMPORT, changed_at=ctx.now,
        blocker_category=str(category) if category and new == DeliverableStatus.BLOCKED else None,
    ))
