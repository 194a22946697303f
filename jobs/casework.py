"""Sweeps that only touch the database: deadlines, satisfaction questions, long waits, old rate-limit counters."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from cases.clock import utcnow
from cases.followup import escalation, survey
from cases.guards import throttle
from cases.handoff import waits
from cases.store import conversations, inbox
from cases.store.db import Database
from huiyin import bootstrap
from huiyin.settings import Settings

log = logging.getLogger(__name__)
# Rate-limit counters (logins, web chat) older than this limit nothing: every window in use is shorter.
THROTTLE_ROWS_KEPT = timedelta(days=1)
# Telegram redelivers an update for at most a day; a week of seen update ids recognises every repeat.
SEEN_UPDATES_KEPT = timedelta(days=7)


async def in_transaction(db: Database, work: Callable[[Session], list]) -> list:
    """Run `work` in one transaction in a worker thread, so the event loop keeps serving other jobs."""

    def run() -> list:
        with db.transaction() as session:
            return work(session)

    return await asyncio.to_thread(run)


async def escalate_overdue(*, db: Database, settings: Settings, now: Callable[[], datetime] = utcnow) -> list:
    """Escalate overdue cases one level per step past their due date."""
    taken = await in_transaction(db, lambda s: escalation.escalate_overdue(
        s, step_hours=settings.escalation_step_hours, timezone=settings.timezone,
        quiet_hours=bootstrap.quiet_hours(settings), now=now()))
    if taken:
        log.info("escalated: %s", ", ".join(f"{reference} to level {level}" for reference, level in taken))
    return taken


async def send_surveys(*, db: Database, settings: Settings, now: Callable[[], datetime] = utcnow) -> list:
    """Ask residents of resolved cases whether the problem is fixed."""
    sent = await in_transaction(db, lambda s: [row.case_id for row in survey.send_due_surveys(
        s, delay_hours=settings.survey_delay_hours, timezone=settings.timezone,
        quiet_hours=bootstrap.quiet_hours(settings), now=now())])
    if sent:
        log.info("satisfaction questions queued for %d case(s)", len(sent))
    return sent


async def expire_surveys(*, db: Database, settings: Settings, now: Callable[[], datetime] = utcnow) -> list:
    """Close resolved cases whose satisfaction question went unanswered."""
    expired = await in_transaction(db, lambda s: [row.case_id for row in survey.expire_surveys(
        s, expiry_days=settings.survey_expiry_days, timezone=settings.timezone,
        quiet_hours=bootstrap.quiet_hours(settings), now=now())])
    if expired:
        log.info("%d satisfaction question(s) expired unanswered", len(expired))
    return expired


async def flag_long_waits(*, db: Database, settings: Settings, now: Callable[[], datetime] = utcnow) -> list:
    """Tell the city's supervisors about residents waiting too long for a person (in office hours)."""
    flagged = await in_transaction(db, lambda s: [row.id for row in waits.flag_long_waits(
        s, minutes=settings.handoff_flag_minutes, office_hours=bootstrap.office_hours(settings),
        now=now())])
    if flagged:
        log.info("long waits flagged to supervisors: handoff(s) %s", flagged)
    return flagged


async def purge_throttles(*, db: Database, settings: Settings, now: Callable[[], datetime] = utcnow) -> int:
    """Drop rate-limit counters whose window ended long ago, so the table holds only recent callers."""
    [purged] = await in_transaction(db, lambda s: [throttle.purge(s, before=now() - THROTTLE_ROWS_KEPT)])
    if purged:
        log.info("%d old rate-limit counter(s) purged", purged)
    return purged


async def forget_seen_updates(*, db: Database, now: Callable[[], datetime] = utcnow) -> int:
    """Forget the ids of Telegram updates and WeChat calls handled over a week ago: no redelivery comes that late."""
    [forgotten] = await in_transaction(db, lambda s: [sum(inbox.forget_seen(s, channel=channel,
                                                                            before=now() - SEEN_UPDATES_KEPT)
                                                          for channel in ("telegram", "wechat"))])
    if forgotten:
        log.info("%d handled update id(s) older than a week forgotten", forgotten)
    return forgotten


async def prune_conversations(*, settings: Settings, now: Callable[[], datetime] = utcnow) -> int:
    """Delete Rasa's conversation events older than TRACKER_RETENTION_DAYS; how many."""
    before = now() - timedelta(days=settings.tracker_retention_days)
    pruned = await asyncio.to_thread(conversations.prune, settings.tracker_store_url(), settings.rasa_tracker_schema,
                                     before=before)
    if pruned:
        log.info("%d conversation event(s) older than %s days deleted", pruned, settings.tracker_retention_days)
    return pruned
