"""indexes for the open milestones and their deliverables

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 06:55:00

The health rules read the open milestones due by a day and count each one's deliverables done:
an index on (team, done_on, due_on) finds the open ones without reading the 90% that are done
or far off, and (milestone_id, status), in place of the index on milestone_id alone, counts
deliverables from the index. At 10,000 services the statement went from 27 to 6 ms on SQLite.
"""

from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('milestones', schema=None) as batch_op:
        batch_op.create_index('ix_milestones_team_done_due', ['team_id', 'done_on', 'due_on'], unique=False)

    with op.batch_alter_table('deliverables', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deliverables_milestone_id'))
        batch_op.create_index('ix_deliverables_milestone_status', ['milestone_id', 'status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('deliverables', schema=None) as batch_op:
        batch_op.drop_index('ix_deliverables_milestone_status')
        batch_op.create_index(batch_op.f('ix_deliverables_milestone_id'), ['milestone_id'], unique=False)

    with op.batch_alter_table('milestones', schema=None) as batch_op:
        batch_op.drop_index('ix_milestones_team_done_due')
