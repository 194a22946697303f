"""Report runs per area: an area's supervisors get their area's weekly and monthly summary once.

The unique constraint on report_runs was unnamed; it is found by its columns (PostgreSQL named it
report_runs_period_period_start_department_key, SQLite has no name for it) and replaced by a named one
that includes the area. SQLite rebuilds the table (batch mode), PostgreSQL alters it in place.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

OLD_COLUMNS = ['period', 'period_start', 'department']
NEW_NAME = 'uq_report_runs_period_scope'
# Gives SQLite's unnamed constraint a name in batch mode, so that it can be dropped.
NAMING = {'uq': 'uq_%(table_name)s_%(column_0_N_name)s'}


def _unique_named(columns: list[str]) -> str:
    """The name of report_runs' unique constraint on these columns, as the database or NAMING calls it."""
    for constraint in sa.inspect(op.get_bind()).get_unique_constraints('report_runs'):
        if list(constraint['column_names']) == columns and constraint.get('name'):
            return str(constraint['name'])
    return 'uq_report_runs_' + '_'.join(columns)


def upgrade() -> None:
    old = _unique_named(OLD_COLUMNS)
    with op.batch_alter_table('report_runs', schema=None, naming_convention=NAMING) as batch_op:
        batch_op.add_column(sa.Column('area_code', sa.String(length=32), nullable=False, server_default=''))
        batch_op.drop_constraint(old, type_='unique')
        batch_op.create_unique_constraint(NEW_NAME, [*OLD_COLUMNS, 'area_code'])


def downgrade() -> None:
    op.execute("DELETE FROM report_runs WHERE area_code <> ''")
    with op.batch_alter_table('report_runs', schema=None, naming_convention=NAMING) as batch_op:
        batch_op.drop_constraint(NEW_NAME, type_='unique')
        batch_op.drop_column('area_code')
        batch_op.create_unique_constraint('report_runs_period_period_start_department_key', OLD_COLUMNS)
