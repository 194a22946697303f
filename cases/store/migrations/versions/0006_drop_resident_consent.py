"""Drop residents.consent: nothing ever wrote or read it (every row holds the default, false).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('residents', schema=None) as batch_op:
        batch_op.drop_column('consent')


def downgrade() -> None:
    # Back as the first release made it (NOT NULL); every resident gets the value nothing ever changed.
    with op.batch_alter_table('residents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('consent', sa.Boolean(), nullable=False, server_default=sa.false()))
