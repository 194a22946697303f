"""Updates kept until handled: pending_updates holds each update stored before it was acknowledged to the
platform, chat_leases says which worker handles a chat's updates now (so they go in order, one at a time).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

import cases.models

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('pending_updates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('update_id', sa.String(length=128), nullable=False),
    sa.Column('sequence', sa.BigInteger(), nullable=False),
    sa.Column('chat_key', sa.String(length=160), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('received_at', cases.models.UTCDateTime(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('channel', 'update_id')
    )
    with op.batch_alter_table('pending_updates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pending_updates_chat_key'), ['chat_key'], unique=False)
    op.create_table('chat_leases',
    sa.Column('chat_key', sa.String(length=160), nullable=False),
    sa.Column('holder', sa.String(length=128), nullable=False),
    sa.Column('until', cases.models.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('chat_key')
    )
    with op.batch_alter_table('chat_leases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chat_leases_until'), ['until'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('chat_leases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_chat_leases_until'))
    op.drop_table('chat_leases')
    with op.batch_alter_table('pending_updates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pending_updates_chat_key'))
    op.drop_table('pending_updates')
