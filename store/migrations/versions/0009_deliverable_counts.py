"""deliverable counts by team, status and due day, kept by triggers on deliverables

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 07:00:00

`/delivery status` and the weekly digest tally every deliverable of the team by status and by
whether it is past due: 150,000 index entries at 10,000 services. These counts make that a few
thousand rows. Each insert, delete or update of a deliverable's team, status or due day moves
its count in the same transaction (deletes cascading from a service included), so the counts are
exact at every commit; the tally still leaves out services not active by reading theirs, which
are few. Filled here from the deliverables already stored.

A later migration that rebuilds the deliverables table (a SQLite batch operation) drops its
triggers: it must create them again (tests/test_deliverable_counts.py would fail otherwise).
"""

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

COUNTED_COLUMNS = "team_id, status, due_on"
TRIGGERS = ("deliverables_counted_inserted", "deliverables_counted_deleted", "deliverables_counted_updated")


def _move(row: str, by: int, no_due_day: str) -> str:
    """Add `by` to the count of `row`'s (team, status, due day)."""
    return (f"INSERT INTO deliverable_counts (team_id, status, due_on, n) "
            f"VALUES ({row}.team_id, {row}.status, coalesce({row}.due_on, {no_due_day}), {by}) "
            f"ON CONFLICT (team_id, status, due_on) DO UPDATE SET n = deliverable_counts.n + excluded.n;")


def _sqlite_triggers() -> None:
    day = "'9999-12-31'"
    op.execute(f"CREATE TRIGGER deliverables_counted_inserted AFTER INSERT ON deliverables "
               f"BEGIN {_move('NEW', 1, day)} END")
    op.execute(f"CREATE TRIGGER deliverables_counted_deleted AFTER DELETE ON deliverables "
               f"BEGIN {_move('OLD', -1, day)} END")
    op.execute(f"CREATE TRIGGER deliverables_counted_updated AFTER UPDATE OF {COUNTED_COLUMNS} ON deliverables "
               f"BEGIN {_move('OLD', -1, day)} {_move('NEW', 1, day)} END")


def _postgres_triggers() -> None:
    day = "DATE '9999-12-31'"
    op.execute(f"""
        CREATE FUNCTION deliverables_counted() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP <> 'INSERT' THEN {_move('OLD', -1, day)} END IF;
            IF TG_OP <> 'DELETE' THEN {_move('NEW', 1, day)} END IF;
            RETURN NULL;
        END $$""")
    for name, event in zip(TRIGGERS, ("INSERT", "DELETE", f"UPDATE OF {COUNTED_COLUMNS}")):
        op.execute(f"CREATE TRIGGER {name} AFTER {event} ON deliverables FOR EACH ROW "
                   f"EXECUTE FUNCTION deliverables_counted()")


def upgrade() -> None:
    op.create_table('deliverable_counts',
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('team_id', 'status', 'due_on', name=op.f('pk_deliverable_counts')),
    sqlite_with_rowid=False,
    )
    postgres = op.get_bind().dialect.name == "postgresql"
    day = "DATE '9999-12-31'" if postgres else "'9999-12-31'"
    op.execute(f"INSERT INTO deliverable_counts (team_id, status, due_on, n) "
               f"SELECT team_id, status, coalesce(due_on, {day}), count(*) FROM deliverables "
               f"GROUP BY team_id, status, coalesce(due_on, {day})")
    if postgres:
        _postgres_triggers()
    else:
        _sqlite_triggers()


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}" + (" ON deliverables" if postgres else ""))
    if postgres:
        op.execute("DROP FUNCTION IF EXISTS deliverables_counted()")
    op.drop_table('deliverable_counts')
