"""deliverable snoozes and the escalation ladder (issue 21)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 16:00:00

A blocked deliverable can be snoozed until a day someone chose, with their reason: `deliverable_snoozes`,
one row per deliverable, holding the blocked episode it was set in (`blocked_since`) and the ledger of the
DM that tells its owner it came back (`return_*`, claimed before posting). A scheduler's tick finds the
ended snoozes through the partial index `ix_deliverable_snoozes_unreturned`, which holds only those whose
return nobody has claimed.

A deliverable blocked for days escalates step by step: `escalation_steps` is the ledger, one row per
(deliverable, blocked episode, step), claimed before anything is posted. A tick reads the blocked
deliverables through the new partial index `ix_deliverables_blocked` (status blocked, by blocked_since:
only those blocked long enough for a step), and the deliverables unblocked since a step was posted through
`ix_escalation_steps_unsettled` (the steps that may have left a message not yet drawn as ended).

Nothing here changes a deliverable's row, so the deliverables' health and count triggers (0010, 0017,
0019) are untouched: a snoozed or escalated deliverable counts as blocked as before. The new index on
`deliverables` is created in place (no table rebuild), so its triggers stay.
"""

import sqlalchemy as sa
from alembic import op

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

BLOCKED = "status = 'blocked'"
UNRETURNED = "return_status IS NULL"
UNSETTLED = "status IN ('sent', 'failed', 'uncertain') AND settled_at IS NULL"


def upgrade() -> None:
    op.create_index('ix_deliverables_blocked', 'deliverables', ['team_id', 'blocked_since'], unique=False,
                    sqlite_where=sa.text(BLOCKED), postgresql_where=sa.text(BLOCKED))
    op.create_table('deliverable_snoozes',
    sa.Column('deliverable_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('blocked_since', sa.DateTime(timezone=True), nullable=False),
    sa.Column('until', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('snoozed_by_id', sa.Integer(), nullable=True),
    sa.Column('snoozed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('return_status', sa.String(length=16), nullable=True),
    sa.Column('return_error', sa.String(length=200), nullable=True),
    sa.Column('return_claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('return_claimed_by', sa.String(length=64), nullable=True),
    sa.Column('return_finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['deliverable_id'], ['deliverables.id'],
                            name=op.f('fk_deliverable_snoozes_deliverable_id_deliverables'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['snoozed_by_id'], ['people.id'], name=op.f('fk_deliverable_snoozes_snoozed_by_id_people'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('deliverable_id', name=op.f('pk_deliverable_snoozes')),
    )
    op.create_index(op.f('ix_deliverable_snoozes_snoozed_by_id'), 'deliverable_snoozes', ['snoozed_by_id'],
                    unique=False)
    op.create_index('ix_deliverable_snoozes_unreturned', 'deliverable_snoozes', ['team_id', 'until'], unique=False,
                    sqlite_where=sa.text(UNRETURNED), postgresql_where=sa.text(UNRETURNED))
    op.create_table('escalation_steps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('deliverable_id', sa.Integer(), nullable=False),
    sa.Column('blocked_since', sa.DateTime(timezone=True), nullable=False),
    sa.Column('step', sa.Integer(), nullable=False),
    sa.Column('told_id', sa.Integer(), nullable=True),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('error', sa.String(length=200), nullable=True),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_by', sa.String(length=64), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('settled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reported_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['deliverable_id'], ['deliverables.id'],
                            name=op.f('fk_escalation_steps_deliverable_id_deliverables'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['people.id'],
                            name=op.f('fk_escalation_steps_requested_by_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['told_id'], ['people.id'], name=op.f('fk_escalation_steps_told_id_people'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_escalation_steps')),
    sa.UniqueConstraint('deliverable_id', 'blocked_since', 'step',
                        name=op.f('uq_escalation_steps_deliverable_id_blocked_since_step')),
    )
    op.create_index(op.f('ix_escalation_steps_told_id'), 'escalation_steps', ['told_id'], unique=False)
    op.create_index(op.f('ix_escalation_steps_requested_by_id'), 'escalation_steps', ['requested_by_id'],
                    unique=False)
    op.create_index('ix_escalation_steps_team_status', 'escalation_steps', ['team_id', 'status'], unique=False)
    op.create_index('ix_escalation_steps_unsettled', 'escalation_steps', ['team_id', 'deliverable_id'], unique=False,
                    sqlite_where=sa.text(UNSETTLED), postgresql_where=sa.text(UNSETTLED))


def downgrade() -> None:
    op.drop_index('ix_escalation_steps_unsettled', table_name='escalation_steps')
    op.drop_index('ix_escalation_steps_team_status', table_name='escalation_steps')
    op.drop_index(op.f('ix_escalation_steps_requested_by_id'), table_name='escalation_steps')
    op.drop_index(op.f('ix_escalation_steps_told_id'), table_name='escalation_steps')
    op.drop_table('escalation_steps')
    op.drop_index('ix_deliverable_snoozes_unreturned', table_name='deliverable_snoozes')
    op.drop_index(op.f('ix_deliverable_snoozes_snoozed_by_id'), table_name='deliverable_snoozes')
    op.drop_table('deliverable_snoozes')
    op.drop_index('ix_deliverables_blocked', table_name='deliverables')
