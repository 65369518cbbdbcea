"""forecast to slip: mark services whose throughput moves, and the slip warnings ledger

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 15:30:00

A milestone whose 85% forecast date passes the week it is due is a health finding (issue 20). The
forecast reads the service's completions per week (its deliverables' status and completion time,
whichever milestone they belong to) and when the service was created (how many history weeks count),
so kept health (migration 0010) must hear of those changes too. Only services with an open milestone
are marked: a service without one has nothing to forecast, so its rows mark nothing and bulk loads of
them stay as fast. The milestones' own changes already mark (0010).

`slip_warnings` is the lead's warning's ledger: one row per milestone, claimed before the post, with
what the message shows of the forecast, so it is posted once and updated in place as the forecast moves.

On PostgreSQL, inserts and deletes of deliverables mark once per statement (from its transition
table), updates once per row, as in migrations 0010 and 0017.
"""

import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

UPSERT = ("INSERT INTO health_changes (team_id, service_id, mark) {rows} "
          "ON CONFLICT (team_id, service_id) DO UPDATE SET mark = health_changes.mark + 1;")
WITH_OPEN_MILESTONE = "EXISTS (SELECT 1 FROM milestones m WHERE m.service_id = s.id AND m.done_on IS NULL)"
THROUGHPUT = "status, completed_at, service_id, team_id"
NAMES = ("deliverables_forecast_inserted", "deliverables_forecast_deleted", "deliverables_forecast_updated")


def _forecast_of(row: str, source: str) -> str:
    """SELECT of the (team, service) pairs of `row`s on a service with an open milestone."""
    return (f"SELECT s.team_id AS team_id, s.id AS service_id FROM {source} JOIN services s "
            f"ON s.id = {row}.service_id WHERE {WITH_OPEN_MILESTONE}")


def _mark(pairs: str) -> str:
    return UPSERT.format(rows=f"SELECT DISTINCT team_id, service_id, 1 FROM ({pairs}) AS pairs WHERE TRUE")


SERVICE_ITSELF = "SELECT NEW.team_id AS team_id, NEW.id AS service_id"


def _sqlite() -> None:
    inserted, deleted, updated = NAMES
    one = "(SELECT 1) AS one"
    op.execute(f"CREATE TRIGGER {inserted} AFTER INSERT ON deliverables "
               f"BEGIN {_mark(_forecast_of('NEW', one))} END")
    op.execute(f"CREATE TRIGGER {deleted} AFTER DELETE ON deliverables "
               f"BEGIN {_mark(_forecast_of('OLD', one))} END")
    op.execute(f"CREATE TRIGGER {updated} AFTER UPDATE OF {THROUGHPUT} ON deliverables "
               f"BEGIN {_mark(_forecast_of('OLD', one))} {_mark(_forecast_of('NEW', one))} END")
    op.execute("CREATE TRIGGER services_forecast_updated AFTER UPDATE OF created_at ON services "
               f"BEGIN {_mark(SERVICE_ITSELF)} END")


def _postgres_function(name: str, body: str) -> None:
    op.execute(f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
               f"BEGIN {body} RETURN NULL; END $$")


def _postgres() -> None:
    inserted, deleted, updated = NAMES
    _postgres_function("deliverables_forecast_rows", _mark(_forecast_of("changed", "changed")))
    op.execute(f"CREATE TRIGGER {inserted} AFTER INSERT ON deliverables REFERENCING NEW TABLE AS changed "
               "FOR EACH STATEMENT EXECUTE FUNCTION deliverables_forecast_rows()")
    op.execute(f"CREATE TRIGGER {deleted} AFTER DELETE ON deliverables REFERENCING OLD TABLE AS changed "
               "FOR EACH STATEMENT EXECUTE FUNCTION deliverables_forecast_rows()")
    one = "(SELECT 1) AS one"
    _postgres_function("deliverables_forecast_row",
                       _mark(f"{_forecast_of('OLD', one)} UNION {_forecast_of('NEW', one)}"))
    op.execute(f"CREATE TRIGGER {updated} AFTER UPDATE OF {THROUGHPUT} ON deliverables FOR EACH ROW "
               "EXECUTE FUNCTION deliverables_forecast_row()")
    _postgres_function("services_forecast_row", _mark(SERVICE_ITSELF))
    op.execute("CREATE TRIGGER services_forecast_updated AFTER UPDATE OF created_at ON services FOR EACH ROW "
               "EXECUTE FUNCTION services_forecast_row()")


def upgrade() -> None:
    op.create_table('slip_warnings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('milestone_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('error', sa.String(length=200), nullable=True),
    sa.Column('shown', sa.String(length=64), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_by', sa.String(length=64), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reported_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['milestone_id'], ['milestones.id'],
                            name=op.f('fk_slip_warnings_milestone_id_milestones'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_slip_warnings')),
    sa.UniqueConstraint('milestone_id', name=op.f('uq_slip_warnings_milestone_id')),
    )
    op.create_index('ix_slip_warnings_team_status', 'slip_warnings', ['team_id', 'status'], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        _postgres()
    else:
        _sqlite()


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for name, table in ((NAMES[0], "deliverables"), (NAMES[1], "deliverables"), (NAMES[2], "deliverables"),
                        ("services_forecast_updated", "services")):
        op.execute(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if postgres else ""))
    if postgres:
        for function in ("deliverables_forecast_rows", "deliverables_forecast_row", "services_forecast_row"):
            op.execute(f"DROP FUNCTION IF EXISTS {function}()")
    op.drop_index('ix_slip_warnings_team_status', table_name='slip_warnings')
    op.drop_table('slip_warnings')
