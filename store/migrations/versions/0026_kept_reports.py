"""kept reports: the kept patterns report and the trends' past weeks in one table

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 23:00:00

`kept_patterns` (0024) kept `/delivery patterns`' default report per team; `/delivery trends` held the
figures of its past weeks in each process's memory for ten minutes, so every process (each web replica)
counted them again itself, most of a second each time, and a bulk write reached them only when that
time ran out. Both are now rows of `kept_reports` (store/queries/kept_reports.py): one per team, report
and length, with the period and rules it was counted for. Bulk writes drop a team's rows, the scheduler
counts them again, and every process reads the same row. Kept rows are derived: none is carried over.
"""

import sqlalchemy as sa
from alembic import op

revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('kept_reports',
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('report', sa.String(length=32), nullable=False),
    sa.Column('weeks', sa.Integer(), nullable=False),
    sa.Column('first_day', sa.Date(), nullable=False),
    sa.Column('rules', sa.String(length=255), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('counted_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('team_id', 'report', 'weeks', name=op.f('pk_kept_reports')),
    )
    op.drop_table('kept_patterns')


def downgrade() -> None:
    op.create_table('kept_patterns',
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('weeks', sa.Integer(), nullable=False),
    sa.Column('first_day', sa.Date(), nullable=False),
    sa.Column('report', sa.Text(), nullable=False),
    sa.Column('counted_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('team_id', 'weeks', name=op.f('pk_kept_patterns')),
    )
    op.drop_table('kept_reports')
