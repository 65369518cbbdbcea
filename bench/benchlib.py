"""What every benchmark here shares: a scratch PostgreSQL schema, the machine's description, and
writing its own section of bench/results.md without touching the others'."""

from __future__ import annotations

import os
import platform
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from store.db import normalise_url

RESULTS = Path(__file__).resolve().parent / "results.md"


@contextmanager
def scratch_postgres(server: str) -> Iterator[str]:
    """The URL of a fresh schema on the PostgreSQL server, dropped afterwards."""
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(normalise_url(server))
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield make_url(normalise_url(server)).update_query_dict(
            {"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def machine_line() -> str:
    return (f"Machine: Python {platform.python_version()}, {os.cpu_count()} CPUs, {platform.platform()}; "
            f"run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.")


def write_section(begin: str, end: str, block: str, results: Path = RESULTS) -> None:
    """Replace the section between `begin` and `end` in results.md (or append it), leaving the rest alone."""
    old = results.read_text(encoding="utf-8") if results.exists() else "# Benchmark results\n\n"
    if begin in old and end in old:
        head, rest = old.split(begin, 1)
        new = head + block.rstrip("\n") + rest.split(end, 1)[1]
    else:
        new = old.rstrip("\n") + "\n\n" + block
    results.write_text(new, encoding="utf-8")
