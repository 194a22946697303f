"""WeChat phase 2: when each resident last wrote (residents.last_inbound_at: WeChat's 48-hour window), and the
access tokens every process shares (api_tokens).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

import cases.models

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('residents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_inbound_at', cases.models.UTCDateTime(), nullable=True))
    op.create_table(
        'api_tokens',
        sa.Column('key', sa.String(length=100), nullable=False),
        sa.Column('token', sa.Text(), nullable=False),
        sa.Column('expires_at', cases.models.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('key'),
    )


def downgrade() -> None:
    op.drop_table('api_tokens')
    with op.batch_alter_table('residents', schema=None) as batch_op:
        batch_op.drop_column('last_inbound_at')
