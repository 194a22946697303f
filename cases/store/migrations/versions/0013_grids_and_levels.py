"""Grids and levels: the case's grid, the area a staff member answers for, and alerts to an area's people.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('grid_code', sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f('ix_cases_grid_code'), ['grid_code'], unique=False)
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('area_code', sa.String(length=32), nullable=True))
    with op.batch_alter_table('staff_alerts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('area_code', sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('staff_alerts', schema=None) as batch_op:
        batch_op.drop_column('area_code')
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.drop_column('area_code')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_grid_code'))
        batch_op.drop_column('grid_code')
