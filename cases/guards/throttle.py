"""Rate limits kept in the database, so every process shares them and a count and its check are one step.

An attempt is counted *before* the work it guards (a password check, a message, a posted request), by one
conditional upsert: parallel attempts cannot all read "under the limit" and then all go ahead, on SQLite
(one writer at a time) and on PostgreSQL (the row lock makes the second update re-read the row).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import case, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from cases.models import Throttle
from cases.store.db import affected_rows


def throttle_key(*parts: str) -> str:
    """A fixed-size key for `parts` (a scope, then names or addresses) that does not store them in clear."""
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def take(session: Session, *, key: str, limit: int, window: timedelta, now: datetime) -> float:
    """Count one attempt under `key`: 0 if it is allowed, else the seconds until the window lets one through.

    A refused attempt is not counted, so waiting out the window always works. One statement: the row is
    made (first attempt) or moved on (expired window, or still under the limit) by an upsert whose update
    applies only when allowed; it answers a row exactly when the attempt counted.
    """
    if limit <= 0:
        return max(1.0, window.total_seconds())
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = insert(Throttle).values(key=key, count=1, window_started=now)
    expired = Throttle.window_started <= now - window
    counted = session.execute(
        stmt.on_conflict_do_update(
            index_elements=["key"],
            set_={"count": case((expired, 1), else_=Throttle.count + 1),
                  "window_started": case((expired, now), else_=Throttle.window_started)},
            where=expired | (Throttle.count < limit),
        ).returning(Throttle.count)
    ).first()
    if counted is not None:
        return 0.0
    started = session.execute(select(Throttle.window_started).where(Throttle.key == key)).scalar_one()
    return max(1.0, (started + window - now).total_seconds())


def forget(session: Session, *, key: str) -> None:
    """Start `key` afresh (for example after a successful login)."""
    session.execute(delete(Throttle).where(Throttle.key == key).execution_options(synchronize_session=False))


def purge(session: Session, *, before: datetime) -> int:
    """Drop counters whose window started before `before` (they no longer limit anything); how many."""
    return affected_rows(session.execute(delete(Throttle).where(Throttle.window_started < before)
                                         .execution_options(synchronize_session=False)))
