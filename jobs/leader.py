"""Exactly one scheduler runs at a time, however many `python -m jobs` processes are started.

On PostgreSQL the running one holds a session advisory lock on a connection of its own; on SQLite (one
machine) an exclusive lock on a file beside the database. The others stand by and take over when the lock
is free, which PostgreSQL also makes it when the holder's connection dies. The holder checks every few
seconds that its lock is still its own (PostgreSQL restarted, network gone) and stops its jobs if not.
Senders and sweeps stay safe with two schedulers anyway (claims with leases, conditional updates); the lock
keeps them from doing the same work twice.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
from pathlib import Path
from typing import Optional, TextIO

from sqlalchemy import Connection, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from cases.store.db import make_engine

log = logging.getLogger(__name__)
# pg_try_advisory_lock takes a bigint: a fixed one for "the Huiyin scheduler" of this database.
# Positive, so pg_locks' two 32-bit halves (classid, objid) put together give it back.
LOCK_KEY = int.from_bytes(hashlib.blake2b(b"huiyin-scheduler", digest_size=8).digest(), "big") & (2**63 - 1)


class SchedulerLock:
    """The right to run the scheduler: `try_acquire`, then `still_held` now and then, `release` at the end."""

    def __init__(self, database_url: str, var_dir: Path) -> None:
        self.postgres = make_url(database_url).get_backend_name() == "postgresql"
        self.database_url, self.path = database_url, var_dir / "scheduler.lock"
        self._connection: Optional[Connection] = None
        self._file: Optional[TextIO] = None

    def try_acquire(self) -> bool:
        """Take the lock if it is free; whether this process holds it now."""
        return self._try_postgres() if self.postgres else self._try_file()

    def still_held(self) -> bool:
        """Whether the lock is still this process's (on PostgreSQL: its connection alive and the lock granted)."""
        if not self.postgres:
            return self._file is not None
        if self._connection is None:
            return False
        try:
            held = self._connection.execute(
                text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1 "
                     "AND pid = pg_backend_pid() AND ((classid::bigint << 32) | objid::bigint) = :key"),
                {"key": LOCK_KEY}).scalar_one()
            self._connection.commit()
            return bool(held)
        except SQLAlchemyError:
            log.warning("lost the scheduler lock's connection")
            self.release()
            return False

    def release(self) -> None:
        """Give the lock up (closing the connection or file is enough; this also says so at once)."""
        if self._connection is not None:
            try:
                self._connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})
                self._connection.commit()
            except SQLAlchemyError:
                pass  # the connection is gone, and with it the lock
            self._connection.close()
            self._connection.engine.dispose()
            self._connection = None
        if self._file is not None:
            self._file.close()  # closing drops the flock
            self._file = None

    def _try_postgres(self) -> bool:
        if self._connection is not None:
            return self.still_held()
        engine = make_engine(self.database_url, poolclass=NullPool)  # this connection is the lock's alone
        try:
            connection = engine.connect()
            taken = connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK_KEY}).scalar_one()
            connection.commit()  # a session lock outlives the transaction; nothing stays "idle in transaction"
        except SQLAlchemyError as exc:
            log.warning("could not ask for the scheduler lock: %s", type(exc).__name__)
            engine.dispose()
            return False
        if taken:
            self._connection = connection
            return True
        connection.close()
        engine.dispose()
        return False

    def _try_file(self) -> bool:
        if self._file is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a")  # noqa: SIM115 - held open for as long as the lock is
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        handle.truncate(0)
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._file = handle
        return True
