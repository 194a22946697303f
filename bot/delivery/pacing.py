"""Telegram's per-chat limit, shared through the database by every process that sends (bot replies, jobs)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from functools import partial
from typing import Optional, TypeVar

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from cases.clock import utcnow
from cases.outbox import pacing
from cases.store.db import Database

log = logging.getLogger(__name__)
T = TypeVar("T")


class ChatPacer:
    """Paces every message to one chat, whoever sends it: `burst` at once, then one per `interval` (a token bucket
    shared through the database, cases.outbox.pacing).

    Always on the real clock: the limit is Telegram's, whatever clock a sweep is given.
    """

    def __init__(self, db: Database, interval: float, *, burst: int = 1, channel: str = "telegram"):
        self.db, self.interval, self.burst, self.channel = db, interval, burst, channel

    def key(self, chat_id: object) -> str:
        """The chat's pacing key."""
        return pacing.chat_key(self.channel, chat_id)

    async def take(self, chat_id: object) -> tuple[float, Optional[datetime]]:
        """Try once to take one of the chat's sends: (0, when it was taken) if it may go now, else (seconds to wait,
        None).

        If the database is down the send goes unpaced here ((0, None)); the process's own pacing still holds.
        """
        now = utcnow()
        try:
            wait = await asyncio.to_thread(self._run, partial(pacing.reserve, key=self.key(chat_id), now=now,
                                                                interval=self.interval, burst=self.burst))
        except OperationalError:
            log.warning("chat pacing unavailable (database); this send is paced by its process only")
            return 0.0, None
        return (wait, None) if wait else (0.0, now)

    async def reserve(self, chat_id: object) -> Optional[datetime]:
        """Wait until the chat may get a message and take it; when it was taken (None: the database is down)."""
        while True:
            wait, held_from = await self.take(chat_id)
            if not wait:
                return held_from
            await asyncio.sleep(wait)

    def settle_in(self, session: Session, chat_id: object, held_from: Optional[datetime],
                  answered: bool = True) -> None:
        """The send taken at `held_from` was answered (later sends keep their distance) or never went out (its token
        goes back), in `session`."""
        if held_from is None:
            return
        if answered:
            pacing.settle(session, key=self.key(chat_id), sent_at=held_from, answered_at=utcnow())
        else:
            pacing.refund(session, key=self.key(chat_id), interval=self.interval)

    async def settle(self, chat_id: object, held_from: Optional[datetime], answered: bool = True) -> None:
        """settle_in, in its own transaction."""
        if held_from is None:
            return
        try:
            await asyncio.to_thread(self._run, partial(self.settle_in, chat_id=chat_id, held_from=held_from,
                                                       answered=answered))
        except OperationalError:
            log.warning("chat pacing not settled (database); the chat's next send may come a little early")

    @asynccontextmanager
    async def turn(self, chat_id: object) -> AsyncIterator[None]:
        """Wait until the chat may get another message, then let the block send it."""
        held_from = await self.reserve(chat_id)
        try:
            yield
        finally:
            await self.settle(chat_id, held_from)

    def _run(self, work: Callable[[Session], T]) -> T:
        """Run `work` in one short transaction (in a worker thread)."""
        with self.db.transaction() as session:
            return work(session)
