"""skills of people and services, and reallocation proposals (issue 21)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 16:00:00

"Find help" ranks who could help a service: among its reasons, the skills the service needs that a
person has. `person_skills` and `service_skills` hold them, one row per (person or service, skill),
the skill's name normalised (trimmed, inner spaces single, lower case); each is read by its team and
skill through `ix_person_skills_team_skill` / `ix_service_skills_team_skill`.

`reallocation_proposals` is a person proposed for a service, hours a week until a day, waiting for
its service's lead or the person's own lead (or ops) to approve or decline it; approved, it points at
the allocation it made. A scheduler's tick reads only the pending ones, by expiry, through the partial
index `ix_reallocation_proposals_pending`.

None of these feeds health or the kept tallies: no trigger marks anything when they change. An approval
writes an allocation and a team member, which no trigger reads either (capacity counts both live).
"""

import sqlalchemy as sa
from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

PENDING = "status = 'pending'"


def upgrade() -> None:
    op.create_table('person_skills',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('skill', sa.String(length=64), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_person_skills_person_id_people'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('person_id', 'skill', name=op.f('pk_person_skills')),
    )
    op.create_index('ix_person_skills_team_skill', 'person_skills', ['team_id', 'skill', 'person_id'], unique=False)
    op.create_table('service_skills',
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('skill', sa.String(length=64), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_service_skills_service_id_services'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('service_id', 'skill', name=op.f('pk_service_skills')),
    )
    op.create_index('ix_service_skills_team_skill', 'service_skills', ['team_id', 'skill', 'service_id'],
                    unique=False)
    op.create_table('reallocation_proposals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('hours_per_week', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('status', sa.Enum('pending', 'approved', 'declined', 'expired', name='proposalstatus',
                                native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('proposed_by_id', sa.Integer(), nullable=True),
    sa.Column('proposed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('allocation_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.CheckConstraint('ends_on >= starts_on', name=op.f('ck_reallocation_proposals_ends_after_it_starts')),
    sa.CheckConstraint('hours_per_week > 0 AND hours_per_week <= 168',
                       name=op.f('ck_reallocation_proposals_hours_in_a_week')),
    sa.ForeignKeyConstraint(['allocation_id'], ['allocations.id'],
                            name=op.f('fk_reallocation_proposals_allocation_id_allocations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['people.id'],
                            name=op.f('fk_reallocation_proposals_decided_by_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_reallocation_proposals_person_id_people'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposed_by_id'], ['people.id'],
                            name=op.f('fk_reallocation_proposals_proposed_by_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'],
                            name=op.f('fk_reallocation_proposals_service_id_services'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reallocation_proposals')),
    )
    with op.batch_alter_table('reallocation_proposals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reallocation_proposals_team_id'), ['team_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reallocation_proposals_service_id'), ['service_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reallocation_proposals_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reallocation_proposals_proposed_by_id'), ['proposed_by_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_reallocation_proposals_decided_by_id'), ['decided_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reallocation_proposals_allocation_id'), ['allocation_id'], unique=False)
    op.create_index('ix_reallocation_proposals_pending', 'reallocation_proposals', ['team_id', 'expires_at'],
                    unique=False, sqlite_where=sa.text(PENDING), postgresql_where=sa.text(PENDING))


def downgrade() -> None:
    op.drop_index('ix_reallocation_proposals_pending', table_name='reallocation_proposals')
    with op.batch_alter_table('reallocation_proposals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reallocation_proposals_allocation_id'))
        batch_op.drop_index(batch_op.f('ix_reallocation_proposals_decided_by_id'))
        batch_op.drop_index(batch_op.f('ix_reallocation_proposals_proposed_by_id'))
        batch_op.drop_index(batch_op.f('ix_reallocation_proposals_person_id'))
        batch_op.drop_index(batch_op.f('ix_reallocation_proposals_service_id'))
        batch_op.drop_index(batch_op.f('ix_reallocation_proposals_team_id'))
    op.drop_table('reallocation_proposals')
    op.drop_index('ix_service_skills_team_skill', table_name='service_skills')
    op.drop_table('service_skills')
    op.drop_index('ix_person_skills_team_skill', table_name='person_skills')
    op.drop_table('person_skills')
