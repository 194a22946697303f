"""How long residents' data stays: sweeps over the database that delete what is older than its retention period
(README "Residents' data"); each returns what it deleted, and running one twice deletes nothing more."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from cases.models import Case, CasePhoto, HandoffMessage, HandoffRequest, PendingUpdate
from cases.workflow import FINAL_STATUSES

BATCH = 500


def delete_stale_updates(session: Session, *, before: datetime) -> int:
    """Delete Telegram updates and WeChat messages stored before `before` and never handled (they hold a
    resident's message); how many.

    Handled updates are deleted as they are handled (cases/store/inbox.py); only stuck ones get this old."""
    result = session.execute(delete(PendingUpdate).where(PendingUpdate.received_at < before)
                             .execution_options(synchronize_session=False))
    return result.rowcount or 0  # type: ignore[attr-defined]


def delete_old_transcripts(session: Session, *, ended_before: datetime) -> list[str]:
    """Delete the messages of live chats that ended before `ended_before`, and their reasons; the photo paths
    they held (the caller deletes the files once committed)."""
    ended = select(HandoffRequest.id).where(HandoffRequest.ended_at.is_not(None),
                                            HandoffRequest.ended_at < ended_before)
    photos = [p for p in session.scalars(select(HandoffMessage.photo_path).where(
        HandoffMessage.handoff_id.in_(ended), HandoffMessage.photo_path.is_not(None))) if p]
    session.execute(delete(HandoffMessage).where(HandoffMessage.handoff_id.in_(ended))
                    .execution_options(synchronize_session=False))
    session.execute(update(HandoffRequest).where(HandoffRequest.id.in_(ended), HandoffRequest.reason.is_not(None))
                    .values(reason=None).execution_options(synchronize_session=False))
    return photos


def delete_closed_case_photos(session: Session, *, closed_before: datetime) -> list[str]:
    """Delete the photo rows of cases in a final status whose last change was before `closed_before` (the public
    board's approved photos too: a photo outlives no case); their paths, for the caller to delete the files."""
    rows = session.execute(select(CasePhoto.id, CasePhoto.path).join(Case, Case.id == CasePhoto.case_id)
                           .where(Case.status.in_([s.value for s in FINAL_STATUSES]), Case.updated_at < closed_before)
                           .limit(BATCH)).all()
    if rows:
        session.execute(delete(CasePhoto).where(CasePhoto.id.in_([row.id for row in rows]))
                        .execution_options(synchronize_session=False))
    return [row.path for row in rows]
