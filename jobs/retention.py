"""Retention sweeps over residents' data: stuck Telegram updates, old live-chat transcripts, photos of long-closed
cases (Rasa's conversation events: jobs/casework.prune_conversations, TRACKER_RETENTION_DAYS)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy.orm import Session

from cases.clock import utcnow
from cases.residents_data import retention
from cases.residents_data.forget import delete_files
from cases.store.db import Database
from huiyin.settings import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")


def _in_transaction(db: Database, work: Callable[[Session], T]) -> T:
    with db.transaction() as session:
        return work(session)


async def _delete_photos(db: Database, settings: Settings, work: Callable[[Session], list[str]]) -> list[str]:
    """Run `work` (it deletes rows and names their photo files) in a transaction, then delete the files."""
    photos = await asyncio.to_thread(_in_transaction, db, work)
    await asyncio.to_thread(delete_files, settings.media_dir, photos)  # after the commit: a rollback keeps them
    return photos


async def delete_stale_updates(*, db: Database, settings: Settings, now: Callable[[], datetime] = utcnow) -> int:
    """Telegram updates never handled, older than PENDING_UPDATE_RETENTION_DAYS; how many were deleted."""
    before = now() - timedelta(days=settings.pending_update_retention_days)
    deleted = await asyncio.to_thread(_in_transaction, db, lambda s: retention.delete_stale_updates(s, before=before))
    if deleted:
        log.info("%d unhandled Telegram update(s) older than %s days deleted", deleted,
                 settings.pending_update_retention_days)
    return deleted


async def delete_old_transcripts(*, db: Database, settings: Settings,
                                 now: Callable[[], datetime] = utcnow) -> list[str]:
    """Live-chat messages of chats ended over TRANSCRIPT_RETENTION_DAYS ago, and their photo files."""
    before = now() - timedelta(days=settings.transcript_retention_days)
    return await _delete_photos(db, settings, lambda s: retention.delete_old_transcripts(s, ended_before=before))


async def delete_closed_case_photos(*, db: Database, settings: Settings,
                                    now: Callable[[], datetime] = utcnow) -> list[str]:
    """Photos (rows and files) of cases closed over CLOSED_CASE_PHOTO_RETENTION_DAYS ago, a batch per run."""
    before = now() - timedelta(days=settings.closed_case_photo_retention_days)
    photos = await _delete_photos(
        db, settings, lambda s: retention.delete_closed_case_photos(s, closed_before=before))
    if photos:
        log.info("%d photo(s) of cases closed over %s days ago deleted", len(photos),
                 settings.closed_case_photo_retention_days)
    return photos
