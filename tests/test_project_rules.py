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
