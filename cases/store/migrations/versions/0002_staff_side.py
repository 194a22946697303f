"""Staff side: staff accounts and sessions, canned replies, chases, surveys, alerts, reports, live handoff,
assignment, escalation, scheduling and duplicates of cases, buttons and urgency of pushes.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

import cases.models

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('report_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=16), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('department', sa.String(length=200), nullable=False),
    sa.Column('created_at', cases.models.UTCDateTime(), nullable=False),
    sa.Column('pushed_at', cases.models.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('period', 'period_start', 'department')
    )
    op.create_table('staff_users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('password_hash', sa.String(length=300), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('department', sa.String(length=200), nullable=True),
    sa.Column('telegram_chat_id', sa.String(length=128), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', cases.models.UTCDateTime(), nullable=False),
    sa.Column('last_login_at', cases.models.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('username')
    )
    op.create_table('canned_replies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_type', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=32), nullable=True),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', cases.models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['updated_by_id'], ['staff_users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('canned_replies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_canned_replies_request_type'), ['request_type'], unique=False)

    op.create_table('staff_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('csrf_token', sa.String(length=64), nullable=False),
    sa.Column('created_at', cases.models.UTCDateTime(), nullable=False),
    sa.Column('expires_at', cases.models.UTCDateTime(), nullable=False),
    sa.Column('last_seen_at', cases.models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('staff_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_sessions_staff_id'), ['staff_id'], unique=False)

    op.create_table('case_chases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('local_day', sa.Date(), nullable=False),
    sa.Column('created_at', cases.models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('case_id', 'local_day')
    )
    with op.batch_alter_table('case_chases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_chases_case_id'), ['case_id'], unique=False)

    op.create_table('staff_alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('role', sa.String(length=16), nullable=True),
    sa.Column('department', sa.String(length=200), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('handoff_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', cases.models.UTCDateTime(), nullable=False),
    sa.Column('read_at', cases.models.UTCDateTime(), nullable=True),
    sa.Column('telegram_sent_at', cases.models.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ),
    sa.ForeignKeyConstraint(['handoff_id'], ['handoff_requests.id'], ),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    with op.batch_alter_table('staff_alerts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_alerts_kind'), ['kind'], unique=False)

    op.create_table('surveys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('resolved_event_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('rating', sa.Integer(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('sent_at', cases.models.UTCDateTime(), nullable=False),
    sa.Column('answered_at', cases.models.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], ),
    sa.ForeignKeyConstraint(['resolved_event_id'], ['case_events.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('resolved_event_id')
    )
    with op.batch_alter_table('surveys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_surveys_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_surveys_status'), ['status'], unique=False)

    op.create_table('handoff_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('handoff_id', sa.Integer(), nullable=False),
    sa.Column('direction', sa.String(length=16), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('photo_path', sa.String(length=500), nullable=True),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('notification_id', sa.Integer(), nullable=True),
    sa.Column('created_at', cases.models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['handoff_id'], ['handoff_requests.id'], ),
    sa.ForeignKeyConstraint(['notification_id'], ['notifications.id'], ),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('handoff_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_handoff_messages_handoff_id'), ['handoff_id'], unique=False)

    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=24), nullable=False, server_default='status'))
        batch_op.add_column(sa.Column('staff_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_case_events_kind'), ['kind'], unique=False)
        batch_op.create_foreign_key('fk_case_events_staff_id', 'staff_users', ['staff_id'], ['id'])

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('assignee_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('escalation_level', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('escalated_at', cases.models.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('scheduled_for', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('duplicate_of_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('first_response_at', cases.models.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('resolved_at', cases.models.UTCDateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_cases_assignee_id'), ['assignee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_duplicate_of_id'), ['duplicate_of_id'], unique=False)
        batch_op.create_foreign_key('fk_cases_assignee_id', 'staff_users', ['assignee_id'], ['id'])
        batch_op.create_foreign_key('fk_cases_duplicate_of_id', 'cases', ['duplicate_of_id'], ['id'])

    with op.batch_alter_table('handoff_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('trigger', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('agent_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('case_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('taken_at', cases.models.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('ended_at', cases.models.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('flagged_at', cases.models.UTCDateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_handoff_requests_status'), ['status'], unique=False)
        batch_op.create_foreign_key('fk_handoff_requests_agent_id', 'staff_users', ['agent_id'], ['id'])
        batch_op.create_foreign_key('fk_handoff_requests_case_id', 'cases', ['case_id'], ['id'])

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('buttons', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('urgent', sa.Boolean(), nullable=False, server_default=sa.false()))




def downgrade() -> None:
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_column('urgent')
        batch_op.drop_column('buttons')

    with op.batch_alter_table('handoff_requests', schema=None) as batch_op:
        batch_op.drop_constraint('fk_handoff_requests_case_id', type_='foreignkey')
        batch_op.drop_constraint('fk_handoff_requests_agent_id', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_handoff_requests_status'))
        batch_op.drop_column('flagged_at')
        batch_op.drop_column('ended_at')
        batch_op.drop_column('taken_at')
        batch_op.drop_column('case_id')
        batch_op.drop_column('agent_id')
        batch_op.drop_column('trigger')

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_constraint('fk_cases_duplicate_of_id', type_='foreignkey')
        batch_op.drop_constraint('fk_cases_assignee_id', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_cases_duplicate_of_id'))
        batch_op.drop_index(batch_op.f('ix_cases_assignee_id'))
        batch_op.drop_column('resolved_at')
        batch_op.drop_column('first_response_at')
        batch_op.drop_column('duplicate_of_id')
        batch_op.drop_column('scheduled_for')
        batch_op.drop_column('escalated_at')
        batch_op.drop_column('escalation_level')
        batch_op.drop_column('assignee_id')

    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.drop_constraint('fk_case_events_staff_id', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_case_events_kind'))
        batch_op.drop_column('staff_id')
        batch_op.drop_column('kind')

    with op.batch_alter_table('handoff_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_handoff_messages_handoff_id'))

    op.drop_table('handoff_messages')
    with op.batch_alter_table('surveys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_surveys_status'))
        batch_op.drop_index(batch_op.f('ix_surveys_case_id'))

    op.drop_table('surveys')
    with op.batch_alter_table('staff_alerts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_alerts_kind'))

    op.drop_table('staff_alerts')
    with op.batch_alter_table('case_chases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_chases_case_id'))

    op.drop_table('case_chases')
    with op.batch_alter_table('staff_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_sessions_staff_id'))

    op.drop_table('staff_sessions')
    with op.batch_alter_table('canned_replies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_canned_replies_request_type'))

    op.drop_table('canned_replies')
    op.drop_table('staff_users')
    op.drop_table('report_runs')

