"""the delivery ledger: who claimed a delivery, and when ops were told of it

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 23:00:00

Several schedulers now share the fan-out (each claims batches of due deliveries), a claim left
pending by a process that died becomes `uncertain`, and ops hear of failed and uncertain deliveries
once, in one summary per run. `claimed_by` names the claiming process; `reported_at` marks what ops
were told. Failures recorded before this revision were told one by one as they happened, so they
count as told.
"""

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('digest_deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('reported_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_digest_deliveries_team_status', ['team_id', 'status'], unique=False)
    op.execute("UPDATE digest_deliveries SET reported_at = coalesce(finished_at, claimed_at) WHERE status = 'failed'")


def downgrade() -> None:
    with op.batch_alter_table('digest_deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_digest_deliveries_team_status')
        batch_op.drop_column('reported_at')
        batch_op.drop_column('claimed_by')
