"""One outbox for every message: staff alerts and reports queue notifications, per-chat pacing shared.

notifications.resident_id becomes nullable and notifications.staff_id names a staff recipient;
staff_alerts.telegram_sent_at and report_runs.pushed_at go (the outbox row records the sending now);
chat_paces holds each chat's next allowed send time for every process that sends.

Alerts and report runs not yet sent by the old paths at upgrade time are not re-queued.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

import cases.models

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('chat_paces',
    sa.Column('chat_key', sa.String(length=160), nullable=False),
    sa.Column('next_at', cases.models.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('chat_key')
    )
    with op.batch_alter_table('chat_paces', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chat_paces_next_at'), ['next_at'], unique=False)
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('staff_id', sa.Integer(), nullable=True))
        batch_op.alter_column('resident_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key('fk_notifications_staff_id', 'staff_users', ['staff_id'], ['id'])
    with op.batch_alter_table('staff_alerts', schema=None) as batch_op:
        batch_op.drop_column('telegram_sent_at')
    with op.batch_alter_table('report_runs', schema=None) as batch_op:
        batch_op.drop_column('pushed_at')


def downgrade() -> None:
    # Rows already in the outbox count as sent: the old paths would otherwise send them again.
    with op.batch_alter_table('report_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pushed_at', cases.models.UTCDateTime(), nullable=True))
    with op.batch_alter_table('staff_alerts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('telegram_sent_at', cases.models.UTCDateTime(), nullable=True))
    op.execute("UPDATE report_runs SET pushed_at = created_at")
    op.execute("UPDATE staff_alerts SET telegram_sent_at = created_at")
    op.execute("DELETE FROM notifications WHERE resident_id IS NULL")
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint('fk_notifications_staff_id', type_='foreignkey')
        batch_op.alter_column('resident_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('staff_id')
    with op.batch_alter_table('chat_paces', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_chat_paces_next_at'))
    op.drop_table('chat_paces')
