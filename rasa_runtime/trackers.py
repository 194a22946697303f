"""Rasa's SQL tracker store, with the SQLite connection a file shared by several writers needs.

endpoints.yml names it (`type: rasa_runtime.trackers.TrackerStore`); on PostgreSQL it is Rasa's own
SQLTrackerStore unchanged. On SQLite, Rasa (SQLAlchemy 1.4) opens a new connection for every read and
write, with a 5 s busy timeout and a full sync of the file at every commit; measured under load, a third
of the tracker store's time went to opening, syncing and closing. Here SQLite keeps a small pool of
connections, each in WAL mode with `synchronous=NORMAL` and a 30 s busy timeout.

Safe because WAL with NORMAL loses no committed conversation when a process dies (kill -9 included):
only a power cut can lose the last commits, and then only conversations, never cases, which live in
our own database with full syncs.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


class TrackerStore(SQLTrackerStore):
    """SQLTrackerStore; on SQLite with pooled connections in WAL mode (see the module's docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # connects, creates the tables if missing
        if self.engine.dialect.name != "sqlite":
            return
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(url, poolclass=sa.pool.QueuePool, pool_size=2, max_overflow=4,
                                       connect_args={"timeout": 30, "check_same_thread": False})
        sa.event.listen(self.engine, "connect", _sqlite_pragmas)
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
