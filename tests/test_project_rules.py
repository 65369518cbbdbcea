"""The project's own rules: layering, migrations that match the models, README and CI in step."""

from __future__ import annotations

import ast
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from store.models import Base

ROOT = Path(__file__).resolve().parents[1]


def imported_modules(folder: str) -> dict[str, set[str]]:
    found = {}
    for path in (ROOT / folder).rglob("*.py"):
        names = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
        found[str(path.relative_to(ROOT))] = names
    return found


def test_store_never_imports_slack():
    for path, names in imported_modules("store").items():
        assert not any(n.split(".")[0] in ("slack_bolt", "slack_sdk") for n in names), path


def test_handlers_never_import_sqlalchemy():
    for path, names in imported_modules("handlers").items():
        assert not any(n.split(".")[0] == "sqlalchemy" for n in names), path


def test_migrations_match_the_models(engine):
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def test_ci_runs_the_test_command_that_readme_gives():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    command = "python3 -m venv .venv && .venv/bin/pip install -q -e '.[dev]' && .venv/bin/pytest"
    assert command in readme.split("## ")[0], "README's second command"
    assert command in ci


# Triggers keep derived state (store/health, the customers' ticket tallies): a migration that rebuilds a
# table (a SQLite batch operation) drops its triggers, so they are checked by name at head.
DERIVED_STATE_TRIGGERS = {
    "appointments": {"appointments_session_inserted", "appointments_session_deleted", "appointments_session_updated",
                     "appointments_health_inserted", "appointments_health_deleted", "appointments_health_updated"},
    "deliverables": {"deliverables_counted_inserted", "deliverables_counted_deleted", "deliverables_counted_updated",
                     "deliverables_health_inserted", "deliverables_health_deleted", "deliverables_health_updated"},
    **{table: {f"{table}_health_{event}" for event in ("inserted", "deleted", "updated")}
       for table in ("services", "milestones")},
    "tickets": {f"tickets_{kind}_{event}" for kind in ("health", "tally")
                for event in ("inserted", "deleted", "updated")},
}


def test_the_triggers_that_keep_derived_state_exist_at_head(engine):
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            rows = connection.exec_driver_sql(
                "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE NOT t.tgisinternal")
        else:
            rows = connection.exec_driver_sql("SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'")
        found: dict[str, set[str]] = {}
        for table, name in rows:
            found.setdefault(table, set()).add(name)
    for table, names in DERIVED_STATE_TRIGGERS.items():
        assert names <= found.get(table, set()), table


# The floors, lowest first: a module imports only from floors below its own (and its own package);
# the surfaces on one floor (slash commands and clicks, scheduled digests) do not import each other.
FLOORS = {"store": 0, "messages": 1, "handlers": 2, "digests": 2, "bot": 3}


def test_no_module_imports_a_floor_above_its_own_or_a_surface_beside_it():
    for package, floor in FLOORS.items():
        for path, names in imported_modules(package).items():
            for name in names:
                top = name.split(".")[0]
                if top in FLOORS and top != package:
                    assert FLOORS[top] < floor, f"{path} imports {name}"


def test_the_image_copies_every_package_the_project_installs():
    """No Docker engine runs in CI: the Dockerfile's COPY lines are checked against pyproject.toml."""
    import re
    import tomllib

    found = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]
    packages = {name.rstrip("*") for name in found["include"]}
    copied = set(re.findall(r"^COPY (\w+) /src/\1$", (ROOT / "Dockerfile").read_text(), re.M))
    assert packages == copied


def test_health_is_asked_through_its_entry_point():
    """Outside `store/health`, health is asked through `store.health` (and its rules' types): what it
    keeps to answer fast stays inside, so no caller can tell a kept answer from an assessed one."""
    allowed = {"store.health", "store.health.rules"}
    for folder in ("store", "messages", "handlers", "digests", "bot"):
        for path, names in imported_modules(folder).items():
            if path.startswith("store/health/"):
                continue
            inner = {name for name in names if name.startswith("store.health.") and name not in allowed}
            assert not inner, (path, inner)
