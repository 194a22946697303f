"""The scheduler runs the push sweep on its interval and stops without losing or repeating a push."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from bot.push import PushLimiter, deliver_due
from cases.models import Notification
from jobs.scheduler import build_scheduler, stop_scheduler
from tests.bot.test_push import bot, fake, push_settings, queue_pushes  # noqa: F401 (fixtures)


def statuses(db) -> dict[int, str]:
    """Each outbox row's status."""
    with db.transaction() as s:
        return {row.id: row.status for row in s.scalars(select(Notification))}


def test_push_job_runs_once_at_a_time_on_its_interval(sqlite_db, push_settings):
    scheduler = build_scheduler(settings=push_settings, db=sqlite_db, bot=object())
    [job] = scheduler.get_jobs()
    assert (job.id, job.max_instances, job.coalesce) == ("telegram_push", 1, True)
    assert job.trigger.interval == timedelta(seconds=0.2)


def test_no_bot_no_push_job(sqlite_db, push_settings):
    assert build_scheduler(settings=push_settings, db=sqlite_db, bot=None).get_jobs() == []


async def test_scheduler_delivers_pushes_queued_while_it_runs(sqlite_db, fake, bot, push_settings):
    scheduler = build_scheduler(settings=push_settings, db=sqlite_db, bot=bot)
    scheduler.start()
    try:
        expected = queue_pushes(sqlite_db, chats=3, per_chat=2)
        for chat, texts in expected.items():
            assert [m.text for m in await fake.wait_for_messages(chat, 2, timeout=10)] == texts
    finally:
        await stop_scheduler(scheduler, grace_seconds=10)
    assert set(statuses(sqlite_db).values()) == {"sent"}


async def test_shutdown_mid_sweep_hands_back_the_rest_and_repeats_nothing(sqlite_db, fake, bot, push_settings):
    db = sqlite_db
    expected = queue_pushes(db, chats=20, per_chat=2)
    scheduler = build_scheduler(settings=push_settings, db=db, bot=bot)
    scheduler.start()
    while len(fake.sent_messages()) < 8:
        await asyncio.sleep(0.01)
    await stop_scheduler(scheduler, grace_seconds=10)
    delivered = len(fake.sent_messages())
    after_stop = list(statuses(db).values())
    assert "sending" not in after_stop  # nothing left waiting for its lease
    assert after_stop.count("sent") == delivered < 40
    # the next scheduler (a restart) sends the rest, each exactly once, in order; a real restart
    # (imports, then the first interval) takes longer than the chat interval its new limiter cannot know
    await asyncio.sleep(push_settings.push_per_chat_interval_seconds)
    stats = await deliver_due(db=db, bot=bot, limiter=PushLimiter.from_settings(push_settings), settings=push_settings)
    assert stats.sent == 40 - delivered
    assert fake.duplicates() == [] and fake.violations == []
    received: dict[int, list[str]] = {}
    for message in fake.sent_messages():
        received.setdefault(message.chat_id, []).append(message.text)
    assert received == expected
