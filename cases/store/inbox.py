"""Updates kept until handled, and the per-chat leases that make every chat's updates go in order.

A channel stores each update (`store`) before it tells the platform it has it, so an update acknowledged is
never lost: if the process dies, the row is still there. Any worker may then handle a chat's updates, but only
the one holding the chat's lease, and only in the platform's order: it takes the lease (`take_next`), handles
the oldest pending update, deletes it and takes the next in one step (`finish_and_take_next`), and gives the
lease up when the chat has nothing left (`release`). A worker renews its leases while it lives (`renew`); a
crashed worker's lease lapses and another worker carries on from the update it was handling (at least once:
filing is idempotent, so a repeat files nothing twice).

`InboundUpdate` remembers every key ever stored, so a platform's redelivery is recognised after the pending
row has gone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Optional, cast

from sqlalchemy import CursorResult, and_, delete, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cases.models import ChatLease, InboundUpdate, PendingUpdate

MAX_ATTEMPTS = 5  # an update whose handling kept failing or crashing its worker is dropped after this many


@dataclass(frozen=True)
class Pending:
    """One update to handle, as stored."""

    id: int
    update_id: str
    payload: str
    attempts: int


def remember(session: Session, channel: str, key: str, now: datetime) -> bool:
    """Record `key` as seen on `channel`; False if it already was (the unique constraint says so)."""
    try:
        with session.begin_nested():
            session.add(InboundUpdate(channel=channel, update_id=key, received_at=now))
        return True
    except IntegrityError:
        return False


def store(session: Session, *, channel: str, key: str, sequence: int, chat_key: str, payload: str,
          now: datetime) -> bool:
    """Keep a new update until it is handled; False (and nothing stored) if the key was seen before."""
    if not remember(session, channel, key, now):
        return False
    session.add(PendingUpdate(channel=channel, update_id=key, sequence=sequence, chat_key=chat_key,
                              payload=payload, received_at=now, attempts=0))
    return True


def lease(session: Session, *, chat_key: str, holder: str, now: datetime, ttl: float) -> bool:
    """Take the chat's lease if it is free, lapsed or already ours; whether this holder has it now."""
    until = now + timedelta(seconds=ttl)
    try:
        with session.begin_nested():
            session.add(ChatLease(chat_key=chat_key, holder=holder, until=until))
        return True
    except IntegrityError:
        pass
    result = session.execute(
        update(ChatLease)
        .where(ChatLease.chat_key == chat_key, or_(ChatLease.until < now, ChatLease.holder == holder))
        .values(holder=holder, until=until).execution_options(synchronize_session=False))
    return bool(cast(CursorResult[Any], result).rowcount)


def _oldest(session: Session, chat_key: str) -> Optional[Pending]:
    """The chat's oldest pending update, its attempts counted; updates past MAX_ATTEMPTS are dropped."""
    while True:
        row = session.execute(select(PendingUpdate).where(PendingUpdate.chat_key == chat_key)
                              .order_by(PendingUpdate.sequence, PendingUpdate.id).limit(1)).scalar_one_or_none()
        if row is None:
            return None
        if row.attempts >= MAX_ATTEMPTS:
            session.delete(row)
            session.flush()
            continue
        row.attempts += 1
        return Pending(row.id, row.update_id, row.payload, row.attempts)


def take_next(session: Session, *, chat_key: str, holder: str, now: datetime, ttl: float) -> Optional[Pending]:
    """Lease the chat and take its oldest pending update; None if it has none or another worker holds it."""
    if not lease(session, chat_key=chat_key, holder=holder, now=now, ttl=ttl):
        return None
    return _oldest(session, chat_key)


def finish(session: Session, *, done: int) -> None:
    """The update has been handled: it is no longer pending."""
    session.execute(delete(PendingUpdate).where(PendingUpdate.id == done).execution_options(synchronize_session=False))


def finish_and_take_next(session: Session, *, done: int, chat_key: str, holder: str, now: datetime,
                         ttl: float) -> Optional[Pending]:
    """Delete the handled update and take the chat's next (renewing the lease); None when there is none."""
    finish(session, done=done)
    return take_next(session, chat_key=chat_key, holder=holder, now=now, ttl=ttl)


def release(session: Session, *, chat_key: str, holder: str) -> bool:
    """Give up the chat's lease; whether updates came in meanwhile (then the caller should take it again)."""
    session.execute(delete(ChatLease).where(ChatLease.chat_key == chat_key, ChatLease.holder == holder)
                    .execution_options(synchronize_session=False))
    return bool(session.execute(select(exists().where(PendingUpdate.chat_key == chat_key))).scalar())


def renew(session: Session, *, holder: str, now: datetime, ttl: float) -> int:
    """Push back the expiry of every lease `holder` has; how many it has."""
    result = session.execute(update(ChatLease).where(ChatLease.holder == holder)
                             .values(until=now + timedelta(seconds=ttl)).execution_options(synchronize_session=False))
    return cast(CursorResult[Any], result).rowcount or 0


def ready_chats(session: Session, *, channel: str, now: datetime, limit: int) -> list[str]:
    """Chats with pending updates that no live worker holds, those waiting longest first."""
    lapsed_or_free = or_(ChatLease.chat_key.is_(None), ChatLease.until < now)
    rows = session.execute(
        select(PendingUpdate.chat_key)
        .outerjoin(ChatLease, ChatLease.chat_key == PendingUpdate.chat_key)
        .where(and_(PendingUpdate.channel == channel, lapsed_or_free))
        .group_by(PendingUpdate.chat_key).order_by(func.min(PendingUpdate.id)).limit(limit))
    return list(rows.scalars())


def forget_seen(session: Session, *, channel: str, before: datetime) -> int:
    """Forget the channel's keys seen before `before` (platforms redeliver for a day at most); how many."""
    result = session.execute(delete(InboundUpdate).where(InboundUpdate.channel == channel,
                                                         InboundUpdate.received_at < before)
                             .execution_options(synchronize_session=False))
    return cast(CursorResult[Any], result).rowcount or 0
