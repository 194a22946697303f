"""Public reads of cases (Open311 GET requests): cases indexed by when they were filed, and by type then
date (listed newest first, often of one type), and each case's latest public note kept on it (backfilled).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('latest_public_note', sa.Text(), nullable=True))
        batch_op.create_index(batch_op.f('ix_cases_created_at'), ['created_at'], unique=False)
        batch_op.create_index('ix_cases_request_type_created_at', ['request_type', 'created_at'], unique=False)
    op.execute("UPDATE cases SET latest_public_note = (SELECT e.public_note FROM case_events e"
               " WHERE e.case_id = cases.id AND e.public_note IS NOT NULL ORDER BY e.id DESC LIMIT 1)")


def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_request_type_created_at')
        batch_op.drop_index(batch_op.f('ix_cases_created_at'))
        batch_op.drop_column('latest_public_note')
