"""versions and posted messages

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 04:40:37.445089
"""

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('posted_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('channel_id', sa.String(length=32), nullable=False),
    sa.Column('ts', sa.String(length=32), nullable=False),
    sa.Column('view', sa.String(length=200), nullable=False),
    sa.Column('viewer_slack_user_id', sa.String(length=32), nullable=True),
    sa.Column('posted_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_posted_messages')),
    sa.UniqueConstraint('team_id', 'channel_id', 'ts', name=op.f('uq_posted_messages_team_id_channel_id_ts'))
    )
    with op.batch_alter_table('posted_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_posted_messages_team_id'), ['team_id'], unique=False)

    op.create_table('posted_message_objects',
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('object_type', sa.String(length=32), nullable=False),
    sa.Column('object_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['posted_messages.id'], name=op.f('fk_posted_message_objects_message_id_posted_messages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('message_id', 'object_type', 'object_id', name=op.f('pk_posted_message_objects'))
    )
    with op.batch_alter_table('posted_message_objects', schema=None) as batch_op:
        batch_op.create_index('ix_posted_message_objects_object', ['object_type', 'object_id'], unique=False)

    with op.batch_alter_table('deliverables', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expected_unblock_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))

    with op.batch_alter_table('services', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))

    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('resolution_note', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))




def downgrade() -> None:

    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_column('version')
        batch_op.drop_column('resolution_note')

    with op.batch_alter_table('services', schema=None) as batch_op:
        batch_op.drop_column('version')

    with op.batch_alter_table('deliverables', schema=None) as batch_op:
        batch_op.drop_column('version')
        batch_op.drop_column('expected_unblock_on')

    with op.batch_alter_table('posted_message_objects', schema=None) as batch_op:
        batch_op.drop_index('ix_posted_message_objects_object')

    op.drop_table('posted_message_objects')
    with op.batch_alter_table('posted_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_posted_messages_team_id'))

    op.drop_table('posted_messages')

