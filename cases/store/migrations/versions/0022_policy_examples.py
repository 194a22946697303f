"""Example questions on policy answers: how residents ask for each answer, one a line, matched with its words
(cases/policies/matching.py).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('policy_answers') as batch:
        batch.add_column(sa.Column('examples_en', sa.Text(), nullable=False, server_default=''))
        batch.add_column(sa.Column('examples_zh', sa.Text(), nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('policy_answers') as batch:
        batch.drop_column('examples_zh')
        batch.drop_column('examples_en')
