"""Schema migrations (Alembic, scripts in cases/store/migrations): bring any database to the current schema."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect

MIGRATIONS = Path(__file__).with_name("migrations")
# The schema of the first release, created by create_all before migrations existed.
FIRST_REVISION = "0001"


def alembic_config(connection: Optional[Connection] = None, **attributes: Any) -> Config:
    """An Alembic configuration for our scripts, bound to `connection`."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    config.attributes.update(attributes)
    return config


def head_revision() -> str:
    """The newest migration."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, f"no migration scripts in {MIGRATIONS}"
    return head


def current_revision(engine: Engine) -> Optional[str]:
    """The revision the database is at (None: never migrated)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine) -> None:
    """Migrate to the newest schema: an empty database gets every table, an older one its missing changes.

    A database made by the first release (tables, but no Alembic version) is recognised and upgraded.
    """
    if current_revision(engine) == head_revision():
        return
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch mode rebuilds tables that others reference; SQLite checks foreign keys only when asked,
            # and the switch works only outside a transaction.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        try:
            with connection.begin():
                config = alembic_config(connection)
                if MigrationContext.configure(connection).get_current_revision() is None:
                    _stamp_unversioned(config, connection)
                command.upgrade(config, "head")
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()


def _stamp_unversioned(config: Config, connection: Connection) -> None:
    """Give a database with tables but no Alembic version the revision its tables show.

    Every current table present: made by create_all from today's models (tests, tools), so it is at head.
    Only some: made by the first release, before migrations existed.
    """
    tables = set(inspect(connection).get_table_names())
    if "cases" not in tables:
        return  # empty: the migrations create everything
    from cases.models import Base

    command.stamp(config, "head" if set(Base.metadata.tables) <= tables else FIRST_REVISION)
