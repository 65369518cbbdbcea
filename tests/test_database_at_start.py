"""A database the bot cannot open, or cannot write, stops a command at start with one line saying
which database, what is wrong and what to do: never a traceback, never a server that takes clicks
it could not apply. Reading commands still read a read-only file."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
from test_cli import HEADLINE, run_cli

SERVER_ENV = {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": "secret",
              "SLACK_API_URL": "http://127.0.0.1:9/"}


def read_only_url(path) -> str:
    """SQLite's own read-only mode: refused writes as a read-only file gives, whoever runs the tests."""
    return f"sqlite:///file:{path}?mode=ro&uri=true"


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    assert run_cli("demo", "--quiet", cwd=folder).returncode == 0
    return folder / "delivery.db"


def one_line_refusal(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    ours = [line for line in result.stderr.splitlines() if line.startswith("delivery-bot:")]
    assert len(ours) == 1, result.stderr
    return ours[0]


@pytest.mark.parametrize("command", [["serve", "--port", "1"], ["scheduler"], ["demo", "--quiet"]])
def test_a_read_only_sqlite_file_stops_commands_that_write_with_one_line(demo_file, tmp_path, command):
    line = one_line_refusal(run_cli(*command, cwd=tmp_path, env={"DATABASE_URL": read_only_url(demo_file),
                                                                 **SERVER_ENV}))
    assert "is read-only" in line and "write access" in line and str(demo_file) in line


def test_a_file_that_refuses_writes_even_to_root_stops_serve(demo_file, tmp_path):
    """The file itself immutable (chattr +i, which even root cannot write), where the machine allows it."""
    copy = tmp_path / "frozen.db"
    shutil.copy(demo_file, copy)
    for suffix in ("-wal", "-shm"):
        if os.path.exists(str(demo_file) + suffix):
            shutil.copy(str(demo_file) + suffix, str(copy) + suffix)
    if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(copy)], capture_output=True).returncode:
        pytest.skip("chattr +i is not available here: the read-only mode test above covers the rule")
    try:
        import sqlite3

        with pytest.raises(sqlite3.OperationalError):
            with sqlite3.connect(copy) as probe:
                probe.execute("PRAGMA user_version = 1")
        line = one_line_refusal(run_cli("serve", "--port", "1", cwd=tmp_path,
                                        env={"DATABASE_URL": f"sqlite:///{copy}", **SERVER_ENV}))
        assert "is read-only" in line
    finally:
        subprocess.run(["chattr", "-i", str(copy)], check=True)


def test_reading_commands_still_read_a_read_only_file(demo_file, tmp_path):
    result = run_cli("ask", "status", cwd=tmp_path, env={"DATABASE_URL": read_only_url(demo_file)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(HEADLINE)


def test_a_sqlite_file_in_a_folder_that_does_not_exist_stops_serve_with_one_line(tmp_path):
    missing = tmp_path / "no-such-folder" / "delivery.db"
    line = one_line_refusal(run_cli("serve", "--port", "1", cwd=tmp_path,
                                    env={"DATABASE_URL": f"sqlite:///{missing}", **SERVER_ENV}))
    assert "cannot open the SQLite database" in line and str(missing) in line


def test_a_postgresql_server_that_is_not_there_stops_serve_with_one_line(tmp_path):
    line = one_line_refusal(run_cli("serve", "--port", "1", cwd=tmp_path,
                                    env={"DATABASE_URL": "postgresql://bot:s3cret@127.0.0.1:1/delivery",
                                         **SERVER_ENV}))
    assert "cannot reach the database at" in line and "127.0.0.1:1/delivery" in line
    assert "s3cret" not in line, "the password is not printed"
