"""SLA warnings: each open ticket's next threshold (kept by store.sla) and the warnings ledger

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 13:00:00

Issue 20 warns of a ticket at 50% and 75% of its SLA and at its breach. A scheduler's tick must find
what crossed a threshold since the last one without reading every ticket: `sla_marks` holds each open
ticket's next threshold and its instant (computed in Python, working hours included), read through
`ix_sla_marks_team_at`. The marks are derived: `sla_schedules` says by which policy they were computed,
and a team without a row there (a new database, or after a bulk load) has them computed again at the
next tick. `ticket_warnings` is the ledger: one row per (ticket, threshold), claimed before posting.
`ticket_snoozes` holds a ticket's warnings until a time someone chose, with their reason;
`warning_mutes` keeps someone's DMs about one service's tickets quiet for a week; `held_warnings`
lists the warnings not posted (quiet hours, a mute, a channel's hourly budget), for the morning digest,
the channel's hourly summary and at-risk.
"""

import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sla_marks',
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_sla_marks_ticket_id_tickets'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('ticket_id', name=op.f('pk_sla_marks')),
    )
    op.create_index('ix_sla_marks_team_at', 'sla_marks', ['team_id', 'at'], unique=False)
    op.create_table('sla_schedules',
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('fingerprint', sa.String(length=200), nullable=False),
    sa.Column('scheduled_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_ticket_id', sa.Integer(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('team_id', name=op.f('pk_sla_schedules')),
    )
    op.create_table('ticket_warnings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('crossed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('error', sa.String(length=200), nullable=True),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_by', sa.String(length=64), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_warnings_ticket_id_tickets'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_warnings')),
    sa.UniqueConstraint('team_id', 'ticket_id', 'level', name=op.f('uq_ticket_warnings_team_id_ticket_id_level')),
    )
    op.create_index('ix_ticket_warnings_team_status', 'ticket_warnings', ['team_id', 'status'], unique=False)
    op.create_table('ticket_snoozes',
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('until', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('snoozed_by_id', sa.Integer(), nullable=True),
    sa.Column('snoozed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['snoozed_by_id'], ['people.id'], name=op.f('fk_ticket_snoozes_snoozed_by_id_people'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_snoozes_ticket_id_tickets'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('ticket_id', name=op.f('pk_ticket_snoozes')),
    )


    op.create_table('held_warnings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('place', sa.String(length=32), nullable=False),
    sa.Column('reason', sa.String(length=16), nullable=False),
    sa.Column('held_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_held_warnings_ticket_id_tickets'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_held_warnings')),
    )
    op.create_index('ix_held_warnings_team_held', 'held_warnings', ['team_id', 'held_at'], unique=False)
    op.create_index('ix_held_warnings_team_place', 'held_warnings', ['team_id', 'place', 'held_at'], unique=False)
    op.create_index(op.f('ix_held_warnings_ticket_id'), 'held_warnings', ['ticket_id'], unique=False)
    op.create_table('warning_mutes',
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('slack_user_id', sa.String(length=32), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('until', sa.DateTime(timezone=True), nullable=False),
    sa.Column('muted_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_warning_mutes_service_id_services'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('team_id', 'slack_user_id', 'service_id', name=op.f('pk_warning_mutes')),
    )


def downgrade() -> None:
    op.drop_table('warning_mutes')
    op.drop_index(op.f('ix_held_warnings_ticket_id'), table_name='held_warnings')
    op.drop_index('ix_held_warnings_team_place', table_name='held_warnings')
    op.drop_index('ix_held_warnings_team_held', table_name='held_warnings')
    op.drop_table('held_warnings')
    op.drop_table('ticket_snoozes')
    op.drop_index('ix_ticket_warnings_team_status', table_name='ticket_warnings')
    op.drop_table('ticket_warnings')
    op.drop_table('sla_schedules')
    op.drop_index('ix_sla_marks_team_at', table_name='sla_marks')
    op.drop_table('sla_marks')
