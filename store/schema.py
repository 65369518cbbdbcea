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
    """The database's schema is not the one this code needs; the message says what to do."""


@dataclass(frozen=True)
class SchemaState:
    current: str | None
    head: str
    # False when the database is at a revision this code has no script for: a newer version of
    # delivery-bot upgraded it, and this one can neither use it nor upgrade it.
    known: bool = True

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head

    @property
    def newer_than_code(self) -> bool:
        return not self.known

    def advice(self) -> str:
        """What to do about a schema that is not up to date, for a person to read."""
        if self.newer_than_code:
            return (f"the database schema is at {self.current}, newer than this version of delivery-bot knows "
                    f"(its newest is {self.head}): run the newer version that upgraded it")
        return (f"the database schema is at {self.current or 'nothing'} but this version needs {self.head}: "
                "run `delivery-bot db upgrade`")


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


@cache
def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(_config())


@cache
def head_revision() -> str:
    """The newest revision this code knows; read from the migration scripts once."""
    head = _scripts().get_current_head()
    if head is None:
        raise RuntimeError(f"no migration scripts in {MIGRATIONS}: this installation of delivery-bot is incomplete")
    return head


@cache
def known_revisions() -> frozenset[str]:
    return frozenset(script.revision for script in _scripts().walk_revisions())


def schema_state(engine: Engine) -> SchemaState:
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    return SchemaState(current=current, head=head_revision(), known=current is None or current in known_revisions())


def upgrade(engine: Engine) -> SchemaState:
    """Apply pending migrations in one transaction; safe to run from several replicas at once.
    Refuses (SchemaOutOfDate) a database that a newer version has upgraded past this code."""
    state = schema_state(engine)
    if state.newer_than_code:
        raise SchemaOutOfDate(state.advice())
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
    if apply and not state.newer_than_code:
        return upgrade(engine)
    raise SchemaOutOfDate(state.advice())


def new_revision(engine: Engine, message: str) -> None:
    """Developer helper: autogenerate a revision against an up-to-date database."""
    config = _config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.revision(config, message=message, autogenerate=True)
