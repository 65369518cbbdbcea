"""blocker categories and the charts choice of a subscription (issue 22)

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 19:00:00

A blocked deliverable says what kind of blocker holds it (`deliverables.blocked_category`, a
store.enums.BlockerCategory value), and the audit trail keeps the category of each block
(`status_changes.blocker_category`), so that `/delivery patterns` can count blocked days by category for
any past period. Rows written before this migration have none, and read as "other".

A subscription says whether its digest attaches charts (`digest_subscriptions.charts`): on by default,
so the weekly portfolio and patterns digests show them; a digest without charts, or whose upload fails,
is text only.

Columns are added in place (no table rebuild), so the deliverables' triggers stay.
"""

import sqlalchemy as sa
from alembic import op

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('deliverables', sa.Column('blocked_category', sa.String(length=32), nullable=True))
    op.add_column('status_changes', sa.Column('blocker_category', sa.String(length=32), nullable=True))
    op.add_column('digest_subscriptions', sa.Column('charts', sa.Boolean(), server_default=sa.true(),
                                                    nullable=False))


def downgrade() -> None:
    op.drop_column('digest_subscriptions', 'charts')
    op.drop_column('status_changes', 'blocker_category')
    op.drop_column('deliverables', 'blocked_category')
