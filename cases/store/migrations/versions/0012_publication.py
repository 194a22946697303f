"""Publication on the public board: a case's description and photos only once staff approve them.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('publication', sa.String(length=16), nullable=False, server_default='pending'))
        batch_op.add_column(sa.Column('public_description', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('publish_allowed', sa.Boolean(), nullable=False, server_default=sa.true()))
    with op.batch_alter_table('case_photos', schema=None) as batch_op:
        batch_op.add_column(sa.Column('public', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('case_photos', schema=None) as batch_op:
        batch_op.drop_column('public')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('publish_allowed')
        batch_op.drop_column('public_description')
        batch_op.drop_column('publication')
