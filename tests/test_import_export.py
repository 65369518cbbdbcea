"""CSV import and export: all-or-nothing imports, idempotent upserts, byte-identical round trips."""

from __future__ import annotations

import filecmp
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from support import TEAM, UTC, WEDNESDAY

from store.context import QueryContext
from store.demo.load import KEYED_TABLES
from store.enums import DeliverableStatus, Surface
from store.io import KINDS, ImportRejected, export_folder, import_path
from store.io.formats import parse_date
from store.models import Allocation, Customer, Deliverable, Service, StatusChange, Ticket, TimeEntry, TimeOff

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
EXAMPLE_ROWS = {"customers": 3, "people": 3, "services": 3, "projects": 1, "milestones": 2, "deliverables": 4,
                "appointments": 3, "tickets": 3, "tasks": 2, "time_entries": 5, "time_off": 2,
                "allocations": 4}
CTX = QueryContext(team_id=TEAM, now=WEDNESDAY, tz=UTC)


def run_import(engine, path, **options):
    """Import in one transaction that commits, or rolls back when the import is rejected."""
    with Session(engine) as session, session.begin():
        return import_path(session, CTX, path, **options)


def run_export(engine, folder) -> dict[str, int]:
    with Session(engine) as session:
        return export_folder(session, CTX, folder)


def total_rows(engine) -> int:
    with Session(engine) as session:
        return sum(session.scalar(select(func.count()).select_from(m)) for m in KEYED_TABLES)


def counts(report) -> dict[str, tuple[int, int, int]]:
    return {k: (c.new, c.updated, c.unchanged) for k, c in report.counts.items()}


def test_the_examples_import_with_the_right_counts(engine):
    report = run_import(engine, EXAMPLES)
    assert counts(report) == {k: (n, 0, 0) for k, n in EXAMPLE_ROWS.items()}
    with Session(engine) as session:
        service = session.scalars(select(Service).where(Service.key == "acme-onboarding")).one()
        assert sorted(p.key for p in service.members) == ["ana", "bill"]
        assert service.customer.name == "Acme Corp"
    assert report.tables == sorted(["customers", "people", "services", "projects", "milestones", "deliverables",
                                    "appointments", "tickets", "tasks", "time_entries", "time_off",
                                    "allocations"]), \
        "what the CLI vacuums once committed"


def test_reimport_is_idempotent(engine):
    run_import(engine, EXAMPLES)
    report = run_import(engine, EXAMPLES)
    assert counts(report) == {k: (0, 0, n) for k, n in EXAMPLE_ROWS.items()}


def test_dry_run_changes_nothing(engine):
    report = run_import(engine, EXAMPLES, dry_run=True)
    assert counts(report) == {k: (n, 0, 0) for k, n in EXAMPLE_ROWS.items()}
    assert total_rows(engine) == 0 and report.tables == []


def test_every_bad_row_is_reported_and_nothing_is_imported(engine, tmp_path):
    bad = tmp_path / "tickets.csv"
    shutil.copy(EXAMPLES / "customers.csv", tmp_path / "customers.csv")
    bad.write_text(
        "key,customer,service,title,type,priority,owner,opened_at,due_at,resolved_at,resolution_note\n"
        "T-1,Acme Corp,,Fine,issue,high,,2026-11-16T09:00,2026-11-18T09:00,,\n"
        "T-2,Nobody Inc,,Unknown customer,issue,high,,2026-11-16T09:00,2026-11-18T09:00,,\n"
        "T-3,acme,,Bad date,issue,high,,yesterday,2026-11-18T09:00,,\n"
        "T-1,acme,,Duplicate key,issue,high,,2026-11-16T09:00,2026-11-18T09:00,,\n"
        "T-5,acme,,,issue,high,nobody@example.com,2026-11-16T09:00,2026-11-18T09:00,,\n",
        encoding="utf-8")
    with pytest.raises(ImportRejected) as rejected:
        run_import(engine, tmp_path)
    found = {(e.file, e.line, e.column) for e in rejected.value.errors}
    assert found == {("tickets.csv", 3, "customer"), ("tickets.csv", 4, "opened_at"), ("tickets.csv", 5, "key"),
                     ("tickets.csv", 6, "title"), ("tickets.csv", 6, "owner")}
    reasons = " ".join(e.reason for e in rejected.value.errors)
    assert "unknown customer 'Nobody Inc'" in reasons and "duplicate key" in reasons
    assert total_rows(engine) == 0


def test_a_bad_date_in_line_four_of_deliverables_rejects_the_folder(engine, tmp_path):
    folder = tmp_path / "portfolio"
    shutil.copytree(EXAMPLES, folder)
    lines = (folder / "deliverables.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    lines[3] = lines[3].replace("24 Nov 2026", "31/02/2026")
    (folder / "deliverables.csv").write_text("".join(lines), encoding="utf-8")
    with pytest.raises(ImportRejected) as rejected:
        run_import(engine, folder)
    assert [(e.file, e.line, e.column) for e in rejected.value.errors] == [("deliverables.csv", 4, "due_on")]
    assert "not a date" in rejected.value.errors[0].reason
    assert total_rows(engine) == 0


def test_demo_round_trip_is_byte_identical(demo_engine, tmp_path):
    first = tmp_path / "first"
    written = run_export(demo_engine, first)
    report = run_import(demo_engine, first)
    assert counts(report) == {k: (0, 0, written[k]) for k in KINDS}
    second = tmp_path / "second"
    run_export(demo_engine, second)
    for kind in KINDS:
        name = f"{kind}.csv"
        assert filecmp.cmp(first / name, second / name, shallow=False), name
        assert b"\r\n" not in (first / name).read_bytes()


def test_an_imported_status_change_is_audited(engine, tmp_path):
    run_import(engine, EXAMPLES)
    changed = tmp_path / "deliverables.csv"
    text = (EXAMPLES / "deliverables.csv").read_text(encoding="utf-8")
    changed.write_text(text.replace("Customer data import,bill@example.com,in_progress",
                                    "Customer data import,bill@example.com,complete"), encoding="utf-8")
    report = run_import(engine, changed)
    assert counts(report) == {"deliverables": (0, 1, 3)}
    with Session(engine) as session:
        deliverable = session.scalars(select(Deliverable).where(Deliverable.key == "acme-import")).one()
        assert deliverable.status == DeliverableStatus.COMPLETE
        audit = session.scalars(select(StatusChange).where(StatusChange.object_id == deliverable.id)).one()
        assert (audit.object_type, audit.field, audit.surface) == ("deliverable", "status", Surface.IMPORT)
        assert (audit.from_value, audit.to_value) == ("in_progress", "complete")


def test_an_updated_row_changes_in_place(engine, tmp_path):
    run_import(engine, EXAMPLES)
    renamed = tmp_path / "customers.csv"
    renamed.write_text("key,name\nacme,Acme Corporation\n", encoding="utf-8")
    assert counts(run_import(engine, renamed)) == {"customers": (0, 1, 0)}
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Customer)) == 3
        assert session.scalar(select(Customer.name).where(Customer.key == "acme")) == "Acme Corporation"
        assert session.scalar(select(func.count()).select_from(Ticket)) == 3


@pytest.mark.parametrize("text, expected", [
    ("2026-11-24", (2026, 11, 24)), ("Nov 24, 2026", (2026, 11, 24)), ("24 Nov 2026", (2026, 11, 24)),
    ("11/24/2026", (2026, 11, 24)), ("November 24 2026", (2026, 11, 24)),
])
def test_spreadsheet_dates(text, expected):
    assert parse_date(text).timetuple()[:3] == expected


@pytest.mark.parametrize("text", ["24/11/2026", "2026-02-30", "tomorrow", "Nov 2026"])
def test_not_dates(text):
    with pytest.raises(ValueError):
        parse_date(text)


def test_an_imported_health_override_is_audited(engine, tmp_path):
    run_import(engine, EXAMPLES)
    services = (EXAMPLES / "services.csv").read_text(encoding="utf-8").replace(
        "acme-onboarding,Acme Corp,Onboarding,active,build,ana@example.com,ana;bill,,,,,,",
        "acme-onboarding,Acme Corp,Onboarding,active,build,ana@example.com,ana;bill,,at_risk,IdP late,2026-11-30,ana,")
    (tmp_path / "services.csv").write_text(services, encoding="utf-8")
    assert counts(run_import(engine, tmp_path / "services.csv")) == {"services": (0, 1, 2)}
    with Session(engine) as session:
        audit = session.scalars(select(StatusChange)).one()
        assert (audit.object_type, audit.field, audit.to_value, audit.surface) == (
            "service", "health_override", "at_risk", Surface.IMPORT)


def test_header_and_uniqueness_errors(engine, tmp_path):
    run_import(engine, EXAMPLES)
    (tmp_path / "customers.csv").write_text(
        f"key,name\nnew-1,Acme Corp\nnew-2,Fresh\nnew-3,Fresh\n{'k' * 65},Long\n", encoding="utf-8")
    (tmp_path / "people.csv").write_text("key,nickname\nzed,Zed\n", encoding="utf-8")
    with pytest.raises(ImportRejected) as rejected:
        run_import(engine, tmp_path)
    found = {(e.file, e.line, e.column) for e in rejected.value.errors}
    assert found == {("customers.csv", 2, "name"), ("customers.csv", 4, "name"), ("customers.csv", 5, "key"),
                     ("people.csv", 1, "nickname"), ("people.csv", 1, "name")}
    assert total_rows(engine) == sum(EXAMPLE_ROWS.values())


def test_progress_is_reported_per_kind(engine):
    seen: dict[str, int] = {}
    run_import(engine, EXAMPLES, progress=lambda kind, done: seen.__setitem__(kind, done))
    assert seen == EXAMPLE_ROWS


def test_a_file_that_is_not_utf8_is_reported(engine, tmp_path):
    (tmp_path / "customers.csv").write_bytes("key,name\nz,Zürich AG\n".encode("latin-1"))
    with pytest.raises(ImportRejected) as rejected:
        run_import(engine, tmp_path / "customers.csv")
    assert rejected.value.errors[0].file == "customers.csv" and "UTF-8" in rejected.value.errors[0].reason
    assert total_rows(engine) == 0


def test_time_entries_and_time_off_read_hours_days_and_internal_time(engine):
    run_import(engine, EXAMPLES)
    with Session(engine) as session:
        entries = {e.key: e for e in session.scalars(select(TimeEntry).where(TimeEntry.team_id == TEAM))}
        off = {o.key: o for o in session.scalars(select(TimeOff).where(TimeOff.team_id == TEAM))}
    assert entries["te-bill-1125"].hours == Decimal("0.25") and entries["te-bill-1124"].hours == Decimal("7.75")
    assert entries["te-ana-1124-int"].service_id is None and entries["te-ana-1124-int"].billable is False
    assert entries["te-bill-1124"].worked_on == date(2026, 11, 24) == entries["te-chen-1124"].worked_on
    assert entries["te-ana-1124"].project_id is not None and entries["te-ana-1124"].source == "harvest"
    assert (off["off-bill-dentist"].starts_on, off["off-bill-dentist"].ends_on) == (date(2026, 12, 2),) * 2
    assert off["off-bill-dentist"].hours_per_day == Decimal("3.50")


def test_hours_outside_a_day_and_time_off_ending_before_it_starts_are_row_errors(engine, tmp_path):
    shutil.copy(EXAMPLES / "people.csv", tmp_path / "people.csv")
    (tmp_path / "time_entries.csv").write_text(
        "key,person,date,hours\n"
        "ok,ana,2026-11-24,8\n"
        "zero,ana,2026-11-24,0\n"
        "too-many,ana,2026-11-24,25\n"
        "words,ana,2026-11-24,eight\n", encoding="utf-8")
    (tmp_path / "time_off.csv").write_text(
        "key,person,from,to\n"
        "backwards,bill,2026-12-04,2026-12-02\n", encoding="utf-8")
    with pytest.raises(ImportRejected) as rejected:
        run_import(engine, tmp_path)
    found = {(e.file, e.line, e.column): e.reason for e in rejected.value.errors}
    assert set(found) == {("time_entries.csv", 3, "hours"), ("time_entries.csv", 4, "hours"),
                          ("time_entries.csv", 5, "hours"), ("time_off.csv", 2, "to")}
    assert "at most 24" in found[("time_entries.csv", 4, "hours")]
    assert "before the first day off, 2026-12-04" in found[("time_off.csv", 2, "to")]
    assert total_rows(engine) == 0


def test_allocations_read_hours_a_week_days_and_an_open_end(engine):
    run_import(engine, EXAMPLES)
    with Session(engine) as session:
        allocations = {a.key: a for a in session.scalars(select(Allocation).where(Allocation.team_id == TEAM))}
        services = dict(session.execute(select(Service.key, Service.id).where(Service.team_id == TEAM)).all())
        ana, bill, chen = (allocations[k] for k in ("alloc-ana-acme", "alloc-bill-acme", "alloc-chen-initech"))
        globex = allocations["alloc-bill-globex"]
        assert (ana.person.key, bill.person.key, chen.person.key) == ("ana", "bill", "chen")
    assert ana.hours_per_week == Decimal("16.00") and bill.hours_per_week == Decimal("8.00")
    assert chen.hours_per_week == Decimal("12.50") and globex.hours_per_week == Decimal("24.00")
    assert bill.service_id == ana.service_id == services["acme-onboarding"], "by label and by key"
    assert chen.service_id == services["initech-training"]
    assert (ana.starts_on, ana.ends_on) == (date(2026, 9, 15), date(2026, 12, 15))
    assert (chen.starts_on, chen.ends_on) == (date(2026, 11, 30), date(2026, 12, 18))
    assert globex.starts_on == date(2026, 11, 2) and globex.ends_on is None, "a blank `to`: until further notice"


def test_allocations_export_hours_with_two_decimals_and_a_blank_open_end(engine, tmp_path):
    run_import(engine, EXAMPLES)
    run_export(engine, tmp_path)
    lines = (tmp_path / "allocations.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "key,person,service,hours_per_week,from,to,note"
    assert "alloc-bill-globex,bill,globex-sso,24.00,2026-11-02,,Until further notice" in lines
    assert "alloc-chen-initech,chen,initech-training,12.50,2026-11-30,2026-12-18,Course material and sessions" in lines


def test_hours_outside_a_week_and_allocations_ending_before_they_start_are_row_errors(engine, tmp_path):
    for kind in ("customers", "people", "services"):
        shutil.copy(EXAMPLES / f"{kind}.csv", tmp_path / f"{kind}.csv")
    (tmp_path / "allocations.csv").write_text(
        "key,person,service,hours_per_week,from,to\n"
        "ok,ana,acme-onboarding,168,2026-12-01,\n"
        "zero,ana,acme-onboarding,0,2026-12-01,\n"
        "too-many,ana,acme-onboarding,169,2026-12-01,\n"
        "words,ana,acme-onboarding,abc,2026-12-01,\n"
        "backwards,bill,globex-sso,8,2026-12-01,2026-11-30\n"
        "one-day,bill,globex-sso,8,2026-12-01,2026-12-01\n"
        "rounds-to-zero,bill,globex-sso,0.004,2026-12-01,\n", encoding="utf-8")
    with pytest.raises(ImportRejected) as rejected:
        run_import(engine, tmp_path)
    found = {(e.file, e.line, e.column): e.reason for e in rejected.value.errors}
    assert set(found) == {("allocations.csv", 3, "hours_per_week"), ("allocations.csv", 4, "hours_per_week"),
                          ("allocations.csv", 5, "hours_per_week"), ("allocations.csv", 6, "to"),
                          ("allocations.csv", 8, "hours_per_week")}
    assert found[("allocations.csv", 3, "hours_per_week")] == "'0' is not hours in a week (more than 0, at most 168)"
    assert "at most 168" in found[("allocations.csv", 4, "hours_per_week")]
    assert found[("allocations.csv", 5, "hours_per_week")] == "'abc' is not a number of hours"
    assert found[("allocations.csv", 6, "to")] == "2026-11-30 is before the allocation's first day, 2026-12-01"
    assert "more than 0" in found[("allocations.csv", 8, "hours_per_week")], "0.004 would be stored as 0.00"
    assert total_rows(engine) == 0
