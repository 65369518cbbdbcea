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
from store.enums import DeliverableStatus, Role, Surface
from store.io import KINDS, ImportRejected, export_folder, import_path
from store.io.formats import parse_amount, parse_budget_hours, parse_date, parse_estimate_hours, parse_rate
from store.models import (
    Allocation,
    Customer,
    Deliverable,
    Person,
    Project,
    RoleRate,
    Service,
    StatusChange,
    Ticket,
    TimeEntry,
    TimeOff,
)

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
EXAMPLE_ROWS = {"customers": 3, "people": 3, "role_rates": 3, "services": 3, "projects": 2, "milestones": 2,
                "deliverables": 4, "appointments": 3, "tickets": 3, "tasks": 2, "time_entries": 5, "time_off": 2,
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
    assert report.tables == sorted(["customers", "people", "role_rates", "services", "projects", "milestones",
                                    "deliverables", "appointments", "tickets", "tasks", "time_entries", "time_off",
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


def keyed(session: Session, model) -> dict:
    return {row.key: row for row in session.scalars(select(model).where(model.team_id == TEAM))}


def test_rates_budgets_completion_and_estimates_read_from_the_examples(engine):
    run_import(engine, EXAMPLES)
    with Session(engine) as session:
        people, rates = keyed(session, Person), keyed(session, RoleRate)
        services, projects = keyed(session, Service), keyed(session, Project)
        deliverables = keyed(session, Deliverable)
    assert (people["ana"].cost_rate, people["ana"].bill_rate) == (Decimal("72.50"), Decimal("180.00"))
    assert (people["bill"].cost_rate, people["bill"].bill_rate) == (Decimal("55.00"), Decimal("150.00"))
    assert (people["chen"].cost_rate, people["chen"].bill_rate) == (None, None), "blank: the role's rates apply"
    assert {r.role: (r.key, r.cost_rate, r.bill_rate) for r in rates.values()} == {
        Role.MEMBER: ("rate-member", Decimal("50.00"), Decimal("140.00")),
        Role.LEAD: ("rate-lead", Decimal("70.00"), Decimal("175.00")),  # written as its label, `Lead`
        Role.OPS: ("rate-ops", Decimal("45.00"), Decimal("120.00")),
    }
    budgets = {k: (s.budget_hours, s.budget_amount) for k, s in services.items()}
    assert budgets == {"acme-onboarding": (Decimal("400.00"), Decimal("60000.00")),  # written "60,000.00"
                       "globex-sso": (Decimal("120.00"), None), "initech-training": (None, Decimal("9500.00"))}
    data, discovery = projects["acme-data"], projects["acme-discovery"]
    assert (data.completed_on, data.budget_hours, data.budget_amount) == (None, Decimal("240.00"), Decimal("36000.00"))
    assert (discovery.ends_on, discovery.completed_on) == (date(2026, 9, 12), date(2026, 9, 14))
    assert (discovery.budget_hours, discovery.budget_amount) == (Decimal("40.00"), Decimal("6000.00"))
    assert {k: d.estimate_hours for k, d in deliverables.items()} == {
        "acme-import": Decimal("24.00"), "globex-idp": Decimal("6.50"), "acme-runbook": None, "initech-course": None}


def test_rates_budgets_and_estimates_export_with_two_decimals_and_blanks_stay_blank(engine, tmp_path):
    run_import(engine, EXAMPLES)
    first, second = tmp_path / "first", tmp_path / "second"
    run_export(engine, first)

    def lines(kind: str) -> list[str]:
        return (first / f"{kind}.csv").read_text(encoding="utf-8").splitlines()

    people, rates, services = lines("people"), lines("role_rates"), lines("services")
    projects, deliverables = lines("projects"), lines("deliverables")
    assert people[0].endswith(",personal_digest,cost_rate,bill_rate,skills"), "new columns come last"
    # written 55 and 150
    assert "bill,Bill Ortiz,bill@example.com,,,member,40.0,3,yes,55.00,150.00,sso;system integration" in people
    assert "chen,Chen Wei,chen@example.com,,,ops,32.0,4,no,,,training design" in people
    assert rates == ["key,role,cost_rate,bill_rate", "rate-lead,lead,70.00,175.00", "rate-member,member,50.00,140.00",
                     "rate-ops,ops,45.00,120.00"]
    assert services[0].endswith(",created_at,budget_hours,budget_amount,skills")
    assert services[1].endswith(",2026-09-01T09:00:00Z,400.00,60000.00,data modeling;discovery workshops"), \
        "no thousands separator on export"
    assert services[2].endswith(",2026-10-01T00:00:00Z,120.00,,sso;system integration")
    assert services[3].endswith("T00:00:00Z,,9500.00,")
    assert projects == ["key,service,name,phase,starts_on,ends_on,completed_on,budget_hours,budget_amount",
                        "acme-data,acme-onboarding,Data migration,build,2026-09-15,2026-12-15,,240.00,36000.00",
                        "acme-discovery,acme-onboarding,Discovery workshops,discovery,2026-09-01,2026-09-12,"
                        "2026-09-14,40.00,6000.00"]
    assert deliverables[0].endswith(",expected_unblock_on,estimate_hours")
    assert [d.rsplit(",", 2)[1:] for d in deliverables[1:]] == [
        ["", "24.00"], ["", ""], ["2026-11-25", "6.50"], ["", ""]], "acme-import, acme-runbook, globex-idp, initech"

    report = run_import(engine, first)
    assert counts(report) == {k: (0, 0, n) for k, n in EXAMPLE_ROWS.items()}
    run_export(engine, second)
    for kind in KINDS:
        assert (first / f"{kind}.csv").read_bytes() == (second / f"{kind}.csv").read_bytes(), kind


def test_the_largest_value_each_column_holds_and_zero_money_round_trip(engine, tmp_path):
    shutil.copy(EXAMPLES / "customers.csv", tmp_path / "customers.csv")
    (tmp_path / "people.csv").write_text("key,name,cost_rate,bill_rate\nzed,Zed,0,99999999.99\n", encoding="utf-8")
    (tmp_path / "services.csv").write_text(
        "key,customer,name,budget_hours,budget_amount\n"
        "big,acme,Big,99999999.99,999999999999.99\n"
        'sep,acme,Separated,"1,250.5","12,345,678.90"\n', encoding="utf-8")
    (tmp_path / "deliverables.csv").write_text(
        "key,service,name,estimate_hours\nlong,big,Long,99999.99\nshort,big,Short,0.01\n", encoding="utf-8")
    run_import(engine, tmp_path)
    run_export(engine, tmp_path / "out")
    text = {kind: (tmp_path / "out" / f"{kind}.csv").read_text(encoding="utf-8").splitlines()
            for kind in ("people", "services", "deliverables")}
    assert text["people"][1].endswith(",0.00,99999999.99,"), "and no skills"
    assert text["services"][1].endswith(",99999999.99,999999999999.99,")
    assert text["services"][2].endswith(",1250.50,12345678.90,")
    assert [line.rsplit(",", 1)[1] for line in text["deliverables"][1:]] == ["99999.99", "0.01"]
    assert all(c.new == c.updated == 0 for c in run_import(engine, tmp_path / "out").counts.values())


def test_role_rates_a_repeated_or_taken_role_is_a_row_error(engine, tmp_path):
    run_import(engine, EXAMPLES)
    (tmp_path / "role_rates.csv").write_text(
        "key,role,cost_rate,bill_rate\n"
        "rate-member,member,52.00,145.00\n"   # an update of the stored rate-member: fine
        "member-again,Member,40,\n"          # the same role twice in the file (by its label)
        "lead-2026,lead,75,180\n"            # a role another stored row has
        "boss,boss,90,200\n"                 # no such role
        "nobody,,10,20\n", encoding="utf-8")  # a role is required
    with pytest.raises(ImportRejected) as rejected:
        run_import(engine, tmp_path)
    assert [(e.file, e.line, e.column, e.reason) for e in rejected.value.errors] == [
        ("role_rates.csv", 3, "role", "duplicate role 'member' in this file"),
        ("role_rates.csv", 3, "role", "'member' already belongs to 'rate-member'"),
        ("role_rates.csv", 4, "role", "'lead' already belongs to 'rate-lead'"),
        ("role_rates.csv", 5, "role", "unknown value 'boss' (allowed: member, lead, ops)"),
        ("role_rates.csv", 6, "role", "a value is required"),
    ]
    with Session(engine) as session:
        assert keyed(session, RoleRate)["rate-member"].cost_rate == Decimal("50.00"), "nothing imported"


def test_bad_amounts_and_hours_are_row_errors_with_file_line_and_column(engine, tmp_path):
    shutil.copy(EXAMPLES / "customers.csv", tmp_path / "customers.csv")
    (tmp_path / "people.csv").write_text(
        "key,name,cost_rate,bill_rate\n"
        'ok,Ok,0,"1,250.00"\n'
        "negative,Negative,-5,\n"
        "dollars,Dollars,,$150\n"
        "euros,Euros,80 €,\n"
        "words,Words,abc,\n"
        'decimal-comma,Decimal comma,"72,50",\n'
        "too-much,Too much,,100000000\n", encoding="utf-8")
    (tmp_path / "role_rates.csv").write_text("key,role,cost_rate,bill_rate\nr,ops,-0.01,£90\n", encoding="utf-8")
    (tmp_path / "services.csv").write_text(
        "key,customer,name,budget_hours,budget_amount\n"
        "ok,acme,Ok,0.01,0\n"
        "zero,acme,Zero hours,0,\n"
        "negative,acme,Negative,-40,-1000\n"
        'pounds,acme,Pounds,,"£1,000"\n'
        "too-much,acme,Too much,,1000000000000\n", encoding="utf-8")
    (tmp_path / "projects.csv").write_text(
        "key,service,name,completed_on,budget_hours,budget_amount\n"
        "p-ok,ok,Ok,2026-11-20,99999999.99,999999999999.99\n"
        "p-bad,ok,Bad,31/11/2026,lots,1e400\n", encoding="utf-8")
    (tmp_path / "deliverables.csv").write_text(
        "key,service,name,estimate_hours\n"
        "d-ok,ok,Ok,99999.99\n"
        "d-too-long,ok,Too long,100000\n"
        "d-words,ok,Words,six\n"
        "d-rounds-to-zero,ok,Tiny,0.004\n", encoding="utf-8")
    with pytest.raises(ImportRejected) as rejected:
        run_import(engine, tmp_path)
    found = {(e.file, e.line, e.column): e.reason for e in rejected.value.errors}
    currency = "has a currency sign: write the amount without a currency sign"
    assert found == {
        ("people.csv", 3, "cost_rate"): "'-5' is not a rate (at least 0, at most 99,999,999.99)",
        ("people.csv", 4, "bill_rate"): f"'$150' {currency}",
        ("people.csv", 5, "cost_rate"): f"'80 €' {currency}",
        ("people.csv", 6, "cost_rate"): "'abc' is not an amount of money",
        ("people.csv", 7, "cost_rate"): "'72,50' is not an amount of money: write decimals with a point (12.50); "
                                        "a comma may only separate thousands (12,500.00)",
        ("people.csv", 8, "bill_rate"): "'100000000' is not a rate (at least 0, at most 99,999,999.99)",
        ("role_rates.csv", 2, "cost_rate"): "'-0.01' is not a rate (at least 0, at most 99,999,999.99)",
        ("role_rates.csv", 2, "bill_rate"): f"'£90' {currency}",
        ("services.csv", 3, "budget_hours"): "'0' is not a budget in hours (more than 0, at most 99,999,999.99)",
        ("services.csv", 4, "budget_hours"): "'-40' is not a budget in hours (more than 0, at most 99,999,999.99)",
        ("services.csv", 4, "budget_amount"): "'-1000' is not an amount (at least 0, at most 999,999,999,999.99)",
        ("services.csv", 5, "budget_amount"): f"'£1,000' {currency}",
        ("services.csv", 6, "budget_amount"): "'1000000000000' is not an amount (at least 0, at most "
                                              "999,999,999,999.99)",
        ("projects.csv", 3, "completed_on"): "'31/11/2026' is not a date: slash dates are read month/day/year; "
                                             "use 2026-11-24",
        ("projects.csv", 3, "budget_hours"): "'lots' is not a number of hours",
        ("projects.csv", 3, "budget_amount"): "'1e400' is not an amount (at least 0, at most 999,999,999,999.99)",
        ("deliverables.csv", 3, "estimate_hours"): "'100000' is not an estimate in hours (more than 0, at most "
                                                   "99,999.99)",
        ("deliverables.csv", 4, "estimate_hours"): "'six' is not a number of hours",
        ("deliverables.csv", 5, "estimate_hours"): "'0.004' is not an estimate in hours (more than 0, at most "
                                                   "99,999.99)",
    }
    assert total_rows(engine) == 0


@pytest.mark.parametrize("parse, text, expected", [
    (parse_rate, "0", "0.00"), (parse_rate, "-0", "0.00"), (parse_rate, "72.5", "72.50"),
    (parse_rate, "99999999.994", "99999999.99"), (parse_amount, "12,500.00", "12500.00"),
    (parse_amount, "1,234,567.891", "1234567.89"), (parse_amount, "999,999,999,999.99", "999999999999.99"),
    (parse_budget_hours, "1,200", "1200.00"), (parse_budget_hours, "0.006", "0.01"),
    (parse_estimate_hours, "7.5", "7.50"),
])
def test_amounts_and_hours_in_all_are_read_to_the_hundredth(parse, text, expected):
    assert str(parse(text)) == expected


@pytest.mark.parametrize("parse, text", [
    (parse_amount, "12,50"), (parse_amount, "1,2345.00"), (parse_amount, ",500"), (parse_amount, "1.250,00"),
    (parse_amount, "12 500"), (parse_amount, "USD 100"), (parse_amount, "¥1000"), (parse_amount, "NaN"),
    (parse_amount, "Infinity"), (parse_amount, "-1e999999999"), (parse_rate, "99999999.995"),
    (parse_budget_hours, "0.004"), (parse_budget_hours, "-0"), (parse_estimate_hours, "99999.995"),
])
def test_not_amounts_or_hours_in_all(parse, text):
    with pytest.raises(ValueError):
        parse(text)

