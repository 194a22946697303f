"""Telegram updates stored before they are acknowledged, then handled chat by chat in order by any worker.

PTB's updater (polling or webhook) puts every update it receives into the application's update queue and, in
both modes, acknowledges it only after that `put` returns: polling confirms a batch with the next getUpdates,
the webhook answers 200 when its handler returns. `DurableUpdateQueue.put` returns only once the update is
committed to the database (cases.store.inbox), so a crash after the acknowledgement loses nothing, and a put
that fails (the database is down) makes the webhook answer 500 and polling fetch the batch again.

`Dispatcher` (bot/dispatcher.py, shared with WeChat) handles what is stored: a chat's updates one after another in
Telegram's order, by whichever worker holds the chat's lease; different chats at once, and chats left by a
worker that died.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Optional

from sqlalchemy.exc import SQLAlchemyError
from telegram import Chat, Update
from telegram.error import TelegramError
from telegram.ext import Application

from bot import texts
from bot.dispatcher import Dispatcher as ChannelDispatcher
from bot.rasa_client import Reply
from bot.telegram.records import CHANNEL
from bot.telegram.replies import send_replies
from cases.residents import normalise_language
from cases.store.db import Database

log = logging.getLogger(__name__)


def update_key(bot_id: int, update_id: int) -> str:
    """update_id counts per bot, so the bot's id keeps two bots sharing a database apart."""
    return f"{bot_id}:{update_id}"


def chat_key(bot_id: int, update: Update) -> str:
    """The queue an update waits in: its chat's, or one of its own if it has no chat."""
    chat = update.effective_chat
    return f"{CHANNEL}:{bot_id}:{chat.id}" if chat else f"{CHANNEL}:{bot_id}:update:{update.update_id}"


class Dispatcher(ChannelDispatcher):
    """The dispatcher of stored Telegram updates (bot/dispatcher.py)."""

    def __init__(self, db: Database, handle: Callable[[str], Awaitable[None]], **options: Any):
        super().__init__(db, handle, channel=CHANNEL, **options)


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
