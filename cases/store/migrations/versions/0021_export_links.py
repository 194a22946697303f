"""Single-use, short-lived links to a resident's export, for channels that cannot send them the file (WeChat's
"my data": cases/residents_data/links.py).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

import cases.models

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'export_links',
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('resident_id', sa.Integer(), nullable=False),
        sa.Column('sender_hash', sa.String(length=64), nullable=False),
        sa.Column('expires_at', cases.models.UTCDateTime(), nullable=False),
        sa.Column('used_at', cases.models.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('token_hash'),
    )
    with op.batch_alter_table('export_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_export_links_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_export_links_resident_id'), ['resident_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('export_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_export_links_resident_id'))
        batch_op.drop_index(batch_op.f('ix_export_links_expires_at'))
    op.drop_table('export_links')
