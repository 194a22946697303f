"""Per-chat pacing kept in the database, so every process that sends (bot, jobs) shares it.

Telegram asks for about one message a second per chat and allows short bursts. Each chat gets a token
bucket of `burst` sends refilled one per `interval`, kept as one time per chat (the generic cell rate
algorithm): `next_at` is when the bucket would be full again if nothing more were sent, and a send may
go at `now` when `now >= next_at - (burst - 1) * interval`, moving `next_at` one interval on.

`reserve` takes a send by compare-and-set on that time, so parallel senders in different processes
cannot both take the last one. Telegram stamps a message somewhere between our request and its answer:
`settle` moves the chat's time on by however long the send took, so later sends keep their distance at
Telegram's end too; a send that never went out gives its token back (`refund`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from cases.models import ChatPace

ATTEMPTS = 8  # compare-and-set retries before answering "try again shortly"
CONTENDED_WAIT = 0.01


def chat_key(channel: str, chat_id: object) -> str:
    """The pacing key of one chat on one channel."""
    return f"{channel}:{chat_id}"


def _move(session: Session, key: str, old: datetime, new: datetime) -> bool:
    """Set the chat's time to `new` if it is still `old` (another sender may have moved it)."""
    result = session.execute(update(ChatPace).where(ChatPace.chat_key == key, ChatPace.next_at == old)
                             .values(next_at=new).execution_options(synchronize_session=False))
    return bool(cast(CursorResult[Any], result).rowcount)


def _time(session: Session, key: str) -> datetime:
    return session.execute(select(ChatPace.next_at).where(ChatPace.chat_key == key)).scalar_one()


def reserve(session: Session, *, key: str, now: datetime, interval: float, burst: int = 1) -> float:
    """Take one of the chat's sends: 0 if it may go now, else seconds until one is free."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(ChatPace).values(chat_key=key, next_at=now)
                    .on_conflict_do_nothing(index_elements=["chat_key"]))
    step, tolerance = timedelta(seconds=interval), timedelta(seconds=interval * (max(1, burst) - 1))
    for _ in range(ATTEMPTS):
        full_at = _time(session, key)
        if now < full_at - tolerance:
            return max(0.001, (full_at - tolerance - now).total_seconds())
        if _move(session, key, full_at, max(full_at, now) + step):
            return 0.0
    return CONTENDED_WAIT


def settle(session: Session, *, key: str, sent_at: datetime, answered_at: datetime) -> None:
    """The send taken at `sent_at` was answered at `answered_at`: later sends keep their distance from its arrival."""
    took = answered_at - sent_at
    if took <= timedelta(0):
        return
    for _ in range(ATTEMPTS):
        full_at = _time(session, key)
        if _move(session, key, full_at, full_at + took):
            return


def refund(session: Session, *, key: str, interval: float) -> None:
    """A send taken did not go out: its token goes back."""
    for _ in range(ATTEMPTS):
        full_at = _time(session, key)
        if _move(session, key, full_at, full_at - timedelta(seconds=interval)):
            return


def purge(session: Session, *, before: datetime) -> int:
    """Forget chats whose bucket has long been full (they pace nothing); how many."""
    result = session.execute(delete(ChatPace).where(ChatPace.next_at < before)
                             .execution_options(synchronize_session=False))
    return cast(CursorResult[Any], result).rowcount or 0
