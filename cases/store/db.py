"""Engine and sessions: created on request, never at import."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import CursorResult, Engine, Result, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker


def affected_rows(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE matched (`Session.execute` is typed as returning any Result)."""
    assert isinstance(result, CursorResult), "only a DML statement's result has a row count"
    return result.rowcount


def make_engine(url: str, **options: Any) -> Engine:
    """An engine for `url` (`options` go to create_engine); SQLite gets a busy timeout, WAL and foreign keys."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # no residents' words in errors
        engine = create_engine(url, connect_args={"timeout": 30}, hide_parameters=True, **options)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return create_engine(url, pool_pre_ping=True, hide_parameters=True, **options)


def ensure_postgres_database(url: str) -> bool:
    """Create the PostgreSQL database the URL names if it does not exist (as its owner may); whether it was created.

    Connects to the server's `postgres` database to ask. A URL that is not PostgreSQL is left alone.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql" or not parsed.database:
        return False
    server = make_engine(parsed.set(database="postgres").render_as_string(hide_password=False),
                         isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as connection:
            if connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                  {"name": parsed.database}).scalar():
                return False
            connection.execute(text(f'CREATE DATABASE "{parsed.database}"'))
            return True
    finally:
        server.dispose()


class Database:
    """An engine and its session factory."""

    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    def create_tables(self) -> None:
        """Bring the schema up to date by running the migrations (cases/store/migrations) it lacks."""
        from cases.store.migrate import upgrade  # Alembic is needed only here, not by every importer

        upgrade(self.engine)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work is committed at the end, or rolled back on error."""
        with self.sessions.begin() as session:
            yield session

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
