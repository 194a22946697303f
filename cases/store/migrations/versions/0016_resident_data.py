"""The resident's own data: which privacy notice they were shown, when, and when they consented.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

import cases.models

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('residents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notice_version', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('notice_shown_at', cases.models.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('consented_at', cases.models.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('residents', schema=None) as batch_op:
        batch_op.drop_column('consented_at')
        batch_op.drop_column('notice_shown_at')
        batch_op.drop_column('notice_version')
