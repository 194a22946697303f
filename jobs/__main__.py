"""The scheduler process: `python -m jobs` runs the periodic jobs until SIGINT or SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from telegram import Bot
from telegram.error import NetworkError

from bot.delivery.push import push_bot
from huiyin import bootstrap
from huiyin.settings import get_settings
from jobs.leader import SchedulerLock
from jobs.scheduler import build_scheduler, stop_scheduler, wechat_client

log = logging.getLogger("jobs")
SHUTDOWN_GRACE_SECONDS = 30.0  # room for sends on the wire to finish and be recorded (PTB's HTTP timeouts fit)
LOCK_RETRY_SECONDS = 5.0  # a standby scheduler asks for the lock this often
LOCK_CHECK_SECONDS = 5.0  # the running one checks it still holds it this often


async def run() -> None:
    """Run the scheduler while this process holds the scheduler lock, until a stop signal; then let running sweeps
    wind down and close everything."""
    settings = get_settings()
    bootstrap.owner_only(settings)  # the database and anything else this process writes: owner-only
    db = bootstrap.database(settings)
    lock = SchedulerLock(settings.database_url, settings.var_dir)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        async with contextlib.AsyncExitStack() as stack:
            bot = None
            if settings.telegram_bot_token:
                bot = push_bot(settings)
                stack.push_async_callback(bot.shutdown)
                await _connect(bot)
            else:
                log.warning("TELEGRAM_BOT_TOKEN is not set: Telegram pushes are off "
                            "(web chat residents still get their updates when they poll)")
            wechat = wechat_client(settings, db)
            if wechat is not None:
                stack.callback(wechat.close)
            while await _lead(lock, stop):
                scheduler = build_scheduler(settings=settings, db=db, bot=bot, wechat=wechat)
                scheduler.start()
                log.info("scheduler running: %s", ", ".join(job.id for job in scheduler.get_jobs()) or "no jobs yet")
                await _while_held(lock, stop)
                log.info("stopping")
                await stop_scheduler(scheduler, grace_seconds=SHUTDOWN_GRACE_SECONDS)
                if stop.is_set():
                    break
    finally:
        await asyncio.to_thread(lock.release)
        db.dispose()
    log.info("stopped")


async def _lead(lock: SchedulerLock, stop: asyncio.Event) -> bool:
    """Wait until this process holds the scheduler lock (True) or a stop signal comes (False)."""
    waiting = False
    while not stop.is_set():
        if await asyncio.to_thread(lock.try_acquire):
            if waiting:
                log.info("the scheduler lock is free: taking over")
            return True
        if not waiting:
            log.info("another scheduler is running: standing by")
            waiting = True
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), LOCK_RETRY_SECONDS)
    return False


async def _while_held(lock: SchedulerLock, stop: asyncio.Event) -> None:
    """Return on a stop signal, or when the lock is no longer this process's (then another may have taken it)."""
    while not stop.is_set():
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), LOCK_CHECK_SECONDS)
        if not stop.is_set() and not await asyncio.to_thread(lock.still_held):
            log.error("the scheduler lock was lost (database connection gone): stopping the jobs until it is back")
            return


async def _connect(bot: Bot) -> None:
    """Check the token with Telegram; if Telegram is unreachable now, pushes simply retry later."""
    try:
        await bot.initialize()
    except NetworkError as exc:
        log.warning("Telegram unreachable at start-up (%s); pushes will be retried", exc)


class _SkipOverlapWarnings(logging.Filter):
    """Drops APScheduler's warning that a run was skipped while the last one still drains a backlog (by design)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "maximum number of running instances reached" not in record.getMessage()


def main() -> None:
    """Configure logging and run the scheduler."""
    bootstrap.configure_logging()
    logging.getLogger("apscheduler.scheduler").addFilter(_SkipOverlapWarnings())
    asyncio.run(run())


if __name__ == "__main__":
    main()
