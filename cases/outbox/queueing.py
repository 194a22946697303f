"""Queueing: notifications added to the outbox in the same transaction as the change they report, and held
receipts cancelled once the conversation has shown them."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from cases import messages
from cases.catalog import Catalog, load_catalog
from cases.clock import utcnow
from cases.hours import QuietHours
from cases.models import Case, CaseEvent, Notification, Resident, StaffUser
from cases.outbox.status import RECEIPT, TELEGRAM, WECHAT, OutboxStatus
from cases.residents import MESSAGING_CHANNELS
from cases.store.db import affected_rows


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
    """Queue one message to a resident; None if this event was queued for them already, or if they have no
    channel we write to (an Open311 client's reporter reads the status through the API).

    `buttons` are rows of {"title", "payload"}. A message that is not urgent waits out `quiet_hours`
    (required for it); none goes before `not_before`, if given.
    """
    if not urgent and quiet_hours is None:
        raise TypeError("a message that is not urgent needs the city's quiet_hours")
    if resident.channel not in MESSAGING_CHANNELS:
        return None
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


def staff_chats(staff: StaffUser) -> list[tuple[str, str]]:
    """Where messages reach a staff member: (channel, chat id) on Telegram and on WeChat, those they have."""
    return [(channel, chat_id) for channel, chat_id in ((TELEGRAM, staff.telegram_chat_id),
                                                        (WECHAT, staff.wechat_openid)) if chat_id]


def queue_for_staff(
    session: Session,
    *,
    staff: StaffUser,
    text: str,
    kind: str,
    chats: Optional[Sequence[tuple[str, str]]] = None,
    alert_id: Optional[int] = None,
    now: Optional[datetime] = None,
) -> list[Notification]:
    """Queue one message to a staff member on each of their chats (or those of `chats`), urgent: no quiet hours for
    staff; none without a chat. With `alert_id`, the row is that alert's copy (its sender may word it anew)."""
    now = now or utcnow()
    rows = [Notification(staff_id=staff.id, channel=channel, chat_id=chat_id,
                         text=text[:4096] if channel == TELEGRAM else text, urgent=True,
                         status=OutboxStatus.PENDING.value, attempts=0, next_attempt_at=now, created_at=now,
                         kind=kind, alert_id=alert_id)
            for channel, chat_id in (staff_chats(staff) if chats is None else chats)]
    session.add_all(rows)
    return rows


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
