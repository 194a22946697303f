"""The bot process (`python -m bot`): the web chat, and Telegram when a token is set, in one event loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import AsyncIterator, Awaitable

import uvicorn

from bot.rasa_client import RasaClient, RasaUnavailable
from bot.telegram.app import build_application, running, telegram_mode
from bot.webchat.app import create_app
from cases.store.db import Database
from huiyin.asgi import proxy_options
from huiyin.bootstrap import configure_logging, database, owner_only
from huiyin.settings import Settings, get_settings

log = logging.getLogger("bot")


class WebServer(uvicorn.Server):
    """uvicorn without its own signal handlers: this process stops the web chat and Telegram together."""

    def capture_signals(self):
        return contextlib.nullcontext()


async def unless_stopped(stop: asyncio.Event, work: Awaitable) -> bool:
    """Await `work` unless a stop signal comes first (then cancel it); whether it finished."""
    task, stopping = asyncio.ensure_future(work), asyncio.ensure_future(stop.wait())
    await asyncio.wait({task, stopping}, return_when=asyncio.FIRST_COMPLETED)
    stopping.cancel()
    if not task.done():
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        return False
    task.result()  # re-raises the work's failure
    return True


@contextlib.asynccontextmanager
async def telegram_channel(settings: Settings, *, db: Database, rasa: RasaClient) -> AsyncIterator[None]:
    """Telegram taking updates for the block's duration, or one log line saying it is off."""
    if telegram_mode(settings) == "off":
        log.info("TELEGRAM_BOT_TOKEN not set: Telegram channel off; web chat at http://%s:%s/",
                 settings.web_host, settings.web_port)
        yield
        return
    async with running(build_application(settings, db=db, rasa=rasa), settings):
        log.info("Telegram channel on; web chat at http://%s:%s/", settings.web_host, settings.web_port)
        yield


async def serve(settings: Settings, *, web_chat: bool = True) -> None:
    """Run until SIGINT or SIGTERM, then stop the web chat (unless `web_chat` is off) and Telegram cleanly."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    db = database(settings)
    rasa = RasaClient(settings.rasa_url, timeout=settings.rasa_timeout_seconds)
    try:
        # Taking updates before Rasa has loaded its model would only produce apologies.
        if not await unless_stopped(stop, rasa.wait_until_ready()):
            return
        async with telegram_channel(settings, db=db, rasa=rasa):
            if not web_chat:  # the web chat runs in its own workers (python -m bot.webchat)
                await stop.wait()
            else:
                web = WebServer(uvicorn.Config(create_app(settings=settings, db=db, rasa=rasa),
                                               host=settings.web_host, port=settings.web_port, log_level="warning",
                                               ws="none",  # the web chat polls; no websockets needed
                                               **proxy_options(settings.trusted_proxies)))
                web_task = asyncio.ensure_future(web.serve())
                await unless_stopped(stop, asyncio.shield(web_task))
                web.should_exit = True  # a stop signal came (or the web chat ended on its own)
                await web_task
        log.info("stopped")
    finally:
        await rasa.aclose()
        db.dispose()


def main(argv: list[str] | None = None) -> int:
    """Start the bot process (`--telegram-only`: without the web chat); the exit status says whether it ran."""
    telegram_only = "--telegram-only" in (sys.argv[1:] if argv is None else argv)
    configure_logging()
    settings = get_settings()
    owner_only(settings)  # photos, the database and secrets this process writes: owner-only
    try:
        telegram_mode(settings)  # refuse a bad configuration before connecting to anything
    except ValueError as exc:
        log.error("%s", exc)
        return 2
    try:
        asyncio.run(serve(settings, web_chat=not telegram_only))
    except RasaUnavailable as exc:
        log.error("%s", exc)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
