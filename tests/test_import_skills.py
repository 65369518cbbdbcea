"""Skills in CSV (issue 21): the `skills` column of people.csv and services.csv, read normalised, written
sorted, and export -> import -> export byte-identical, with the formula rule applied to the cell."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from support import TEAM
from test_import_export import EXAMPLE_ROWS, EXAMPLES, counts, run_export, run_import

from store.io import KINDS, ImportRejected
from store.models import Person, PersonSkill, Service, ServiceSkill


def stored_skills_of(engine, model, key: str) -> list[str]:
    with Session(engine) as session:
        row = session.scalars(select(model).where(model.team_id == TEAM, model.key == key)).one()
        table = PersonSkill if model is Person else ServiceSkill
        owner = PersonSkill.person_id if model is Person else ServiceSkill.service_id
        return sorted(session.scalars(select(table.skill).where(owner == row.id)))


def rewrite_cell(path: Path, key: str, column: str, value: str) -> None:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        if row["key"] == key:
            row[column] = value
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def test_skills_are_read_normalised_and_round_trip_byte_identical(engine, tmp_path):
    run_import(engine, EXAMPLES)
    assert stored_skills_of(engine, Person, "bill") == ["sso", "system integration"], "'SSO; System integration'"
    assert stored_skills_of(engine, Service, "acme-onboarding") == ["data modeling", "discovery workshops"]
    assert stored_skills_of(engine, Service, "initech-training") == []
    first, second = tmp_path / "first", tmp_path / "second"
    run_export(engine, first)
    people = {r["key"]: r for r in csv.DictReader((first / "people.csv").open(encoding="utf-8", newline=""))}
    assert people["bill"]["skills"] == "sso;system integration" and people["chen"]["skills"] == "training design"
    assert counts(run_import(engine, first)) == {k: (0, 0, n) for k, n in EXAMPLE_ROWS.items()}
    run_export(engine, second)
    for kind in KINDS:
        assert (first / f"{kind}.csv").read_bytes() == (second / f"{kind}.csv").read_bytes(), kind


def test_a_skill_that_would_run_as_a_formula_is_quoted_and_comes_back(engine, tmp_path):
    run_import(engine, EXAMPLES)
    folder = tmp_path / "edited"
    run_export(engine, folder)
    rewrite_cell(folder / "people.csv", "ana", "skills", "Analytics;=HYPERLINK(\"https://evil.example\")")
    assert counts(run_import(engine, folder))["people"] == (0, 1, 2)
    assert stored_skills_of(engine, Person, "ana") == ['=hyperlink("https://evil.example")', "analytics"]
    first, second = tmp_path / "first", tmp_path / "second"
    run_export(engine, first)
    (ana,) = [r for r in csv.DictReader((first / "people.csv").open(encoding="utf-8", newline=""))
              if r["key"] == "ana"]
    assert ana["skills"] == '\'=hyperlink("https://evil.example");analytics'
    assert counts(run_import(engine, first))["people"] == (0, 0, 3)
    run_export(engine, second)
    assert (first / "people.csv").read_bytes() == (second / "people.csv").read_bytes()


def test_changed_skills_update_the_row_a_blank_cell_clears_them_and_a_missing_column_keeps_them(engine, tmp_path):
    run_import(engine, EXAMPLES)
    folder = tmp_path / "edited"
    run_export(engine, folder)
    rewrite_cell(folder / "services.csv", "globex-sso", "skills", "SSO;  Okta ")
    rewrite_cell(folder / "people.csv", "bill", "skills", "")
    report = run_import(engine, folder)
    assert counts(report)["services"] == (0, 1, 2) and counts(report)["people"] == (0, 1, 2)
    assert stored_skills_of(engine, Service, "globex-sso") == ["okta", "sso"]
    assert stored_skills_of(engine, Person, "bill") == []
    with Session(engine) as session:
        assert session.scalars(select(Service.version).where(Service.key == "globex-sso")).one() == 2
    without = tmp_path / "without"
    without.mkdir()
    (without / "people.csv").write_text("key,name\nana,Ana Lima\n", encoding="utf-8")
    assert counts(run_import(engine, without))["people"] == (0, 0, 1)
    assert stored_skills_of(engine, Person, "ana") == ["data modeling", "discovery workshops"]


def test_a_skill_too_long_is_a_row_error(engine, tmp_path):
    (tmp_path / "people.csv").write_text(f"key,name,skills\nzed,Zed,ok;{'x' * 65}\n", encoding="utf-8")
    with pytest.raises(ImportRejected) as rejected:
        run_import(engine, tmp_path)
    (error,) = rejected.value.errors
    assert (error.file, error.line, error.column) == ("people.csv", 2, "skills") and "at most 64" in error.reason
