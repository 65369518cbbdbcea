"""The command line as a user runs it: a subprocess in a fresh working directory."""

from __future__ import annotations

import os
import subprocess
import sys

HEADLINE = "15 active services. 12 on track, 2 need attention, 1 at risk."


def run_cli(*args: str, cwd, env: dict | None = None) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DELIVERY_", "DATABASE_URL"))}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args], cwd=cwd, env={**base, **(env or {})},
        capture_output=True, text=True, timeout=120,
    )


def test_demo_creates_sqlite_and_prints_status(tmp_path):
    result = run_cli("demo", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "delivery.db").exists()
    assert result.stdout.startswith(HEADLINE)
    for expected in ("Delta Corp", "blocked 5 days", "89% on schedule", "Go-Live Readiness"):
        assert expected in result.stdout


def test_demo_twice_refreshes_and_ask_reads_it(tmp_path):
    assert run_cli("demo", "--quiet", cwd=tmp_path).returncode == 0
    assert run_cli("demo", "--quiet", cwd=tmp_path).returncode == 0
    result = run_cli("ask", "status", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(HEADLINE)


def test_demo_on_postgres(database_url, tmp_path):
    result = run_cli("demo", cwd=tmp_path, env={"DATABASE_URL": database_url})
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(HEADLINE)


def test_ask_unknown_subcommand_prints_usage_and_exits_2(tmp_path):
    run_cli("demo", "--quiet", cwd=tmp_path)
    result = run_cli("ask", "frobnicate", cwd=tmp_path)
    assert result.returncode == 2
    assert "/delivery status" in result.stdout
    assert result.stderr.strip().splitlines() == ["delivery-bot: I don't know '/delivery frobnicate'."]


def test_ask_without_value_for_user_is_a_usage_error(tmp_path):
    result = run_cli("ask", "--user", cwd=tmp_path)
    assert result.returncode == 2


def test_malformed_setting_stops_with_one_line_naming_it(tmp_path):
    result = run_cli("ask", "status", cwd=tmp_path, env={"DELIVERY_TIMEZONE": "Mars/Base"})
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "delivery-bot: DELIVERY_TIMEZONE: 'Mars/Base' is not an IANA time zone (for example Europe/London)"
    ]


def test_serve_without_signing_secret_says_which_setting(tmp_path):
    result = run_cli("serve", cwd=tmp_path, env={"SLACK_BOT_TOKEN": "xoxb-1"})
    assert result.returncode == 2
    assert "SLACK_SIGNING_SECRET is not set" in result.stderr


def test_demo_refuses_foreign_data_unless_forced(tmp_path):
    from sqlalchemy.orm import Session

    from store.db import make_engine
    from store.models import Customer
    from store.schema import upgrade

    engine = make_engine(f"sqlite:///{tmp_path / 'delivery.db'}")
    upgrade(engine)
    with Session(engine) as session, session.begin():
        session.add(Customer(team_id="T0ACME", key="real-1", name="Real Customer"))
    engine.dispose()
    refused = run_cli("demo", cwd=tmp_path)
    assert refused.returncode == 1
    assert "--force" in refused.stderr and refused.stdout == ""
    assert run_cli("demo", "--force", "--quiet", cwd=tmp_path).returncode == 0


def test_ask_on_a_new_sqlite_file_applies_migrations_itself(tmp_path):
    result = run_cli("ask", "help", cwd=tmp_path)
    assert result.returncode == 0, result.stderr


def test_ask_on_an_empty_postgres_database_says_to_run_db_upgrade(postgres_database_url, tmp_path):
    database_url = postgres_database_url
    result = run_cli("ask", "status", cwd=tmp_path, env={"DATABASE_URL": database_url})
    assert result.returncode == 1
    assert "run `delivery-bot db upgrade`" in result.stderr
    upgraded = run_cli("db", "upgrade", cwd=tmp_path, env={"DATABASE_URL": database_url})
    assert upgraded.returncode == 0 and "up to date" in upgraded.stdout


def test_a_schema_newer_than_the_code_is_refused_with_what_to_do(tmp_path):
    from sqlalchemy import text

    from store.db import make_engine
    from store.schema import head_revision

    assert run_cli("demo", "--quiet", cwd=tmp_path).returncode == 0
    engine = make_engine(f"sqlite:///{tmp_path / 'delivery.db'}")
    with engine.begin() as connection:  # as if a newer delivery-bot had upgraded the database
        connection.execute(text("UPDATE alembic_version SET version_num = 'f00d_from_the_future'"))
    engine.dispose()

    for command in (("ask", "status"), ("db", "upgrade"), ("db", "current")):
        refused = run_cli(*command, cwd=tmp_path)
        assert refused.returncode == 1, command
        assert refused.stderr.strip() == (
            "delivery-bot: the database schema is at f00d_from_the_future, newer than this version of "
            f"delivery-bot knows (its newest is {head_revision()}): run the newer version that upgraded it"
        ), command
        assert "db upgrade" not in refused.stderr


def test_ask_explain_says_how_figures_are_computed(tmp_path):
    run_cli("demo", "--quiet", cwd=tmp_path)
    result = run_cli("ask", "--explain", "tickets", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "How these figures are computed" in result.stdout
    assert "SLA compliance: tickets resolved this week by their due time" in result.stdout


def test_digest_preview_prints_a_digest_and_personal_needs_a_user(tmp_path):
    run_cli("demo", "--quiet", cwd=tmp_path)
    at_risk = run_cli("digest", "preview", "at-risk", cwd=tmp_path)
    assert at_risk.returncode == 0, at_risk.stderr
    assert "Delta Corp" in at_risk.stdout
    mine = run_cli("digest", "preview", "personal", "--user", "U0RYAN", cwd=tmp_path)
    assert mine.returncode == 0 and "SSO integration" in mine.stdout
    nobody = run_cli("digest", "preview", "personal", cwd=tmp_path)
    assert nobody.returncode == 2 and nobody.stderr.strip() == (
        "delivery-bot: the personal digest is someone's: add --user SLACK_USER_ID")


def test_people_sync_links_people_by_email_through_users_list(tmp_path, fake_slack):
    run_cli("demo", "--quiet", cwd=tmp_path)
    fake_slack.set_response("users.list", {"ok": True, "members": [
        {"id": "U0RYAN", "deleted": False, "is_bot": False, "tz": "Asia/Kolkata",
         "profile": {"email": "RYAN@acme.example"}},
    ], "response_metadata": {"next_cursor": ""}})
    env = {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_API_URL": fake_slack.api_url}
    result = run_cli("people", "sync", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert "1 time zones updated" in result.stdout or "1 linked" in result.stdout
    assert "Unmatched" in result.stdout


def test_export_import_export_is_byte_identical_and_a_bad_date_imports_nothing(tmp_path):
    run_cli("demo", "--quiet", cwd=tmp_path)
    assert run_cli("export", "first", cwd=tmp_path).returncode == 0
    again = run_cli("import", "first", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert all(line.split(": ")[1].startswith("0 new, 0 updated") for line in again.stdout.strip().splitlines())
    assert run_cli("export", "second", cwd=tmp_path).returncode == 0
    for first in sorted((tmp_path / "first").iterdir()):
        assert first.read_bytes() == (tmp_path / "second" / first.name).read_bytes(), first.name

    lines = (tmp_path / "first" / "deliverables.csv").read_text().split("\n")
    column = lines[0].split(",").index("due_on")
    cells = lines[3].split(",")
    cells[column] = "2026-13-45"
    lines[3] = ",".join(cells)
    (tmp_path / "first" / "deliverables.csv").write_text("\n".join(lines))
    rejected = run_cli("import", "first", cwd=tmp_path)
    assert rejected.returncode == 1
    assert "deliverables.csv, line 4, column due_on" in rejected.stderr
    assert rejected.stderr.strip().splitlines()[-1] == "delivery-bot: 1 bad row(s); nothing was imported"


def test_serve_with_a_bot_token_slack_rejects_stops_before_serving_with_one_line(fake_slack, tmp_path):
    assert run_cli("demo", "--quiet", cwd=tmp_path).returncode == 0
    fake_slack.fail_next("auth.test", "invalid_auth")
    result = run_cli("serve", "--port", "0", cwd=tmp_path, env={
        "SLACK_BOT_TOKEN": "xoxb-revoked", "SLACK_SIGNING_SECRET": "s", "SLACK_API_URL": fake_slack.api_url})
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == "delivery-bot: Slack rejected SLACK_BOT_TOKEN: invalid_auth"
    assert "Listening at" not in result.stderr
