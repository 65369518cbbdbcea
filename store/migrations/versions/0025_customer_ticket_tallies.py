"""customer ticket tallies, kept exact by triggers on tickets

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 22:30:00

`/delivery customers` counted every customer's tickets opened in the last 4 weeks and the 4 before,
and those resolved late in the last 4 (about 98,000 index entries at 10,000 services). Each customer's
three counts are kept as of a checkpoint (store/queries/customer_tickets.py), and answers read one row
per customer and the few tickets that crossed a window's edge since.

The triggers clear a team's checkpoint in the same transaction as any change that moves a count as of
it: a ticket opened at or before the checkpoint inserted, deleted, or moved to another customer, team or
opening time; a ticket resolved late at or before it inserted, deleted or changed. Resolving a ticket now
(after the checkpoint) moves none: readers count it among the crossings. On PostgreSQL, inserts and
deletes clear once per statement (from its transition table), updates once per row.

A later migration that rebuilds the tickets table (a SQLite batch operation) drops its triggers: it must
create them again (tests/test_project_rules.py checks they exist at head).
"""

import sqlalchemy as sa
from alembic import op

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None

TRIGGERS = ("tickets_tally_inserted", "tickets_tally_deleted", "tickets_tally_updated")
# Only the columns that decide which customer, team and window a ticket counts in.
COUNTED_COLUMNS = "opened_at, resolved_at, due_at, customer_id, team_id"


def _late(row: str) -> str:
    """The row was resolved late at or before the checkpoint (NULL, so false, while open)."""
    return f"({row}.resolved_at <= ticket_checkpoints.as_of AND {row}.resolved_at > {row}.due_at)"


def _counted(row: str) -> str:
    """The row counts in a tally as of the checkpoint (or might: the windows' far edges are left out)."""
    return f"({row}.opened_at <= ticket_checkpoints.as_of OR {_late(row)})"


def _moved(distinct: str) -> str:
    """An update moved a count as of the checkpoint (`distinct`: the dialect's IS DISTINCT FROM)."""
    opened_moved = ("(OLD.opened_at <> NEW.opened_at OR OLD.customer_id <> NEW.customer_id "
                    "OR OLD.team_id <> NEW.team_id)")
    return (f"(((OLD.opened_at <= ticket_checkpoints.as_of OR NEW.opened_at <= ticket_checkpoints.as_of) "
            f"AND {opened_moved}) OR (({_late('OLD')} OR {_late('NEW')}) AND (OLD.resolved_at {distinct} "
            f"NEW.resolved_at OR OLD.due_at <> NEW.due_at OR {opened_moved})))")


def _clear(teams: str, condition: str) -> str:
    return (f"UPDATE ticket_checkpoints SET as_of = NULL "
            f"WHERE team_id IN ({teams}) AND as_of IS NOT NULL AND {condition};")


def _sqlite_triggers() -> None:
    op.execute(f"CREATE TRIGGER tickets_tally_inserted AFTER INSERT ON tickets "
               f"BEGIN {_clear('NEW.team_id', _counted('NEW'))} END")
    op.execute(f"CREATE TRIGGER tickets_tally_deleted AFTER DELETE ON tickets "
               f"BEGIN {_clear('OLD.team_id', _counted('OLD'))} END")
    op.execute(f"CREATE TRIGGER tickets_tally_updated AFTER UPDATE OF {COUNTED_COLUMNS} ON tickets "
               f"BEGIN {_clear('OLD.team_id, NEW.team_id', _moved('IS NOT'))} END")


def _postgres_triggers() -> None:
    # Inserts and deletes: every row of the statement at once, from its transition table.
    op.execute(f"""
        CREATE FUNCTION tickets_tally_rows() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE ticket_checkpoints SET as_of = NULL
            WHERE as_of IS NOT NULL AND EXISTS (
                SELECT 1 FROM changed WHERE changed.team_id = ticket_checkpoints.team_id AND {_counted('changed')});
            RETURN NULL;
        END $$""")
    op.execute("CREATE TRIGGER tickets_tally_inserted AFTER INSERT ON tickets REFERENCING NEW TABLE AS changed "
               "FOR EACH STATEMENT EXECUTE FUNCTION tickets_tally_rows()")
    op.execute("CREATE TRIGGER tickets_tally_deleted AFTER DELETE ON tickets REFERENCING OLD TABLE AS changed "
               "FOR EACH STATEMENT EXECUTE FUNCTION tickets_tally_rows()")
    # Updates (a transition table allows no column list): the row before and after.
    op.execute(f"""
        CREATE FUNCTION tickets_tally_row() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            {_clear('OLD.team_id, NEW.team_id', _moved('IS DISTINCT FROM'))}
            RETURN NULL;
        END $$""")
    op.execute(f"CREATE TRIGGER tickets_tally_updated AFTER UPDATE OF {COUNTED_COLUMNS} ON tickets FOR EACH ROW "
               f"EXECUTE FUNCTION tickets_tally_row()")


def upgrade() -> None:
    op.create_table('ticket_checkpoints',
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('as_of', sa.DateTime(timezone=True), nullable=True),
    sa.Column('window_days', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('team_id', name=op.f('pk_ticket_checkpoints'))
    )
    op.create_table('ticket_tallies',
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('opened', sa.Integer(), nullable=False),
    sa.Column('opened_before', sa.Integer(), nullable=False),
    sa.Column('late', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('team_id', 'customer_id', name=op.f('pk_ticket_tallies')),
    sqlite_with_rowid=False,
    )
    (_postgres_triggers if op.get_bind().dialect.name == "postgresql" else _sqlite_triggers)()


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}" + (" ON tickets" if postgres else ""))
    if postgres:
        op.execute("DROP FUNCTION IF EXISTS tickets_tally_rows()")
        op.execute("DROP FUNCTION IF EXISTS tickets_tally_row()")
    op.drop_table('ticket_tallies')
    op.drop_table('ticket_checkpoints')
