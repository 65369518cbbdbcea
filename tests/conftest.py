"""Shared fixtures: every database test runs on SQLite and on PostgreSQL.

PostgreSQL tests read the server URL from DELIVERY_TEST_POSTGRES_URL and skip with a
reason when it is unset. Each test gets its own PostgreSQL schema, dropped afterwards.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import pytest
from fake_slack import FakeSlack, fake_slack  # noqa: F401 (a fixture: imported to register it)
from served_app import served
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from support import POSTGRES_ENV, WEDNESDAY, load_demo_at, postgres_url

from store.db import make_engine, make_sessionmaker, normalise_url
from store.schema import upgrade

DATABASE_KINDS = ["sqlite", "postgresql"]


@contextmanager
def temporary_database(kind: str, folder: Path) -> Iterator[str]:
    """The URL of an empty database of `kind`, removed afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'delivery.db'}"
        return
    server = postgres_url()
    if server is None:
        pytest.skip(f"{POSTGRES_ENV} is not set: PostgreSQL tests need a server URL")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(normalise_url(server))
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(normalise_url(server)).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=DATABASE_KINDS)
def database_url(request, tmp_path):
    with temporary_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def engine(database_url):
    engine = make_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def fresh_engine(database_url, tmp_path):
    """A second empty database of the same kind as `engine`."""
    folder = tmp_path / "fresh"
    folder.mkdir()
    with temporary_database(make_url(database_url).get_backend_name(), folder) as url:
        engine = make_engine(url)
        upgrade(engine)
        yield engine
        engine.dispose()


@pytest.fixture
def sessions(engine):
    return make_sessionmaker(engine)


@pytest.fixture
def demo_engine(engine):
    load_demo_at(engine, WEDNESDAY)
    return engine


@pytest.fixture
def postgres_database_url(tmp_path):
    with temporary_database("postgresql", tmp_path) as url:
        yield url


@pytest.fixture(scope="module")
def slack():
    """A fake Slack Web API shared by a module's tests; reset it between tests."""
    with FakeSlack() as fake:
        yield fake


@pytest.fixture(scope="module", params=DATABASE_KINDS)
def app_url(request, slack, tmp_path_factory):
    """`delivery-bot serve` over the demo portfolio (loaded now), on each database."""
    with temporary_database(request.param, tmp_path_factory.mktemp(request.param)) as database_url:
        engine = make_engine(database_url)
        upgrade(engine)
        load_demo_at(engine, datetime.now(timezone.utc))
        engine.dispose()
        with served(database_url, slack.api_url) as base:
            yield base


@pytest.fixture
def clean_slack(slack):
    """Forget the module's earlier Slack calls and programmed failures."""
    slack.reset()
