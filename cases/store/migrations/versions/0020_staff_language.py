"""Staff accounts: the language each reads the console, alerts and reports in (None: the browser's), and where
WeChat reaches them (their OpenID on the city's Official Account), beside Telegram. An alert keeps its message and
parameters, so each reader gets it in their language, and its outbox copies name it (cases/staff/alerts.py).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('wechat_openid', sa.String(length=128), nullable=True))
    with op.batch_alter_table('staff_alerts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('message', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('params', sa.Text(), nullable=True))
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('alert_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_notifications_alert_id', 'staff_alerts', ['alert_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint('fk_notifications_alert_id', type_='foreignkey')
        batch_op.drop_column('alert_id')
    with op.batch_alter_table('staff_alerts', schema=None) as batch_op:
        batch_op.drop_column('params')
        batch_op.drop_column('message')
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.drop_column('wechat_openid')
        batch_op.drop_column('language')
