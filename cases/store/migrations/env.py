"""Alembic's environment: the connection comes from cases.store.migrate, the target schema from cases.models."""

from __future__ import annotations

from alembic import context

from cases.models import Base

config = context.config
connection = config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=config.attributes.get("target_metadata", Base.metadata),
    # SQLite cannot alter constraints in place; batch mode rebuilds the table instead.
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
