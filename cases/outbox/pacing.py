"""Per-chat pacing kept in the database, so every process that sends (bot, jobs) shares it.

Before a send, `reserve` takes the chat's turn by one conditional UPDATE (as `throttle.take` counts
an attempt): parallel senders cannot both find the chat free. The turn is held while the request is
on the wire (Telegram stamps the message somewhere before its answer); once answered, `settle` sets
the chat's next turn one interval after the answer. A sender that dies mid-send leaves the hold,
which simply runs out.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from cases.models import ChatPace

HOLD_SECONDS = 30.0  # longer than a send's HTTP timeouts


def chat_key(channel: str, chat_id: object) -> str:
    """The pacing key of one chat on one channel."""
    return f"{channel}:{chat_id}"


def reserve(session: Session, *, key: str, now: datetime, hold_seconds: float = HOLD_SECONDS) -> float:
    """Take the chat's turn: 0 if this send may go now (the turn is held until `settle`), else seconds to wait."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(ChatPace).values(chat_key=key, next_at=now)
                    .on_conflict_do_nothing(index_elements=["chat_key"]))
    taken = cast(CursorResult[Any], session.execute(
        update(ChatPace).where(ChatPace.chat_key == key, ChatPace.next_at <= now)
        .values(next_at=now + timedelta(seconds=hold_seconds)).execution_options(synchronize_session=False)
    )).rowcount
    if taken:
        return 0.0
    next_at = session.execute(select(ChatPace.next_at).where(ChatPace.chat_key == key)).scalar_one()
    return max(0.001, (next_at - now).total_seconds())


def settle(session: Session, *, key: str, held_from: datetime, answered_at: datetime, interval: float,
           hold_seconds: float = HOLD_SECONDS) -> None:
    """The send that reserved at `held_from` was answered (or abandoned): the next one goes an interval later.

    Only the hold this send took is shortened; if it ran out and another sender took the chat, nothing changes.
    """
    session.execute(
        update(ChatPace)
        .where(ChatPace.chat_key == key, ChatPace.next_at == held_from + timedelta(seconds=hold_seconds))
        .values(next_at=answered_at + timedelta(seconds=interval)).execution_options(synchronize_session=False)
    )


def purge(session: Session, *, before: datetime) -> int:
    """Forget chats whose next turn is long past (they pace nothing); how many."""
    result = session.execute(delete(ChatPace).where(ChatPace.next_at < before)
                             .execution_options(synchronize_session=False))
    return cast(CursorResult[Any], result).rowcount or 0
