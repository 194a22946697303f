"""Rasa's SQL tracker store, with the SQLite connection a file shared by several writers needs, and no silent
fallback to memory when the database is away.

Rasa wraps every tracker store in a FailSafeTrackerStore which, when the database fails, answers a read
with "no conversation" and keeps a write in memory. With conversations kept in a database that is the
worst answer: a resident halfway through a report when PostgreSQL restarts gets a new, empty
conversation, which is then saved over theirs (found by tests/e2e/test_database_outage.py). `install()`
makes it raise instead, and makes a turn that failed (its conversation not read or not saved) answer
nothing, not the replies collected before the failure: those would describe a state that was never
saved. Rasa's REST channel then answers an empty list, the channels answer with the apology, and the
resident's next message, once the database is back, continues their conversation where it was.

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

import contextlib
import logging
from collections.abc import Iterator
from typing import Any, Optional

import sqlalchemy as sa
from rasa.core.tracker_store import FailSafeTrackerStore, SQLTrackerStore

log = logging.getLogger(__name__)
_ORIGINAL = "_huiyin_original_retrieve"


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


# Replicas starting together on one PostgreSQL database take turns creating Rasa's tables: otherwise one of
# them fails on the other's table, and Rasa waits 5 s before trying again.
CREATE_TABLES_LOCK = 0x48_55_49_59_49_4E_52  # "HUIYINR"


@contextlib.contextmanager
def one_replica_at_a_time(url: Any) -> Iterator[None]:
    """Hold a PostgreSQL advisory lock for the block (nothing on other databases, or if it cannot be reached:
    then Rasa's own start-up waits for the database as it always did)."""
    if not str(url).startswith("postgresql"):
        yield
        return
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        connection = engine.connect()
    except sa.exc.OperationalError:
        engine.dispose()
        yield
        return
    try:
        connection.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": CREATE_TABLES_LOCK})
        yield
    finally:
        connection.close()  # ends the session, and with it the lock
        engine.dispose()


class TrackerStore(SQLTrackerStore):
    """SQLTrackerStore; on SQLite with pooled connections in WAL mode (see the module's docstring)."""

    def __init__(self, *args: Any, host: Optional[str] = None, **kwargs: Any) -> None:
        with one_replica_at_a_time(host):
            super().__init__(*args, host=host, **kwargs)  # connects, creates the tables if missing
        if self.engine.dialect.name != "sqlite":
            return
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(url, poolclass=sa.pool.QueuePool, pool_size=2, max_overflow=4,
                                       connect_args={"timeout": 30, "check_same_thread": False})
        sa.event.listen(self.engine, "connect", _sqlite_pragmas)
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)


def install() -> None:
    """Make Rasa's fail-safe wrapper raise the database's errors instead of falling back to memory (once)."""
    if hasattr(FailSafeTrackerStore, _ORIGINAL):
        return
    setattr(FailSafeTrackerStore, _ORIGINAL, FailSafeTrackerStore.retrieve)

    def raising(name: str) -> Any:
        async def method(self: FailSafeTrackerStore, *args: Any) -> Any:
            try:
                return await getattr(self._tracker_store, name)(*args)
            except Exception as error:
                log.warning("the conversation store is unavailable (%s): this message gets no answer but the "
                            "apology", type(error).__name__)
                raise

        return method

    for name in ("retrieve", "retrieve_full_tracker", "save"):
        setattr(FailSafeTrackerStore, name, raising(name))

    from rasa.core.channels.channel import CollectingOutputChannel
    from rasa.core.processor import MessageProcessor

    handle_message = MessageProcessor.handle_message

    async def handle_message_or_nothing(self: MessageProcessor, message: Any) -> Any:
        try:
            return await handle_message(self, message)
        except Exception:
            if isinstance(message.output_channel, CollectingOutputChannel):
                message.output_channel.messages.clear()  # nothing of a turn that was not saved
            raise

    MessageProcessor.handle_message = handle_message_or_nothing
