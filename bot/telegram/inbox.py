"""Telegram updates stored before they are acknowledged, then handled chat by chat in order by any worker.

PTB's updater (polling or webhook) puts every update it receives into the application's update queue and, in
both modes, acknowledges it only after that `put` returns: polling confirms a batch with the next getUpdates,
the webhook answers 200 when its handler returns. `DurableUpdateQueue.put` returns only once the update is
committed to the database (cases.store.inbox), so a crash after the acknowledgement loses nothing, and a put
that fails (the database is down) makes the webhook answer 500 and polling fetch the batch again.

`Dispatcher` handles what is stored: a chat's updates one after another in Telegram's order, by whichever
worker holds the chat's lease; different chats at once. It is woken at once for updates this process stored,
and looks every `poll_seconds` for chats whose updates came to another worker that has since died (its lease
lapsed) or that no worker has picked up.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, Optional

from sqlalchemy.exc import SQLAlchemyError
from telegram import Chat, Update
from telegram.error import TelegramError
from telegram.ext import Application

from bot import texts
from bot.rasa_client import Reply
from bot.telegram.records import CHANNEL
from bot.telegram.replies import send_replies
from cases.clock import utcnow
from cases.residents import normalise_language
from cases.store import inbox
from cases.store.db import Database

log = logging.getLogger(__name__)


def update_key(bot_id: int, update_id: int) -> str:
    """update_id counts per bot, so the bot's id keeps two bots sharing a database apart."""
    return f"{bot_id}:{update_id}"


def chat_key(bot_id: int, update: Update) -> str:
    """The queue an update waits in: its chat's, or one of its own if it has no chat."""
    chat = update.effective_chat
    return f"{CHANNEL}:{bot_id}:{chat.id}" if chat else f"{CHANNEL}:{bot_id}:update:{update.update_id}"


class Dispatcher:
    """Handles stored updates: each chat's in order, under the chat's lease, many chats at once."""

    def __init__(self, db: Database, handle: Callable[[str], Awaitable[None]], *, lease_seconds: float = 15.0,
                 poll_seconds: float = 1.0, max_chats: int = 64):
        self.db, self.handle = db, handle
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

    async def store(self, *, key: str, sequence: int, chat: str, payload: str) -> None:
        """Commit an update (raises if the database cannot take it), then get its chat going here."""
        if await self._db(inbox.store, channel=CHANNEL, key=key, sequence=sequence, chat_key=chat,
                          payload=payload, now=utcnow()):
            self.start(chat)
        else:
            log.info("update %s already stored; ignoring the repeat", key)

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
            chats = await self._db(inbox.ready_chats, channel=CHANNEL, now=utcnow(), limit=self.max_chats)
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


class NotStored(TelegramError):
    """The update could not be stored: polling backs off and fetches it again, the webhook answers 500."""


class DurableUpdateQueue(asyncio.Queue):
    """The application's update queue: `put` stores a Telegram update durably instead of queueing it.

    An update that cannot be stored is refused (Telegram keeps it and sends it again); its resident is told
    once that the answer will be late (`on_not_stored`), not at every retry.
    """

    APOLOGIES_REMEMBERED = 10_000

    def __init__(self) -> None:
        super().__init__()
        self.dispatcher: Optional[Dispatcher] = None
        self.bot_id: Optional[int] = None
        self.on_not_stored: Optional[Callable[[Update], Awaitable[None]]] = None
        self._apologised: dict[int, None] = {}  # update ids, oldest first

    async def put(self, item: object) -> None:
        if not isinstance(item, Update):  # PTB's own stop signal for the application's fetcher
            await super().put(item)
            return
        assert self.dispatcher is not None and self.bot_id is not None, "attached before updates are taken"
        try:
            await self.dispatcher.store(key=update_key(self.bot_id, item.update_id), sequence=item.update_id,
                                        chat=chat_key(self.bot_id, item), payload=json.dumps(item.to_dict()))
        except SQLAlchemyError as error:
            await self._apologise_once(item)
            # A TelegramError, because PTB's polling loop stops for good on any other kind.
            raise NotStored(f"update {item.update_id} not stored: database unavailable "
                            f"({type(error).__name__})") from error


    async def _apologise_once(self, update: Update) -> None:
        if update.update_id in self._apologised or self.on_not_stored is None:
            return
        self._apologised[update.update_id] = None
        while len(self._apologised) > self.APOLOGIES_REMEMBERED:
            del self._apologised[next(iter(self._apologised))]
        try:
            await self.on_not_stored(update)
        except Exception:  # Telegram may be down too; the update is retried all the same
            log.exception("could not tell update %s's resident their answer will be late", update.update_id)


async def _tell_delayed(application: Application, update: Update) -> None:
    """Tell a private chat's resident that their message is kept and will be answered late."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or chat.type != Chat.PRIVATE or not (update.message or update.callback_query):
        return
    language = normalise_language(user.language_code if user else None)
    pacer = application.bot_data["deps"].pacer
    await send_replies(application.bot, chat.id, [Reply(text=texts.text("delayed", language))], pacer)


def attach(application: Application, queue: DurableUpdateQueue, *, lease_seconds: float,
           poll_seconds: float) -> Dispatcher:
    """A dispatcher handling the queue's stored updates with the application's handlers (initialized first)."""
    async def handle(payload: str) -> None:
        update = Update.de_json(json.loads(payload), application.bot)
        await application.update_processor.process_update(update, application.process_update(update))

    db = application.bot_data["deps"].db
    dispatcher = Dispatcher(db, handle, lease_seconds=lease_seconds, poll_seconds=poll_seconds)
    queue.dispatcher, queue.bot_id = dispatcher, application.bot.id
    queue.on_not_stored = functools.partial(_tell_delayed, application)
    return dispatcher
