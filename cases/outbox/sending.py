"""Sending: a sender claims the rows due, under a lease, and records what became of each."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import ColumnElement, Exists, and_, or_, select, update
from sqlalchemy.orm import Session, aliased

from cases.clock import utcnow
from cases.models import Notification
from cases.outbox.status import RECEIPT, OutboxStatus


def _due(now: datetime, stale: datetime) -> ColumnElement[bool]:
    """A row due for sending: pending and its time has come, or claimed by a sender whose lease ran out."""
    return or_(
        and_(Notification.status == OutboxStatus.PENDING.value, Notification.next_attempt_at <= now),
        and_(Notification.status == OutboxStatus.SENDING.value, Notification.claimed_at < stale),
    )


def _held_back(now: datetime, stale: datetime) -> Exists:
    """A row that waits for an earlier message to the same resident (being sent, or waiting for a retry)."""
    earlier = aliased(Notification)
    return (
        select(earlier.id)
        .where(
            earlier.resident_id == Notification.resident_id,
            earlier.id < Notification.id,
            # An urgent row (a live chat) waits only for earlier urgent ones, not for a push held by quiet hours.
            or_(Notification.urgent.is_(False), earlier.urgent.is_(True)),
            or_(
                # A receipt still held back (never tried) holds nothing up: it may well be cancelled.
                and_(earlier.status == OutboxStatus.PENDING.value, earlier.next_attempt_at > now,
                     or_(earlier.kind.is_(None), earlier.kind != RECEIPT, earlier.attempts > 0)),
                and_(earlier.status == OutboxStatus.SENDING.value, earlier.claimed_at >= stale),
            ),
        )
        .exists()
    )


def claim_due(
    session: Session,
    *,
    channel: str,
    limit: int,
    lease_seconds: float = 120.0,
    now: Optional[datetime] = None,
) -> list[Notification]:
    """Claim up to `limit` rows due for sending, oldest first; a stale claim (crashed sender) is due again.

    A row waits while an earlier message to the same resident is being sent or waits for a retry,
    so every chat gets its messages in order; urgent rows keep their order among themselves only.
    """
    now = now or utcnow()
    stale = now - timedelta(seconds=lease_seconds)
    due, held_back = _due(now, stale), _held_back(now, stale)
    claimed: list[int] = []
    while len(claimed) < limit:
        candidates = list(
            session.scalars(
                select(Notification.id)
                .where(Notification.channel == channel, due, ~held_back)
                .order_by(Notification.id)
                .limit(limit - len(claimed))
                .with_for_update(skip_locked=True, of=Notification)
            )
        )
        if not candidates:
            break
        # SQLite's SELECT locks nothing, so the UPDATE checks again: a concurrent claimer that got there
        # first keeps its rows, and the next round (now under our write lock) looks further.
        won = list(
            session.scalars(
                update(Notification)
                .where(Notification.id.in_(candidates), due, ~held_back)
                .values(status=OutboxStatus.SENDING.value, claimed_at=now, attempts=Notification.attempts + 1)
                .returning(Notification.id)
                .execution_options(synchronize_session=False)
            )
        )
        claimed += won
        if len(won) == len(candidates):
            break
    return list(
        session.scalars(
            select(Notification)
            .where(Notification.id.in_(claimed))
            .order_by(Notification.id)
            .execution_options(populate_existing=True)
        )
    )


def mark_sent(session: Session, *, notification_id: int, now: Optional[datetime] = None) -> None:
    """Record that the platform accepted the message."""
    row = session.get_one(Notification, notification_id)
    row.status, row.sent_at, row.last_error = OutboxStatus.SENT.value, now or utcnow(), None


def mark_retry(
    session: Session, *, notification_id: int, error: str, retry_at: datetime, max_attempts: int
) -> bool:
    """Put a row back for another try at `retry_at`, or fail it after `max_attempts`; True if it will be retried."""
    row = session.get_one(Notification, notification_id)
    row.last_error = error[:2000]
    if row.attempts >= max_attempts:
        row.status = OutboxStatus.FAILED.value
        return False
    row.status, row.next_attempt_at, row.claimed_at = OutboxStatus.PENDING.value, retry_at, None
    return True


def release(session: Session, *, notification_id: int, retry_at: datetime) -> None:
    """Give a claimed row back unsent, without counting the attempt (e.g. rate limited)."""
    row = session.get_one(Notification, notification_id)
    row.status, row.next_attempt_at, row.claimed_at = OutboxStatus.PENDING.value, retry_at, None
    row.attempts = max(0, row.attempts - 1)


def mark_failed(session: Session, *, notification_id: int, error: str) -> None:
    """Give up on a row for good (e.g. the resident blocked the bot)."""
    row = session.get_one(Notification, notification_id)
    row.status, row.last_error = OutboxStatus.FAILED.value, error[:2000]
