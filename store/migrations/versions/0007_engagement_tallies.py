"""engagement tallies, kept exact by triggers on appointments

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 06:20:00

Each service's customer sessions in the two engagement windows, counted at a checkpoint, so that
answers read one row per service and the few sessions that crossed a window's edge since, instead of
every session of four weeks (store/health/tallies.py). The triggers clear a team's checkpoint
in the same transaction as any change to its customer sessions; readers then count from the
appointments until the tallies are counted again.

A later migration that rebuilds the appointments table (a SQLite batch operation) drops its
triggers: it must create them again (tests/test_project_rules.py checks they exist at head).
"""

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

SESSION = "'customer_session'"
# Only the columns that decide which window, service and team a session counts in.
COUNTED_COLUMNS = "kind, starts_at, service_id, team_id"
TRIGGERS = ("appointments_session_inserted", "appointments_session_deleted", "appointments_session_updated")


def _stale(row: str) -> str:
    return (f"UPDATE engagement_checkpoints SET as_of = NULL "
            f"WHERE team_id = {row}.team_id AND as_of IS NOT NULL;")


def _sqlite_triggers() -> None:
    op.execute(f"""
        CREATE TRIGGER appointments_session_inserted AFTER INSERT ON appointments
        WHEN NEW.kind = {SESSION}
        BEGIN {_stale('NEW')} END""")
    op.execute(f"""
        CREATE TRIGGER appointments_session_deleted AFTER DELETE ON appointments
        WHEN OLD.kind = {SESSION}
        BEGIN {_stale('OLD')} END""")
    op.execute(f"""
        CREATE TRIGGER appointments_session_updated AFTER UPDATE OF {COUNTED_COLUMNS} ON appointments
        WHEN OLD.kind = {SESSION} OR NEW.kind = {SESSION}
        BEGIN {_stale('OLD')} {_stale('NEW')} END""")


def _postgres_triggers() -> None:
    op.execute(f"""
        CREATE FUNCTION appointments_sessions_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP <> 'INSERT' THEN {_stale('OLD')} END IF;
            IF TG_OP <> 'DELETE' THEN {_stale('NEW')} END IF;
            RETURN NULL;
        END $$""")
    for name, event, condition in (
        ("appointments_session_inserted", "INSERT", f"NEW.kind = {SESSION}"),
        ("appointments_session_deleted", "DELETE", f"OLD.kind = {SESSION}"),
        ("appointments_session_updated", f"UPDATE OF {COUNTED_COLUMNS}",
         f"OLD.kind = {SESSION} OR NEW.kind = {SESSION}"),
    ):
        op.execute(f"CREATE TRIGGER {name} AFTER {event} ON appointments FOR EACH ROW "
                   f"WHEN ({condition}) EXECUTE FUNCTION appointments_sessions_changed()")


def upgrade() -> None:
    op.create_table('engagement_checkpoints',
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('as_of', sa.DateTime(timezone=True), nullable=True),
    sa.Column('window_days', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('team_id', name=op.f('pk_engagement_checkpoints'))
    )
    op.create_table('engagement_tallies',
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('recent', sa.Integer(), nullable=False),
    sa.Column('prior', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('team_id', 'service_id', name=op.f('pk_engagement_tallies')),
    sqlite_with_rowid=False,
    )
    if op.get_bind().dialect.name == "postgresql":
        _postgres_triggers()
    else:
        _sqlite_triggers()


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}" + (" ON appointments" if postgres else ""))
    if postgres:
        op.execute("DROP FUNCTION IF EXISTS appointments_sessions_changed()")
    op.drop_table('engagement_tallies')
    op.drop_table('engagement_checkpoints')
