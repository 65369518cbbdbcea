"""SLA warnings' follow-up: ops told of failures once, and resolved tickets' warnings drawn again once

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-08 10:00:00

`ticket_warnings.reported_at` is when ops were told of a failed or uncertain warning, in the summary a
scheduler's tick sends with the digests' (as `digest_deliveries.reported_at`, migration 0011).
`ticket_warnings.resolution_shown_at` is when the ticket's posted warnings were drawn again showing it
resolved: at once by the click that resolved it, else (an import, any other write) by the next tick.

Both are read through partial indexes holding only the rows still to do, so a tick never reads every
ticket nor every warning: `ix_ticket_warnings_unsettled` the warnings that may have left a message in
Slack and whose ticket's messages were not drawn as resolved yet, `ix_ticket_warnings_untold` the
failures ops were not told of. Warnings already in the ledger start untold and unsettled: ops hear of
the old failures once, and the messages of tickets resolved before this migration are drawn again once.
"""

import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

UNSETTLED = "status IN ('sent', 'failed', 'uncertain') AND resolution_shown_at IS NULL"
UNTOLD = "status IN ('failed', 'uncertain') AND reported_at IS NULL"


def upgrade() -> None:
    op.add_column('ticket_warnings', sa.Column('reported_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('ticket_warnings', sa.Column('resolution_shown_at', sa.DateTime(timezone=True), nullable=True))
    op.create_index('ix_ticket_warnings_unsettled', 'ticket_warnings', ['team_id', 'ticket_id'], unique=False,
                    sqlite_where=sa.text(UNSETTLED), postgresql_where=sa.text(UNSETTLED))
    op.create_index('ix_ticket_warnings_untold', 'ticket_warnings', ['team_id', 'id'], unique=False,
                    sqlite_where=sa.text(UNTOLD), postgresql_where=sa.text(UNTOLD))


def downgrade() -> None:
    op.drop_index('ix_ticket_warnings_untold', table_name='ticket_warnings')
    op.drop_index('ix_ticket_warnings_unsettled', table_name='ticket_warnings')
    with op.batch_alter_table('ticket_warnings') as batch_op:
        batch_op.drop_column('resolution_shown_at')
        batch_op.drop_column('reported_at')
