"""Photo files nothing refers to are deleted once old enough: uploads of reports never sent, copies refused after
storing."""

from __future__ import annotations

import asyncio
import logging
import os
import stat
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from cases.clock import utcnow
from cases.models import CasePhoto, HandoffMessage
from cases.store.db import Database
from huiyin.settings import Settings

log = logging.getLogger(__name__)
BATCH = 500
# Every column that stores a path under the media directory.
PHOTO_PATH_COLUMNS = (CasePhoto.path, HandoffMessage.photo_path)


def old_files(media_dir: Path, older_than: datetime) -> Iterator[str]:
    """Paths (relative, with /) of regular files under `media_dir` last written before `older_than`; links are not
    followed."""
    cutoff = older_than.timestamp()
    for folder, _, names in os.walk(media_dir, followlinks=False):
        for name in names:
            path = Path(folder, name)
            try:
                info = path.lstat()
            except FileNotFoundError:  # removed meanwhile
                continue
            if stat.S_ISREG(info.st_mode) and info.st_mtime < cutoff:
                yield path.relative_to(media_dir).as_posix()


def referenced(session: Session, paths: list[str]) -> set[str]:
    """Those of `paths` that a case photo or a live-chat message refers to."""
    found: set[str] = set()
    for column in PHOTO_PATH_COLUMNS:
        found.update(session.scalars(select(column).where(column.in_(paths))))
    return found


def remove_orphans(session: Session, *, media_dir: Path, older_than: datetime) -> list[str]:
    """Delete files under `media_dir` written before `older_than` that nothing in the database refers to; return
    their paths."""
    if not media_dir.is_dir():
        return []
    removed: list[str] = []
    candidates = list(old_files(media_dir, older_than))
    for start in range(0, len(candidates), BATCH):
        batch = candidates[start:start + BATCH]
        kept = referenced(session, batch)
        for relative in batch:
            if relative not in kept:
                (media_dir / relative).unlink(missing_ok=True)
                removed.append(relative)
    return removed


async def remove_orphan_photos(*, db: Database, settings: Settings, now: Callable[[], datetime] = utcnow) -> list[str]:
    """The scheduled sweep: photos older than MEDIA_ORPHAN_HOURS that no case or live chat refers to."""
    older_than = now() - timedelta(hours=settings.media_orphan_hours)

    def run() -> list[str]:
        with db.transaction() as session:
            return remove_orphans(session, media_dir=settings.media_dir, older_than=older_than)

    removed = await asyncio.to_thread(run)
    if removed:
        log.info("removed %d photo file(s) nothing refers to", len(removed))
    return removed
