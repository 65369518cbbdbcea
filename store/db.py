"""Engines and sessions for SQLite (embedded default) and PostgreSQL (production)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from sqlalchemy import Engine, Table, create_engine, event, exc, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker


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
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
        except sqlite3.OperationalError:
            # A read-only file keeps its journal mode: reading still works, and whoever must write
            # finds out from `check_writable` in one line.
            pass
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


def mapped_table(model: type[DeclarativeBase]) -> Table:
    """The Table a model is mapped to, for Core statements (executemany inserts and deletes).

    Declarative types `__table__` as any FromClause; every model here maps exactly one Table.
    """
    table = model.__table__
    if not isinstance(table, Table):
        raise TypeError(f"{model.__name__} is not mapped to a single Table")
    return table


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


def store_unreachable(error: BaseException) -> bool:
    """True when `error` says the database could not be reached or answer, rather than that a query
    was wrong: the server down or restarting, a connection lost, the pool exhausted, SQLite's file
    locked or unopenable. Callers tell people "try again" for these, and look for a bug otherwise."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, exc.OperationalError) and _sqlite_error(current):
            return _sqlite_unreachable(current)
        if isinstance(current, (exc.OperationalError, exc.InterfaceError, exc.TimeoutError)):
            return True
        if isinstance(current, exc.DBAPIError) and current.connection_invalidated:
            return True
        current = current.__cause__ or current.__context__
    return False


# SQLite reports a missing table and a locked file alike as OperationalError: only these are "unreachable".
SQLITE_UNREACHABLE = ("unable to open database file", "database is locked", "disk i/o error", "readonly database",
                      "database or disk is full")


def _sqlite_error(error: exc.DBAPIError) -> bool:
    return type(error.orig).__module__.startswith("sqlite3")


def _sqlite_unreachable(error: exc.DBAPIError) -> bool:
    message = str(error.orig).lower()
    return any(part in message for part in SQLITE_UNREACHABLE)


class DatabaseUnavailable(Exception):
    """The database cannot be opened, or not written where writing is needed; the message is one line
    saying which database, what is wrong and what to do."""


def where(engine: Engine) -> str:
    """The database, for people: SQLite's file, or PostgreSQL's URL without its password."""
    url = engine.url
    if url.drivername.startswith("sqlite"):
        return url.database or ":memory:"
    return url.render_as_string(hide_password=True)


def check_reachable(engine: Engine, *, writable: bool) -> None:
    """Open the database (and, when `writable`, try a write on SQLite and roll it back), or raise
    `DatabaseUnavailable`: a server that cannot write would accept clicks it could never apply."""
    try:
        with engine.connect() as connection:
            if writable and is_sqlite(engine):
                # SQLite opens a file it may not write read-only without a word, and even takes the
                # write lock: only a write tells. This one rewrites a header field as it is, then
                # is rolled back.
                connection.exec_driver_sql("BEGIN IMMEDIATE")
                try:
                    version = connection.exec_driver_sql("PRAGMA user_version").scalar()
                    connection.exec_driver_sql(f"PRAGMA user_version = {int(version or 0)}")
                finally:
                    connection.exec_driver_sql("ROLLBACK")
            else:
                connection.execute(text("SELECT 1"))
    except exc.DBAPIError as error:
        raise DatabaseUnavailable(unavailable_reason(engine, error)) from None


def unavailable_reason(engine: Engine, error: exc.DBAPIError) -> str:
    detail = (str(error.orig).strip().splitlines() or [type(error.orig).__name__])[0]
    if is_sqlite(engine):
        if "readonly" in detail or "read-only" in detail:
            return (f"the SQLite database {where(engine)} is read-only ({detail}): give this user write access to "
                    "the file and its folder, or set DATABASE_URL to a database it can write")
        return (f"cannot open the SQLite database {where(engine)} ({detail}): check that its folder exists and "
                "is writable, or set DATABASE_URL")
    return (f"cannot reach the database at {where(engine)} ({detail}): check that the server is running and "
            "DATABASE_URL is right")
