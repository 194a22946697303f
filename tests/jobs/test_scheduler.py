"""The scheduler runs the push sweep on its interval and stops without losing or repeating a push."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from bot.delivery.push import PushLimiter, deliver_due
from cases import lifecycle
from cases.clock import utcnow
from cases.models import Notification
from cases.store import inbox
from jobs.scheduler import build_scheduler, scheduled_jobs, stop_scheduler, wechat_client
from tests.bot.test_push import bot, fake, push_settings, queue_pushes  # noqa: F401 (fixtures)
from tests.cases.builders import open_case, resident
from tests.city import CITY


def statuses(db) -> dict[int, str]:
    """Each outbox row's status."""
    with db.transaction() as s:
        return {row.id: row.status for row in s.scalars(select(Notification))}


DATABASE_JOBS = {
    "escalation": 60,
    "surveys": 60,
    "survey_expiry": 300,
    "handoff_waits": 30,
    "orphan_photos": 3600,
    "throttle_purge": 3600,
    "conversation_prune": 3600,
    "seen_updates_purge": 3600,
    "stale_updates_purge": 3600,
    "transcript_retention": 3600,
    "closed_photo_retention": 3600,
}
TELEGRAM_JOBS = {"telegram_push": 0.2, "reports": 300}


def test_every_job_runs_once_at_a_time_on_its_interval(sqlite_db, push_settings):
    scheduler = build_scheduler(settings=push_settings, db=sqlite_db, bot=object())
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert {name: job.trigger.interval for name, job in jobs.items()} == {
        name: timedelta(seconds=seconds) for name, seconds in {**DATABASE_JOBS, **TELEGRAM_JOBS}.items()
    }
    assert {(job.max_instances, job.coalesce) for job in jobs.values()} == {(1, True)}


def test_wechat_configured_adds_its_sender(sqlite_db, push_settings):
    settings = push_settings.model_copy(update=dict(wechat_token="t", wechat_app_id="wx-app", wechat_app_secret="s"))
    wechat = wechat_client(settings, sqlite_db)
    assert wechat is not None and wechat_client(push_settings, sqlite_db) is None
    try:
        jobs = {job.id: job.seconds for job in scheduled_jobs(settings=settings, db=sqlite_db, bot=None, wechat=wechat)}
    finally:
        wechat.close()
    assert jobs == {**DATABASE_JOBS, "wechat_push": settings.push_interval_seconds}


def test_without_a_bot_only_the_database_jobs_run(sqlite_db, push_settings):
    jobs = scheduled_jobs(settings=push_settings, db=sqlite_db, bot=None)
    assert {job.id: job.seconds for job in jobs} == DATABASE_JOBS


async def test_database_jobs_do_their_sweep(sqlite_db, push_settings):
    """Each database job runs its sweep on the real database and the wall clock."""
    jobs = {job.id: job for job in scheduled_jobs(settings=push_settings, db=sqlite_db, bot=None)}
    assert [await job.run() for job in jobs.values()] == [[], [], [], [], [], 0, 0, 0, 0, [], []]
    with sqlite_db.transaction() as s:
        inbox.remember(s, "telegram", "1:1", utcnow() - timedelta(days=8))
        inbox.remember(s, "telegram", "1:2", utcnow() - timedelta(days=6))
    assert await jobs["seen_updates_purge"].run() == 1
    with sqlite_db.transaction() as s:
        late = open_case(s, resident(s, "1"), now=utcnow() - timedelta(days=8))  # a pothole is due in 7
        done = open_case(s, resident(s, "2"), now=utcnow() - timedelta(days=1))
        lifecycle.change_status(
            s, case=done, to_status="resolved", actor="staff", now=utcnow() - timedelta(hours=3), **CITY
        )
        late_ref, done_id = late.reference, done.id
    assert await jobs["escalation"].run() == [(late_ref, 1)]
    assert await jobs["surveys"].run() == [done_id]
    assert await jobs["escalation"].run() == [] and await jobs["surveys"].run() == []


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
    # the next scheduler (a restart) sends the rest, each exactly once, in order, keeping each chat's pace
    # through the database (its new limiter knows nothing of the first one's sends)
    stats = await deliver_due(db=db, bot=bot, limiter=PushLimiter.from_settings(push_settings), settings=push_settings)
    assert stats.sent == 40 - delivered
    assert fake.duplicates() == [] and fake.violations == []
    received: dict[int, list[str]] = {}
    for message in fake.sent_messages():
        received.setdefault(message.chat_id, []).append(message.text)
    assert received == expected
