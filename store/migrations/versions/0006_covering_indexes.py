"""covering indexes for the portfolio queries

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 20:11:05.090688

Indexes that hold every column their queries read (the deliverable tally, customer sessions per
service, hours per person, the tickets' week and breakdown), so those queries scan an index range and
never visit the rows; and one index in place of two where one was a prefix of the other.
"""

from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appointments_team_starts'))
        batch_op.create_index('ix_appointments_service_kind_starts', ['service_id', 'kind', 'starts_at'], unique=False)
        batch_op.create_index('ix_appointments_team_starts_person', ['team_id', 'starts_at', 'person_id', 'kind', 'duration_minutes'], unique=False)

    with op.batch_alter_table('deliverables', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deliverables_service_status'))
        batch_op.create_index('ix_deliverables_service_status_due', ['service_id', 'status', 'due_on'], unique=False)
        batch_op.create_index('ix_deliverables_team_status_due', ['team_id', 'status', 'due_on'], unique=False)

    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tickets_team_open_due'))
        batch_op.drop_index(batch_op.f('ix_tickets_team_resolved'))
        batch_op.drop_index(batch_op.f('ix_tickets_team_opened'))
        batch_op.drop_index(batch_op.f('ix_tickets_service_id'))
        batch_op.create_index('ix_tickets_service_resolved', ['service_id', 'resolved_at'], unique=False)
        batch_op.create_index('ix_tickets_team_opened_groups', ['team_id', 'opened_at', 'customer_id', 'owner_id', 'type'], unique=False)
        batch_op.create_index('ix_tickets_team_resolved_due', ['team_id', 'resolved_at', 'due_at', 'opened_at', 'customer_id', 'owner_id', 'type'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index('ix_tickets_team_resolved_due')
        batch_op.drop_index('ix_tickets_team_opened_groups')
        batch_op.drop_index('ix_tickets_service_resolved')
        batch_op.create_index(batch_op.f('ix_tickets_service_id'), ['service_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tickets_team_opened'), ['team_id', 'opened_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_tickets_team_resolved'), ['team_id', 'resolved_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_tickets_team_open_due'), ['team_id', 'resolved_at', 'due_at'], unique=False)

    with op.batch_alter_table('deliverables', schema=None) as batch_op:
        batch_op.drop_index('ix_deliverables_team_status_due')
        batch_op.drop_index('ix_deliverables_service_status_due')
        batch_op.create_index(batch_op.f('ix_deliverables_service_status'), ['service_id', 'status'], unique=False)

    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.drop_index('ix_appointments_team_starts_person')
        batch_op.drop_index('ix_appointments_service_kind_starts')
        batch_op.create_index(batch_op.f('ix_appointments_team_starts'), ['team_id', 'starts_at'], unique=False)

