"""an index of deliverables by completion time, and the kept patterns report (issue 22's `/delivery patterns`)

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 19:30:00

`/delivery patterns` counts the deliverables completed in a period (by owner, service and phase, and
whether on time): the team's deliverables by completion time, with what those counts read, so the
answer reads the period's completions only, from the index (and the services' phase), instead of every
done deliverable of the team.

`kept_patterns` keeps the default-length report (one row per team and length) as counted for its period:
past whole weeks change only by bulk writes (an import, the demo), which drop the rows, so answers read
the row instead of counting; the scheduler counts it again when its period has moved on or it is an hour
old.
"""

import sqlalchemy as sa
from alembic import op

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_deliverables_team_completed', 'deliverables',
                    ['team_id', 'completed_at', 'status', 'due_on', 'service_id', 'owner_id'])
    op.create_table('kept_patterns',
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('weeks', sa.Integer(), nullable=False),
    sa.Column('first_day', sa.Date(), nullable=False),
    sa.Column('report', sa.Text(), nullable=False),
    sa.Column('counted_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('team_id', 'weeks', name=op.f('pk_kept_patterns')),
    )


def downgrade() -> None:
    op.drop_table('kept_patterns')
    op.drop_index('ix_deliverables_team_completed', table_name='deliverables')
