"""allocations

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 01:39:44

Hours a week a person is planned to work on a service, over a span of days (issue 19): with
appointments, what is scheduled ahead, so that capacity can say who has room next week.
"""

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('allocations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('hours_per_week', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.CheckConstraint('ends_on IS NULL OR ends_on >= starts_on', name=op.f('ck_allocations_ends_after_it_starts')),
    sa.CheckConstraint('hours_per_week > 0 AND hours_per_week <= 168', name=op.f('ck_allocations_hours_in_a_week')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_allocations_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_allocations_service_id_services'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_allocations')),
    sa.UniqueConstraint('team_id', 'key', name=op.f('uq_allocations_team_id_key'))
    )
    with op.batch_alter_table('allocations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_allocations_service_id'), ['service_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_allocations_team_id'), ['team_id'], unique=False)
        batch_op.create_index('ix_allocations_team_person', ['team_id', 'person_id', 'starts_on', 'ends_on', 'hours_per_week'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('allocations', schema=None) as batch_op:
        batch_op.drop_index('ix_allocations_team_person')
        batch_op.drop_index(batch_op.f('ix_allocations_team_id'))
        batch_op.drop_index(batch_op.f('ix_allocations_service_id'))

    op.drop_table('allocations')
