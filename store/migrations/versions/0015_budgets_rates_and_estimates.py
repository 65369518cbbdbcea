"""budgets rates and estimates

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 02:41:08

Time and money (issue 19): budgets in hours and money on services and projects, a project's
completion day, an open deliverable's estimate in hours, people's cost and bill rates, and rates
by role for people who have none of their own. Columns are only added and dropped in place: no
SQLite table is rebuilt, so the triggers on deliverables stay and no row is deleted by a cascade.
"""

import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('role_rates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('role', sa.Enum('member', 'lead', 'ops', name='role', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('cost_rate', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('bill_rate', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.CheckConstraint('bill_rate IS NULL OR bill_rate >= 0', name=op.f('ck_role_rates_bill_rate_not_negative')),
    sa.CheckConstraint('cost_rate IS NULL OR cost_rate >= 0', name=op.f('ck_role_rates_cost_rate_not_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_role_rates')),
    sa.UniqueConstraint('team_id', 'key', name=op.f('uq_role_rates_team_id_key')),
    sa.UniqueConstraint('team_id', 'role', name=op.f('uq_role_rates_team_id_role'))
    )
    with op.batch_alter_table('role_rates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_role_rates_team_id'), ['team_id'], unique=False)

    with op.batch_alter_table('deliverables', schema=None) as batch_op:
        batch_op.add_column(sa.Column('estimate_hours', sa.Numeric(precision=7, scale=2), nullable=True))

    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cost_rate', sa.Numeric(precision=10, scale=2), nullable=True))
        batch_op.add_column(sa.Column('bill_rate', sa.Numeric(precision=10, scale=2), nullable=True))

    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.add_column(sa.Column('completed_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('budget_hours', sa.Numeric(precision=10, scale=2), nullable=True))
        batch_op.add_column(sa.Column('budget_amount', sa.Numeric(precision=14, scale=2), nullable=True))

    with op.batch_alter_table('services', schema=None) as batch_op:
        batch_op.add_column(sa.Column('budget_hours', sa.Numeric(precision=10, scale=2), nullable=True))
        batch_op.add_column(sa.Column('budget_amount', sa.Numeric(precision=14, scale=2), nullable=True))



def downgrade() -> None:
    # Dropped in place (SQLite 3.35+ drops a plain column without rebuilding its table): a batch
    # rebuild would drop `services` and `people`, and with foreign keys on that deletes the rows
    # that refer to them.
    for table, column in (("services", "budget_amount"), ("services", "budget_hours"),
                          ("projects", "budget_amount"), ("projects", "budget_hours"),
                          ("projects", "completed_on"), ("people", "bill_rate"), ("people", "cost_rate"),
                          ("deliverables", "estimate_hours")):
        op.drop_column(table, column)
    with op.batch_alter_table('role_rates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_role_rates_team_id'))
    op.drop_table('role_rates')
