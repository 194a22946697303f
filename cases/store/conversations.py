"""Rasa's conversations (its SQL tracker store), as seen from our side: where they live and how long they stay.

Rasa runs in its own environment (SQLAlchemy 1.4, psycopg2), creates its `events` table itself and reads and
writes it; we only give it the URL, create its PostgreSQL schema, and delete events once they are old.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from cases.store.db import make_engine

log = logging.getLogger(__name__)
EVENTS_TABLE = "events"  # rasa.core.tracker_store.SQLTrackerStore.SQLEvent


def for_rasa(url: str) -> str:
    """The URL as Rasa's environment can use it: PostgreSQL through psycopg2, whatever driver our URL names."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        parsed = parsed.set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


def is_postgresql(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


def ensure_schema(url: str, schema: str) -> None:
    """Create Rasa's PostgreSQL schema if it is missing (Rasa refuses to start without it).

    Replicas start together: two `CREATE SCHEMA IF NOT EXISTS` at once can both find it missing and one then
    fails on the catalog's unique index, so they take turns under a transaction-scoped advisory lock.
    """
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
                               {"key": f"huiyin:create-schema:{schema}"})
            connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    finally:
        engine.dispose()


def ensure_sqlite_wal(url: str) -> None:
    """Create the SQLite file (and its folder) if missing and put it in WAL mode, which stays with the file."""
    engine = make_engine(url)  # sets WAL on connecting
    try:
        with engine.connect():
            pass
    finally:
        engine.dispose()


def prune(url: str, schema: str, *, before: datetime) -> int:
    """Delete conversation events older than `before` (every sender); how many.

    Conversations go quiet long before they are this old (a session ends after an hour without a
    message), so what is deleted is never a conversation in progress; cases stay in our own database.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and not (parsed.database and Path(parsed.database).exists()):
        return 0  # Rasa has not started yet: nothing to prune
    postgres = parsed.get_backend_name() == "postgresql"
    engine = make_engine(url)
    try:
        if not inspect(engine).has_table(EVENTS_TABLE, schema=schema if postgres else None):
            return 0
        table = f'"{schema}".{EVENTS_TABLE}' if postgres else EVENTS_TABLE
        with engine.begin() as connection:
            result = connection.execute(text(f"DELETE FROM {table} WHERE timestamp < :cutoff"),
                                        {"cutoff": before.timestamp()})
            return result.rowcount or 0
    finally:
        engine.dispose()
