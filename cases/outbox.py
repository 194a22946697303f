"""The outbox: notifications queued in the same transaction as the change they report."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from enum import Enum
from typing import Optional

from sqlalchemy import ColumnElement, Exists, and_, func, or_, select, update
from sqlalchemy.orm import Session, aliased
from sqlalchemy.orm.attributes import set_committed_value

from cases import messages
from cases.catalog import Catalog, load_catalog
from cases.clock import utcnow
from cases.hours import QuietHours
from cases.models import Case, CaseEvent, Notification, Resident, StaffUser
from cases.store.db import affected_rows


class OutboxStatus(str, Enum):
    """Where a queued notification stands (stored as its value in Notification.status)."""

    PENDING = "pending"
    SENDING = "sending"  # claimed by a sender, under a lease
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


_UNSENT = (OutboxStatus.PENDING.value, OutboxStatus.SENDING.value)
# The old names, kept for one release for callers outside cases/.
PENDING, SENDING, SENT, FAILED, CANCELLED = (
    OutboxStatus.PENDING, OutboxStatus.SENDING, OutboxStatus.SENT, OutboxStatus.FAILED, OutboxStatus.CANCELLED)
# Notification.kind of a new case's reference held back while the conversation delivers it.
RECEIPT = "receipt"
# Notification.kind of a staff member's Telegram copy of an alert, and of a report's summary.
STAFF_ALERT, REPORT = "staff_alert", "report"
TELEGRAM = "telegram"


def queue(
    session: Session,
    *,
    resident: Resident,
    text: str,
    case: Optional[Case] = None,
    event: Optional[CaseEvent] = None,
    buttons: Optional[Sequence[Sequence[dict[str, str]]]] = None,
    urgent: bool = False,
    quiet_hours: Optional[QuietHours] = None,
    not_before: Optional[datetime] = None,
    kind: Optional[str] = None,
    now: Optional[datetime] = None,
) -> Optional[Notification]:
    """Queue one message to a resident; None if this event was queued for them already.

    `buttons` are rows of {"title", "payload"}. A message that is not urgent waits out `quiet_hours`
    (required for it); none goes before `not_before`, if given.
    """
    if not urgent and quiet_hours is None:
        raise TypeError("a message that is not urgent needs the city's quiet_hours")
    if event is not None and event.id is not None:
        existing = session.scalar(
            select(Notification).where(
                Notification.event_id == event.id, Notification.resident_id == resident.id
            )
        )
        if existing is not None:
            return None
    now = now or utcnow()
    if urgent:
        send_at = now
    else:
        assert quiet_hours is not None  # refused above otherwise
        send_at = quiet_hours.release_time(now)
    if not_before is not None:
        send_at = max(send_at, not_before)
    notification = Notification(
        resident=resident,
        case_id=case.id if case is not None else None,
        event_id=event.id if event is not None else None,
        channel=resident.channel,
        chat_id=resident.external_id,
        text=text,
        buttons=json.dumps([list(row) for row in buttons], ensure_ascii=False) if buttons else None,
        urgent=urgent,
        status=OutboxStatus.PENDING.value,
        attempts=0,
        next_attempt_at=send_at,
        created_at=now,
        kind=kind,
    )
    session.add(notification)
    session.flush()
    return notification


def queue_for_staff(
    session: Session, *, staff: StaffUser, text: str, kind: str, now: Optional[datetime] = None
) -> Optional[Notification]:
    """Queue one Telegram message to a staff member (urgent: no quiet hours for staff); None without a chat id."""
    if not staff.telegram_chat_id:
        return None
    now = now or utcnow()
    notification = Notification(
        staff_id=staff.id, channel=TELEGRAM, chat_id=staff.telegram_chat_id, text=text[:4096], urgent=True,
        status=OutboxStatus.PENDING.value, attempts=0, next_attempt_at=now, created_at=now, kind=kind,
    )
    session.add(notification)
    return notification


def queue_status_change(
    session: Session,
    *,
    case: Case,
    event: CaseEvent,
    resident: Optional[Resident] = None,
    timezone: str,
    quiet_hours: QuietHours,
    catalog: Optional[Catalog] = None,
    now: Optional[datetime] = None,
) -> Optional[Notification]:
    """Queue the push that tells a case's resident (or a follower of a merged case) about a status change."""
    followed = resident is not None and resident.id != case.resident_id
    resident = resident or case.resident
    text = messages.status_changed_text(
        language=resident.language,
        reference=case.reference or "",
        type_name=(catalog or load_catalog()).type_name(case.request_type, resident.language),
        status=event.to_status,
        public_note=event.public_note,
        due_at=case.due_at,
        timezone=timezone,
        scheduled_for=case.scheduled_for,
        duplicate_of=case.duplicate_of.reference if case.duplicate_of is not None else None,
        followed=followed,
    )
    return queue(session, resident=resident, text=text, case=case, event=event, quiet_hours=quiet_hours, now=now)


def queue_receipt(
    session: Session,
    *,
    case: Case,
    delay_seconds: float,
    timezone: str,
    catalog: Optional[Catalog] = None,
    now: Optional[datetime] = None,
) -> Optional[Notification]:
    """Queue a new case's reference for its resident, held back `delay_seconds`; None if queued already.

    Called in the transaction that opens the case from a conversation. The conversation's own reply
    normally carries the reference, and the channel cancels this row once that reply has reached the
    resident (`cancel_receipts`); if it never does (the bot died in between), the push goes out when
    the delay is over, urgent (it answers what they just did, so quiet hours do not hold it).
    Keyed on the case's first event, so a retried filing queues nothing more.
    """
    now = now or utcnow()
    resident = case.resident
    text = messages.case_opened_text(
        language=resident.language, reference=case.reference or "",
        type_name=(catalog or load_catalog()).type_name(case.request_type, resident.language),
        due_at=case.due_at, timezone=timezone,
    )
    return queue(session, resident=resident, text=text, case=case, event=case.events[0], urgent=True,
                 not_before=now + timedelta(seconds=delay_seconds), kind=RECEIPT, now=now)


def cancel_receipts(session: Session, *, resident: Resident, references: Iterable[str]) -> int:
    """The resident has been shown these references: cancel their held receipts; how many were cancelled.

    One conditional UPDATE: a receipt a sender has already claimed is not touched (it goes out), and one
    cancelled here can no longer be claimed, so each receipt is either cancelled or sent, never both.
    """
    references = sorted(set(references))
    if not references:
        return 0
    cases_shown = select(Case.id).where(Case.resident_id == resident.id, Case.reference.in_(references))
    result = session.execute(
        update(Notification)
        .where(Notification.resident_id == resident.id, Notification.kind == RECEIPT,
               Notification.status == OutboxStatus.PENDING.value, Notification.case_id.in_(cases_shown))
        .values(status=OutboxStatus.CANCELLED.value)
        .execution_options(synchronize_session=False)
    )
    return affected_rows(result) or 0


def buttons_of(notification: Notification) -> list[list[dict[str, str]]]:
    """The rows of buttons stored with a notification (empty if none)."""
    rows: list[list[dict[str, str]]] = json.loads(notification.buttons) if notification.buttons else []
    return rows


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


def web_updates(
    session: Session, *, resident: Resident, after_id: int = 0, now: Optional[datetime] = None
) -> list[Notification]:
    """Messages after `after_id` for a resident who reads by polling (web chat); pending ones become sent.

    The client sends back the highest id it showed, so a lost response is simply fetched again; rows
    held back by quiet hours come when due even if later urgent ones were shown first.
    """
    now = now or utcnow()
    rows = list(
        session.scalars(
            select(Notification)
            .where(
                Notification.resident_id == resident.id,
                or_(
                    # not yet shown and due (a message held by quiet hours may sit before the cursor)
                    and_(Notification.status.in_(_UNSENT), Notification.next_attempt_at <= now),
                    # shown already, but the client's cursor says its answer was lost
                    and_(Notification.status == OutboxStatus.SENT.value, Notification.id > after_id),
                ),
            )
            .order_by(Notification.id)
        )
    )
    unread = [row.id for row in rows if row.status != OutboxStatus.SENT.value]
    if unread:
        # Conditional, like claim_due: a receipt cancelled meanwhile (its reply was shown) stays cancelled.
        won = set(session.scalars(
            update(Notification)
            .where(Notification.id.in_(unread), Notification.status.in_(_UNSENT))
            .values(status=OutboxStatus.SENT.value, sent_at=now, attempts=Notification.attempts + 1)
            .returning(Notification.id)
            .execution_options(synchronize_session=False)
        ))
        rows = [row for row in rows if row.status == OutboxStatus.SENT.value or row.id in won]
        for row in rows:
            if row.id in won:
                shown = (("status", OutboxStatus.SENT.value), ("sent_at", now), ("attempts", row.attempts + 1))
                for name, value in shown:
                    set_committed_value(row, name, value)
    return rows


def counts_by_status(session: Session) -> dict[str, int]:
    """How many outbox rows are in each state (for health checks and benchmarks)."""
    return dict(session.execute(select(Notification.status, func.count()).group_by(Notification.status)).tuples().all())
