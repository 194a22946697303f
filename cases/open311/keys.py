"""Open311 clients' API keys: made by an admin (shown once), checked on every POST, revoked, rate-limited."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from cases.clock import utcnow
from cases.guards import throttle
from cases.guards.cleaning import clean_line
from cases.i18n import N_
from cases.models import ApiKey, StaffUser

KEY_PREFIX = "hy311_"
SHOWN_PREFIX = 10  # characters of the key kept in clear, to tell keys apart
MAX_NAME = 200
LAST_USED_PRECISION = timedelta(minutes=1)


class KeyRefused(Exception):
    """No key, a wrong one, or a revoked one: the request is not taken (403)."""


class TooManyPosts(Exception):
    """This key posted more than its limit allows; `seconds` until it may post again (429)."""

    def __init__(self, seconds: float):
        super().__init__(seconds)
        self.seconds = seconds


def _digest(key: str) -> str:
    # The keys are 32 random bytes: a plain SHA-256 cannot be reversed or guessed (no need for a slow hash).
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(session: Session, *, name: str, staff: Optional[StaffUser] = None,
               now: Optional[datetime] = None) -> tuple[ApiKey, str]:
    """A new key for a client called `name`: the stored row and the key itself (never stored, shown once)."""
    name = clean_line(name).strip()[:MAX_NAME]
    if not name:
        raise ValueError(N_("give the key a name (who uses it)"))
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(name=name, key_hash=_digest(key), prefix=key[:SHOWN_PREFIX], created_at=now or utcnow(),
                 created_by_id=staff.id if staff else None)
    session.add(row)
    session.flush()
    return row, key


def list_keys(session: Session) -> list[ApiKey]:
    """Every key, newest first, revoked ones included."""
    return list(session.scalars(select(ApiKey).order_by(ApiKey.id.desc())))


def revoke_key(session: Session, *, key_id: int, now: Optional[datetime] = None) -> ApiKey:
    """Stop a key working from now on (its cases stay); LookupError if there is no such key."""
    row = session.get(ApiKey, key_id)
    if row is None:
        raise LookupError(f"no API key {key_id}")
    if row.revoked_at is None:
        row.revoked_at = now or utcnow()
    return row


def use_key(session: Session, *, key: Optional[str], per_minute: int, now: Optional[datetime] = None) -> ApiKey:
    """The live key a client sent, counted against its limit; KeyRefused or TooManyPosts otherwise."""
    if not key or len(key) > 200:
        raise KeyRefused("api_key was not provided" if not key else "api_key is not valid")
    row = session.scalar(select(ApiKey).where(ApiKey.key_hash == _digest(key)))
    if row is None or row.revoked_at is not None:
        raise KeyRefused("api_key is not valid" if row is None else "api_key has been revoked")
    now = now or utcnow()
    wait = throttle.take(session, key=throttle.throttle_key("open311", str(row.id)), limit=per_minute,
                         window=timedelta(minutes=1), now=now)
    if wait:
        raise TooManyPosts(wait)
    if row.last_used_at is None or now - row.last_used_at >= LAST_USED_PRECISION:
        row.last_used_at = now  # to the minute: not one more write per request
    return row
