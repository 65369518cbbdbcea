"""time entries and time off

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 23:45:14

Where people's hours went (issue 19): time entries from timesheets (a person, a day, hours, billable
or not, on a service and project or on internal work) and time off (a person away from a day to a
day, some hours of each working day). Utilization is read from them; the covering index holds a
week's hours per person without reading rows.
"""

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('time_off',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('hours_per_day', sa.Numeric(precision=4, scale=2), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.CheckConstraint('ends_on >= starts_on', name=op.f('ck_time_off_ends_after_it_starts')),
    sa.CheckConstraint('hours_per_day > 0 AND hours_per_day <= 24', name=op.f('ck_time_off_hours_in_a_day')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_time_off_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_time_off')),
    sa.UniqueConstraint('team_id', 'key', name=op.f('uq_time_off_team_id_key'))
    )
    with op.batch_alter_table('time_off', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_time_off_person_id'), ['person_id'], unique=False)
        batch_op.create_index('ix_time_off_team_ends', ['team_id', 'ends_on', 'starts_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_time_off_team_id'), ['team_id'], unique=False)

    op.create_table('time_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=True),
    sa.Column('project_id', sa.Integer(), nullable=True),
    sa.Column('worked_on', sa.Date(), nullable=False),
    sa.Column('hours', sa.Numeric(precision=4, scale=2), nullable=False),
    sa.Column('billable', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('source', sa.String(length=32), nullable=True),
    sa.CheckConstraint('hours > 0 AND hours <= 24', name=op.f('ck_time_entries_hours_in_a_day')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_time_entries_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_time_entries_project_id_projects'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_time_entries_service_id_services'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_time_entries')),
    sa.UniqueConstraint('team_id', 'key', name=op.f('uq_time_entries_team_id_key'))
    )
    with op.batch_alter_table('time_entries', schema=None) as batch_op:
        batch_op.create_index('ix_time_entries_person_day', ['person_id', 'worked_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_time_entries_project_id'), ['project_id'], unique=False)
        batch_op.create_index('ix_time_entries_service_day', ['service_id', 'worked_on'], unique=False)
        batch_op.create_index('ix_time_entries_team_day_person', ['team_id', 'worked_on', 'person_id', 'billable', 'hours'], unique=False)
        batch_op.create_index(batch_op.f('ix_time_entries_team_id'), ['team_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('time_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_time_entries_team_id'))
        batch_op.drop_index('ix_time_entries_team_day_person')
        batch_op.drop_index('ix_time_entries_service_day')
        batch_op.drop_index(batch_op.f('ix_time_entries_project_id'))
        batch_op.drop_index('ix_time_entries_person_day')

    op.drop_table('time_entries')
    with op.batch_alter_table('time_off', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_time_off_team_id'))
        batch_op.drop_index('ix_time_off_team_ends')
        batch_op.drop_index(batch_op.f('ix_time_off_person_id'))

    op.drop_table('time_off')
