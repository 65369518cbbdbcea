"""kept health: each active service's assessed health, and the services changed since

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 10:00:00

`/delivery status` and `/delivery at-risk` assessed every service with a signal (1,900 of 10,000)
to count and order the few that are not On Track. Kept health stores each active service's shown
health as assessed at a refresh (store/health/kept.py), and these triggers mark a
service in `health_changes` in the same transaction as any change to what its health is assessed
from: the service's status and override, its blocked deliverables and milestone progress, its open
milestones, its open tickets and its customer sessions. Readers assess again only the marked
services and those whose time-driven signals may have moved.

Rows that never count for health are not marked (a resolved ticket, an internal meeting, a done
milestone), so bulk loads write few marks. On PostgreSQL, inserts and deletes mark once per
statement (from its transition table), updates once per row.

A later migration that rebuilds one of these tables (a SQLite batch operation) drops its triggers:
it must create them again (tests/test_project_rules.py checks they exist at head).
"""

from dataclasses import dataclass

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


@dataclass(frozen=True)
class Watched:
    table: str
    service: str  # the column naming the row's service
    counts: str  # when an inserted or deleted row counts for health, of its own columns (prefix "{row}.")
    columns: str  # the updated columns that change what it counts for
    milestone: bool = False  # the row also counts for its milestone's service


WATCHED = (
    Watched("services", "id", "TRUE", "status, health_override, health_override_expires_at, team_id"),
    Watched("deliverables", "service_id", "({row}.status = 'blocked' OR {row}.milestone_id IS NOT NULL)",
            "status, blocked_since, milestone_id, service_id, team_id", milestone=True),
    Watched("milestones", "service_id", "{row}.done_on IS NULL", "done_on, due_on, service_id, team_id"),
    Watched("tickets", "service_id", "{row}.resolved_at IS NULL", "resolved_at, due_at, service_id, team_id"),
    Watched("appointments", "service_id", "{row}.kind = 'customer_session'", "kind, starts_at, service_id, team_id"),
)
UPSERT = ("INSERT INTO health_changes (team_id, service_id, mark) {rows} "
          "ON CONFLICT (team_id, service_id) DO UPDATE SET mark = health_changes.mark + 1;")


def _trigger_names(watched: Watched) -> tuple[str, str, str]:
    return tuple(f"{watched.table}_health_{event}" for event in ("inserted", "deleted", "updated"))


def _marked(watched: Watched, row: str, where: str) -> str:
    """SELECT of (team, service) pairs the row `row` marks."""
    pairs = (f"SELECT {row}.team_id AS team_id, {row}.{watched.service} AS service_id FROM {{source}} "
             f"WHERE {row}.{watched.service} IS NOT NULL AND {where}")
    if watched.milestone:
        pairs += (f" UNION SELECT m.team_id, m.service_id FROM {{source}} JOIN milestones m "
                  f"ON m.id = {row}.milestone_id WHERE {where}")
    return pairs


def _sqlite_triggers(watched: Watched) -> None:
    inserted, deleted, updated = _trigger_names(watched)

    def mark(row: str) -> str:
        # One row (the trigger's): "FROM (SELECT 1)" stands for its source.
        pairs = _marked(watched, row, "TRUE").replace("{source}", "(SELECT 1)")
        return UPSERT.format(rows=f"SELECT DISTINCT team_id, service_id, 1 FROM ({pairs}) WHERE TRUE")

    op.execute(f"CREATE TRIGGER {inserted} AFTER INSERT ON {watched.table} "
               f"WHEN {watched.counts.format(row='NEW')} BEGIN {mark('NEW')} END")
    op.execute(f"CREATE TRIGGER {deleted} AFTER DELETE ON {watched.table} "
               f"WHEN {watched.counts.format(row='OLD')} BEGIN {mark('OLD')} END")
    op.execute(f"CREATE TRIGGER {updated} AFTER UPDATE OF {watched.columns} ON {watched.table} "
               f"WHEN {watched.counts.format(row='OLD')} OR {watched.counts.format(row='NEW')} "
               f"BEGIN {mark('OLD')} {mark('NEW')} END")


def _postgres_function(name: str, pairs: str) -> None:
    """A trigger function marking the (team, service) pairs `pairs` selects."""
    op.execute(f"""
        CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            {UPSERT.format(rows=f"SELECT DISTINCT team_id, service_id, 1 FROM ({pairs}) AS pairs")}
            RETURN NULL;
        END $$""")


def _postgres_triggers(watched: Watched) -> None:
    inserted, deleted, updated = _trigger_names(watched)
    # Inserts and deletes: every row of the statement at once, from its transition table.
    _postgres_function(f"{watched.table}_health_rows", _marked(
        watched, "changed", watched.counts.format(row="changed")).replace("{source}", "changed"))
    op.execute(f"CREATE TRIGGER {inserted} AFTER INSERT ON {watched.table} REFERENCING NEW TABLE AS changed "
               f"FOR EACH STATEMENT EXECUTE FUNCTION {watched.table}_health_rows()")
    op.execute(f"CREATE TRIGGER {deleted} AFTER DELETE ON {watched.table} REFERENCING OLD TABLE AS changed "
               f"FOR EACH STATEMENT EXECUTE FUNCTION {watched.table}_health_rows()")
    # Updates (a transition table allows no column list): the row before and after.
    _postgres_function(f"{watched.table}_health_row", " UNION ".join(
        _marked(watched, row, "TRUE").replace("{source}", "(SELECT 1) AS one") for row in ("OLD", "NEW")))
    op.execute(f"CREATE TRIGGER {updated} AFTER UPDATE OF {watched.columns} ON {watched.table} FOR EACH ROW "
               f"WHEN ({watched.counts.format(row='OLD')} OR {watched.counts.format(row='NEW')}) "
               f"EXECUTE FUNCTION {watched.table}_health_row()")


def upgrade() -> None:
    op.create_table('health_checkpoints',
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('rules', sa.String(length=255), nullable=False),
    sa.Column('as_of', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('team_id', name=op.f('pk_health_checkpoints'))
    )
    op.create_table('kept_health',
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('health', sa.Enum('on_track', 'needs_attention', 'at_risk', name='health', native_enum=False,
                                create_constraint=True, length=32), nullable=False),
    sa.Column('since_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('since_day', sa.Date(), nullable=True),
    sa.Column('valid_until', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('team_id', 'service_id', name=op.f('pk_kept_health')),
    sqlite_with_rowid=False,
    )
    with op.batch_alter_table('kept_health', schema=None) as batch_op:
        batch_op.create_index('ix_kept_health_team_health', ['team_id', 'health'], unique=False)
        batch_op.create_index('ix_kept_health_team_valid_until', ['team_id', 'valid_until'], unique=False)
    op.create_table('health_changes',
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('mark', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('team_id', 'service_id', name=op.f('pk_health_changes')),
    sqlite_with_rowid=False,
    )
    postgres = op.get_bind().dialect.name == "postgresql"
    for watched in WATCHED:
        (_postgres_triggers if postgres else _sqlite_triggers)(watched)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for watched in WATCHED:
        for name in _trigger_names(watched):
            op.execute(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {watched.table}" if postgres else ""))
        if postgres:
            op.execute(f"DROP FUNCTION IF EXISTS {watched.table}_health_rows()")
            op.execute(f"DROP FUNCTION IF EXISTS {watched.table}_health_row()")
    op.drop_table('health_changes')
    with op.batch_alter_table('kept_health', schema=None) as batch_op:
        batch_op.drop_index('ix_kept_health_team_valid_until')
        batch_op.drop_index('ix_kept_health_team_health')
    op.drop_table('kept_health')
    op.drop_table('health_checkpoints')
