"""Engines and sessions for SQLite (embedded default) and PostgreSQL (production)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker


def normalise_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whichever spelling the URL uses."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def make_engine(url: str, **kwargs) -> Engine:
    url = normalise_url(url)
    if make_url(url).drivername.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_engine(url, pool_pre_ping=True, **kwargs)
    event.listen(engine, "connect", _postgres_session_in_utc)
    return engine


def _postgres_session_in_utc(dbapi_connection, _record) -> None:
    """Read and write timestamps in UTC whatever the server's or the role's default time zone.

    This project's own columns hold aware datetimes and do not depend on it, but slack_sdk's
    installation and state stores write naive UTC datetimes, which PostgreSQL would take as local
    time of the session's zone: with a server in New York, a rotating bot token would be taken as
    valid for five hours after it expired. Outside a transaction, so that no rollback undoes it.
    """
    autocommit = dbapi_connection.autocommit
    dbapi_connection.autocommit = True
    try:
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET TIME ZONE 'UTC'")
    finally:
        dbapi_connection.autocommit = autocommit


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    if not _is_memory(dbapi_connection):
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _is_memory(dbapi_connection) -> bool:
    cursor = dbapi_connection.cursor()
    try:
        rows = cursor.execute("PRAGMA database_list").fetchall()
    finally:
        cursor.close()
    return all(not row[2] for row in rows)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def database_reachable(engine: Engine) -> bool:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except Exception:
        return False


def vacuum_after_bulk_load(engine: Engine, tables: Iterable[str]) -> None:
    """Once a bulk load has committed, on PostgreSQL: VACUUM (ANALYZE) the tables it wrote. Until a
    table's pages are vacuumed, its visibility map is empty and an index-only scan reads the table
    too: at 10,000 services `/delivery tickets`' statements took 225 ms instead of 109 until
    autovacuum came round. Outside any transaction, as VACUUM must be. SQLite has no such map (its
    statistics are refreshed inside the load's own transaction)."""
    if engine.dialect.name != "postgresql":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for name in tables:
            connection.execute(text(f'VACUUM (ANALYZE) "{name}"'))


def refresh_planner_statistics(session: Session, tables: list[str]) -> None:
    """After a bulk load, tell the query planner how big the tables now are and how their indexes
    spread. Without statistics SQLite picks indexes by rule of thumb (at 10,000 services it read one
    service's sessions through the whole team's time index, 130 ms instead of 1 ms) and
    PostgreSQL misjudges joins; both planners keep them until the next ANALYZE."""
    for name in tables:
        session.execute(text(f"ANALYZE {name}"))
