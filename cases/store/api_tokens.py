"""Access tokens of the platforms we call, kept in the database so every process uses the same one.

WeChat keeps one access token valid per account: a process that fetches a new one invalidates the others' (after
a few minutes' grace). So the token lives in one row per account: read while it is valid, renewed under the row's
lock (PostgreSQL: SELECT … FOR UPDATE; SQLite: the write transaction the INSERT opens), so that of the processes
finding it stale at once, one fetches and the others read what it stored.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Optional

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from cases.models import ApiToken

Token = tuple[str, datetime]  # the token and when it expires
NEVER_VALID = datetime(1970, 1, 1, tzinfo=timezone.utc)


def usable(token: Optional[Token], *, now: datetime, margin: float, stale: Optional[str] = None) -> bool:
    """Whether a token may still be used: set, not the one the platform just refused, and `margin` seconds from
    its expiry."""
    return (token is not None and bool(token[0]) and token[0] != stale
            and token[1] - timedelta(seconds=margin) > now)


def stored_token(session: Session, *, key: str) -> Optional[Token]:
    """The token stored under `key`, if any (possibly expired)."""
    row = session.get(ApiToken, key)
    return None if row is None else (row.token, row.expires_at)


def renew_token(session: Session, *, key: str, now: datetime, margin: float, stale: Optional[str],
                fetch: Callable[[], tuple[str, float]]) -> Token:
    """Under the row's lock: the token another process stored meanwhile, if usable, else a new one from `fetch`
    (which returns the token and its lifetime in seconds) stored for everyone. Call in its own transaction."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(ApiToken).values(key=key, token="", expires_at=NEVER_VALID)
                    .on_conflict_do_nothing(index_elements=["key"]))
    row = session.scalars(select(ApiToken).where(ApiToken.key == key).with_for_update()
                          .execution_options(populate_existing=True)).one()
    if usable((row.token, row.expires_at), now=now, margin=margin, stale=stale):
        return row.token, row.expires_at
    token, lifetime = fetch()
    row.token, row.expires_at = token, now + timedelta(seconds=lifetime)
    return row.token, row.expires_at
