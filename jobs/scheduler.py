"""The scheduler and its list of periodic jobs."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, Optional

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from telegram import Bot

from bot.delivery.push import PushLimiter, deliver_due
from bot.wechat import push as wechat_push
from bot.wechat.api import WeChatApi
from cases.store.db import Database
from huiyin.settings import Settings
from jobs import casework, media, retention
from jobs.reports import queue_due_reports

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    """One periodic sweep: an id, the coroutine function to run and how often."""

    id: str
    run: Callable[[], Awaitable[Any]]
    seconds: float


def scheduled_jobs(*, settings: Settings, db: Database, bot: Optional[Bot],
                   wechat: Optional[WeChatApi] = None) -> list[Job]:
    """Every periodic job of this deployment (those that talk to Telegram only when there is a bot, to WeChat only
    when there is a WeChat client: `wechat_client` makes one when WeChat is configured)."""
    jobs = [
        Job("escalation", partial(casework.escalate_overdue, db=db, settings=settings), 60),
        Job("surveys", partial(casework.send_surveys, db=db, settings=settings), 60),
        Job("survey_expiry", partial(casework.expire_surveys, db=db, settings=settings), 300),
        Job("handoff_waits", partial(casework.flag_long_waits, db=db, settings=settings), 30),
        Job("orphan_photos", partial(media.remove_orphan_photos, db=db, settings=settings), 3600),
        Job("throttle_purge", partial(casework.purge_throttles, db=db, settings=settings), 3600),
        Job("conversation_prune", partial(casework.prune_conversations, settings=settings), 3600),
        Job("seen_updates_purge", partial(casework.forget_seen_updates, db=db), 3600),
        Job("stale_updates_purge", partial(retention.delete_stale_updates, db=db, settings=settings), 3600),
        Job("transcript_retention", partial(retention.delete_old_transcripts, db=db, settings=settings), 3600),
        Job("closed_photo_retention", partial(retention.delete_closed_case_photos, db=db, settings=settings), 3600),
    ]
    if bot is not None:
        # One limiter per process, shared: Telegram counts all of the bot's messages together.
        limiter = PushLimiter.from_settings(settings)
        jobs += [
            Job("telegram_push", partial(deliver_due, db=db, bot=bot, limiter=limiter, settings=settings),
                settings.push_interval_seconds),
            # Staff alerts' Telegram copies are queued with the alerts; this queues the reports' summaries.
            Job("reports", partial(queue_due_reports, db=db, settings=settings), 300),
        ]
    if wechat is not None:
        jobs.append(Job("wechat_push", partial(wechat_push.deliver_due, db=db, api=wechat, settings=settings),
                        settings.push_interval_seconds))
    return jobs


def wechat_client(settings: Settings, db: Database) -> Optional[WeChatApi]:
    """The WeChat client the jobs send with (its access token shared with the channel's), or None if WeChat is off."""
    return WeChatApi(settings, db=db) if settings.wechat_enabled() else None


def build_scheduler(*, settings: Settings, db: Database, bot: Optional[Bot],
                    wechat: Optional[WeChatApi] = None) -> AsyncIOScheduler:
    """An AsyncIOScheduler with every job, not yet started; each job runs once at a time."""
    scheduler = AsyncIOScheduler(timezone="UTC")
    for job in scheduled_jobs(settings=settings, db=db, bot=bot, wechat=wechat):
        # Sweeps are idempotent over database state: a run missed or skipped is caught up by the next.
        scheduler.add_job(partial(_until_shutdown, job), "interval", seconds=job.seconds, id=job.id,
                          name=job.id, max_instances=1, coalesce=True, misfire_grace_time=None)
    return scheduler


async def stop_scheduler(scheduler: AsyncIOScheduler, *, grace_seconds: float = 30.0) -> None:
    """Shut the scheduler down and give running sweeps `grace_seconds` to finish their sends and hand back the rest."""
    scheduler.shutdown(wait=False)  # cancels running jobs
    await asyncio.sleep(0)  # AsyncIOScheduler shuts down on the loop's next turn
    # The process runs nothing but the scheduler's jobs, so every other task belongs to one of them.
    running = asyncio.all_tasks() - {asyncio.current_task()}
    if running:
        await asyncio.wait(running, timeout=grace_seconds)


async def _until_shutdown(job: Job) -> Any:
    """Run a job; shutdown cancels it, and a cancelled sweep has already handed back its work."""
    try:
        return await job.run()
    except asyncio.CancelledError:
        log.info("%s stopped by shutdown", job.id)
        return None
