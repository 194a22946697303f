"""Held-back receipts of new cases (notifications.kind) and the report-being-filed marker (residents.filing_started_at).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

import cases.models

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=16), nullable=True))
    with op.batch_alter_table('residents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('filing_started_at', cases.models.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('residents', schema=None) as batch_op:
        batch_op.drop_column('filing_started_at')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_column('kind')
