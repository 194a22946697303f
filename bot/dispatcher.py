"""A channel's stored updates handled chat by chat, in the platform's order, by whichever worker holds the chat's lease.

A channel stores each update (`Dispatcher.store`, cases.store.inbox) before it tells the platform it has it, so a
crash after the acknowledgement loses nothing. The dispatcher handles what is stored: a chat's updates one after
another, by the worker holding the chat's lease; different chats at once. It is woken at once for updates this
process stored, and looks every `poll_seconds` for chats whose updates came to another worker that has since died
(its lease lapsed) or that no worker has picked up. Telegram (bot/telegram/inbox.py) and WeChat
(bot/wechat/inbox.py) each give it their channel's name and a function handling one stored payload.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, Optional

from sqlalchemy.exc import SQLAlchemyError

from cases.clock import utcnow
from cases.store import inbox
from cases.store.db import Database

log = logging.getLogger(__name__)


class Dispatcher:
    """Handles stored updates: each chat's in order, under the chat's lease, many chats at once."""

    def __init__(self, db: Database, handle: Callable[[str], Awaitable[None]], *, channel: str,
                 lease_seconds: float = 15.0, poll_seconds: float = 1.0, max_chats: int = 64):
        self.db, self.handle, self.channel = db, handle, channel
        self.lease_seconds, self.poll_seconds, self.max_chats = lease_seconds, poll_seconds, max_chats
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._working: dict[str, asyncio.Task[None]] = {}
        self._again: set[str] = set()  # chats stored to while their task was finishing
        self._wake = asyncio.Event()
        self._stopping = False
        self._loop_task: Optional[asyncio.Task[None]] = None

    @property
    def busy(self) -> bool:
        """Whether this worker has a chat in hand."""
        return bool(self._working)

    async def _db(self, work: Callable[..., Any], **arguments: Any) -> Any:
        """Run one transaction of cases.store.inbox off the event loop."""
        def run() -> Any:
            with self.db.transaction() as session:
                return work(session, **arguments)
        return await asyncio.to_thread(run)

    async def store(self, *, key: str, sequence: int, chat: str, payload: str) -> bool:
        """Commit an update (raises if the database cannot take it), then get its chat going here; False if the
        key was stored before (a repeat, ignored)."""
        if await self._db(inbox.store, channel=self.channel, key=key, sequence=sequence, chat_key=chat,
                          payload=payload, now=utcnow()):
            self.start(chat)
            return True
        log.info("update %s already stored; ignoring the repeat", key)
        return False

    def start(self, chat: str) -> None:
        """Work on the chat's updates unless this worker already is (then look again before stopping)."""
        if self._stopping:
            return
        if chat in self._working:
            self._again.add(chat)
            return
        self._working[chat] = asyncio.ensure_future(self._work(chat))

    def _lease(self, now: datetime) -> dict[str, Any]:
        return dict(holder=self.holder, now=now, ttl=self.lease_seconds)

    async def _work(self, chat: str) -> None:
        try:
            while True:
                self._again.discard(chat)
                await self._drain(chat)
                if chat not in self._again or self._stopping:
                    return
        except SQLAlchemyError as error:  # the next look (poll_seconds) tries again
            log.warning("inbox: database unavailable while handling a chat (%s)", type(error).__name__)
        finally:
            del self._working[chat]

    async def _drain(self, chat: str) -> None:
        """Handle the chat's pending updates while this worker holds its lease, then give the lease up."""
        if not await self._db(inbox.lease, chat_key=chat, **self._lease(utcnow())):
            return  # another worker has the chat: it handles what is stored, or its lease lapses and a look finds it
        pending = await self._db(inbox.take_next, chat_key=chat, **self._lease(utcnow()))
        while pending is not None:
            try:
                await self.handle(pending.payload)
            except Exception:
                log.exception("inbox: update %s failed (attempt %s)", pending.update_id, pending.attempts)
            if self._stopping:  # the rest stays stored for the next worker
                await self._db(inbox.finish, done=pending.id)
                break
            pending = await self._db(inbox.finish_and_take_next, done=pending.id, chat_key=chat,
                                     **self._lease(utcnow()))
        if await self._db(inbox.release, chat_key=chat, holder=self.holder):
            self._again.add(chat)  # stored meanwhile, perhaps by a worker that found the lease taken

    async def _renew(self) -> None:
        with contextlib.suppress(SQLAlchemyError):
            await self._db(inbox.renew, holder=self.holder, now=utcnow(), ttl=self.lease_seconds)

    async def _look(self) -> None:
        """Start on chats that no live worker holds (stored elsewhere, or left by a worker that died)."""
        try:
            chats = await self._db(inbox.ready_chats, channel=self.channel, now=utcnow(), limit=self.max_chats)
        except SQLAlchemyError as error:
            log.warning("inbox: database unavailable (%s); looking again shortly", type(error).__name__)
            return
        for chat in chats:
            if len(self._working) < self.max_chats:
                self.start(chat)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        renewed = loop.time()
        while True:
            await self._look()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_seconds)
            self._wake.clear()
            if loop.time() - renewed >= self.lease_seconds / 3:
                renewed = loop.time()
                if self._working:
                    await self._renew()

    async def settle(self, timeout: float = 30.0) -> None:
        """Wait until this worker has no chat in hand (at most `timeout` seconds)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while self._working:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                return
            await asyncio.wait(list(self._working.values()), timeout=remaining)

    def wake(self) -> None:
        """Look for ready chats now rather than at the next poll."""
        self._wake.set()

    async def __aenter__(self) -> Dispatcher:
        self._loop_task = asyncio.ensure_future(self._run())
        return self

    async def __aexit__(self, *exc: object) -> None:
        """Finish the updates in hand (their chats' later ones stay stored), give every lease up."""
        self._stopping = True
        if self._loop_task is not None:
            self._loop_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop_task
        if self._working:
            await asyncio.wait(list(self._working.values()), timeout=self.lease_seconds)
