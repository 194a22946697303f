"""The Telegram channel: an Application wired to our handlers, taking updates by long polling or webhook."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

from telegram import Update
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, BaseUpdateProcessor, ContextTypes

from bot.delivery.pacing import ChatPacer
from bot.rasa_client import RasaClient
from bot.telegram.context import Deps, HuiyinContext
from bot.telegram.handlers import add_handlers
from bot.telegram.inbox import DurableUpdateQueue, attach
from cases.store.db import Database
from huiyin.settings import Settings

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ("message", "callback_query")
_SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # what Telegram accepts as secret_token


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Different chats are handled concurrently, the updates of one chat strictly one after another."""

    def __init__(self, max_busy_chats: int = 64):
        # The base class's limit is taken before our chat lock: kept huge so that updates waiting
        # for their chat hold no working slot (one flooding chat must not stall the others).
        super().__init__(max_concurrent_updates=100_000)
        self._working = asyncio.Semaphore(max_busy_chats)
        self._chats: dict[int, list[Any]] = {}  # chat id -> [lock, updates holding or waiting]

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run the update's handlers once its chat's earlier updates are done."""
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            async with self._working:
                await coroutine
            return
        entry = self._chats.setdefault(chat.id, [asyncio.Lock(), 0])
        entry[1] += 1
        try:
            async with entry[0], self._working:  # asyncio.Lock wakes waiters in arrival order
                await coroutine
        finally:
            entry[1] -= 1
            if entry[1] == 0:
                del self._chats[chat.id]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to free."""


def telegram_mode(settings: Settings) -> str:
    """"off", "polling" or "webhook" as the settings ask; raises ValueError for an unsafe webhook."""
    if not settings.telegram_bot_token:
        return "off"
    if not settings.telegram_webhook_url:
        return "polling"
    if not _SECRET_TOKEN.match(settings.telegram_webhook_secret or ""):
        raise ValueError(
            "TELEGRAM_WEBHOOK_URL is set but TELEGRAM_WEBHOOK_SECRET is missing or not 1-256 characters "
            "of A-Z, a-z, 0-9, _ and -: refusing to start a webhook anyone could post updates to"
        )
    return "webhook"


def build_application(settings: Settings, *, db: Database, rasa: RasaClient) -> Application:
    """The bot's Application, wired to the handlers and not yet started."""
    application = (
        ApplicationBuilder()
        .token(settings.telegram_bot_token or "")  # Bot refuses an empty token (InvalidToken) as it refuses None
        .base_url(settings.telegram_api_base_url)
        .base_file_url(settings.telegram_file_base_url)
        # Retries honour Telegram's retry_after instead of handing RetryAfter to the handlers. The overall rate is
        # smooth (a bucket of one refilled PUSH_RATE_PER_SECOND times a second): PTB's default lets 30 through at
        # once and then 30 a second, up to 60 in one second, over Telegram's 30.
        .rate_limiter(AIORateLimiter(overall_max_rate=1, overall_time_period=1 / settings.push_rate_per_second,
                                     max_retries=3))
        .concurrent_updates(PerChatUpdateProcessor())
        .update_queue(DurableUpdateQueue())  # stored before acknowledged, handled by the inbox's dispatcher
        .context_types(ContextTypes(context=HuiyinContext))
        .build()
    )
    pacer = ChatPacer(db, settings.push_per_chat_interval_seconds, burst=settings.push_per_chat_burst)
    application.bot_data["deps"] = Deps(settings=settings, db=db, rasa=rasa, pacer=pacer)
    add_handlers(application)
    return application


async def _take_updates(application: Application, mode: str, settings: Settings) -> None:
    """Start PTB's updater in the mode the settings ask for."""
    updater = application.updater
    assert updater is not None, "ApplicationBuilder gives every application an updater unless told not to"
    if mode == "webhook":
        url = settings.telegram_webhook_url
        assert url is not None  # the webhook mode is chosen by it
        await updater.start_webhook(
            listen=settings.telegram_webhook_listen,
            port=settings.telegram_webhook_port,
            url_path=urlsplit(url).path.strip("/"),  # a proxy forwards the public path as is
            webhook_url=url,
            secret_token=settings.telegram_webhook_secret,
            allowed_updates=list(ALLOWED_UPDATES),
        )
        log.info("Telegram: webhook %s, listening on %s:%s", url, settings.telegram_webhook_listen,
                 settings.telegram_webhook_port)
    else:
        # Pending updates are kept: residents wrote them while we were down.
        await updater.start_polling(allowed_updates=list(ALLOWED_UPDATES))
        log.info("Telegram: long polling as @%s", application.bot.username)


@asynccontextmanager
async def running(application: Application, settings: Settings) -> AsyncIterator[Application]:
    """Take updates for the duration of the block: by webhook if TELEGRAM_WEBHOOK_URL is set, else by polling.

    Every update is stored before Telegram is told we have it, then handled by the dispatcher (bot.telegram.inbox).
    """
    mode = telegram_mode(settings)
    queue = application.update_queue
    assert isinstance(queue, DurableUpdateQueue), "build_application gives it one"
    async with application:
        dispatcher = attach(application, queue, lease_seconds=settings.telegram_lease_seconds,
                            poll_seconds=settings.telegram_inbox_poll_seconds)
        application.bot_data["dispatcher"] = dispatcher
        await application.start()
        try:
            async with dispatcher:
                try:
                    await _take_updates(application, mode, settings)
                    yield application
                finally:
                    if application.updater and application.updater.running:
                        await application.updater.stop()  # nothing more is stored from here on
        finally:
            await application.stop()
