"""Schema state and migrations. Alembic owns the schema from the first revision."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

MIGRATIONS = Path(__file__).parent / "migrations"
# Any constant shared by every replica: serialises concurrent `db upgrade` runs.
PG_MIGRATION_LOCK = 72_410_001


class SchemaOutOfDate(Exception):
    """The database is behind the code; the message says what to run."""


@dataclass(frozen=True)
class SchemaState:
    current: str | None
    head: str

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


@cache
def head_revision() -> str:
    """The newest revision this code knows; read from the migration scripts once."""
    return ScriptDirectory.from_config(_config()).get_current_head()


def schema_state(engine: Engine) -> SchemaState:
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    return SchemaState(current=current, head=head_revision())


def upgrade(engine: Engine) -> SchemaState:
    """Apply pending migrations in one transaction; safe to run from several replicas at once."""
    config = _config()
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_MIGRATION_LOCK})
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    return schema_state(engine)


def ensure_schema(engine: Engine, *, apply: bool) -> SchemaState:
    """Apply pending migrations when `apply`, else refuse to run on an old schema."""
    state = schema_state(engine)
    if state.up_to_date:
        return state
    if apply:
        return upgrade(engine)
    raise SchemaOutOfDate(
        f"the database schema is at {state.current or 'nothing'} but this version needs {state.head}: "
        "run `delivery-bot db upgrade`"
    )


def new_revision(engine: Engine, message: str) -> None:
    """Developer helper: autogenerate a revision against an up-to-date database."""
    config = _config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.revision(config, message=message, autogenerate=True)
