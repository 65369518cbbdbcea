"""hours logged per team, week, person and service, kept by triggers on time entries

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 02:20:00

Utilization reads a week's logged and billable hours for every person (`/delivery capacity`, the
weekly digest): at 10,000 services that grouped some 35,000 time entries a week, 44 ms on SQLite.
These sums make it a few thousand rows in key order. Each insert, delete or update of a time
entry's team, person, service, day, hours or billable flag moves its week's sums in the same
transaction, so they are exact at every commit (rounded to the hundredth, as hours are: SQLite adds
them as floating point); sums that reach zero are removed. Internal time
(no service) is kept under service 0. The week of a day is its Monday (a day is already the
organisation's date). Filled here from the time entries already stored.

A later migration that rebuilds the time entries table (a SQLite batch operation) drops its
triggers: it must create them again (tests/test_weekly_hours.py would fail otherwise).
"""

import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

WATCHED_COLUMNS = "team_id, person_id, service_id, worked_on, hours, billable"
TRIGGERS = ("time_entries_summed_inserted", "time_entries_summed_deleted", "time_entries_summed_updated")
SQLITE_MONDAY = "date({row}.worked_on, 'weekday 0', '-6 days')"
POSTGRES_MONDAY = "CAST(date_trunc('week', {row}.worked_on) AS date)"


def _move(row: str, sign: str, monday: str) -> str:
    """Add (`sign` +) or take away (`sign` -) `row`'s hours to its week's sums."""
    week = monday.format(row=row)
    billable = f"CASE WHEN {row}.billable THEN {row}.hours ELSE 0 END"
    return (f"INSERT INTO weekly_hours (team_id, week_on, person_id, service_id, hours, billable_hours) "
            f"VALUES ({row}.team_id, {week}, {row}.person_id, coalesce({row}.service_id, 0), "
            f"{sign}{row}.hours, {sign}({billable})) "
            f"ON CONFLICT (team_id, week_on, person_id, service_id) DO UPDATE SET "
            f"hours = round(weekly_hours.hours + excluded.hours, 2), "
            f"billable_hours = round(weekly_hours.billable_hours + excluded.billable_hours, 2);")


def _drop_empty(row: str, monday: str) -> str:
    week = monday.format(row=row)
    return (f"DELETE FROM weekly_hours WHERE team_id = {row}.team_id AND week_on = {week} "
            f"AND person_id = {row}.person_id AND service_id = coalesce({row}.service_id, 0) AND hours <= 0;")


def _sqlite_triggers() -> None:
    m = SQLITE_MONDAY
    op.execute(f"CREATE TRIGGER time_entries_summed_inserted AFTER INSERT ON time_entries "
               f"BEGIN {_move('NEW', '', m)} END")
    op.execute(f"CREATE TRIGGER time_entries_summed_deleted AFTER DELETE ON time_entries "
               f"BEGIN {_move('OLD', '-', m)} {_drop_empty('OLD', m)} END")
    op.execute(f"CREATE TRIGGER time_entries_summed_updated AFTER UPDATE OF {WATCHED_COLUMNS} ON time_entries "
               f"BEGIN {_move('OLD', '-', m)} {_drop_empty('OLD', m)} {_move('NEW', '', m)} END")


def _postgres_triggers() -> None:
    m = POSTGRES_MONDAY
    op.execute(f"""
        CREATE FUNCTION time_entries_summed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP <> 'INSERT' THEN {_move('OLD', '-', m)} {_drop_empty('OLD', m)} END IF;
            IF TG_OP <> 'DELETE' THEN {_move('NEW', '', m)} END IF;
            RETURN NULL;
        END $$""")
    for name, event in zip(TRIGGERS, ("INSERT", "DELETE", f"UPDATE OF {WATCHED_COLUMNS}"), strict=True):
        op.execute(f"CREATE TRIGGER {name} AFTER {event} ON time_entries FOR EACH ROW "
                   f"EXECUTE FUNCTION time_entries_summed()")


def upgrade() -> None:
    op.create_table('weekly_hours',
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('week_on', sa.Date(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('hours', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('billable_hours', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.PrimaryKeyConstraint('team_id', 'week_on', 'person_id', 'service_id', name=op.f('pk_weekly_hours')),
    sqlite_with_rowid=False,
    )
    postgres = op.get_bind().dialect.name == "postgresql"
    monday = (POSTGRES_MONDAY if postgres else SQLITE_MONDAY).format(row="time_entries")
    op.execute(f"INSERT INTO weekly_hours (team_id, week_on, person_id, service_id, hours, billable_hours) "
               f"SELECT team_id, {monday}, person_id, coalesce(service_id, 0), sum(hours), "
               f"sum(CASE WHEN billable THEN hours ELSE 0 END) FROM time_entries "
               f"GROUP BY team_id, {monday}, person_id, coalesce(service_id, 0)")
    if postgres:
        _postgres_triggers()
    else:
        _sqlite_triggers()


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}" + (" ON time_entries" if postgres else ""))
    if postgres:
        op.execute("DROP FUNCTION IF EXISTS time_entries_summed()")
    op.drop_table('weekly_hours')
