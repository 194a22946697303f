"""Reading: what a row carries, what a polling client (web chat) is shown, and counts for health checks."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Optional

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from cases.clock import utcnow
from cases.models import Notification, Resident
from cases.outbox.status import OutboxStatus

_UNSENT = (OutboxStatus.PENDING.value, OutboxStatus.SENDING.value)


def buttons_of(notification: Notification) -> list[list[dict[str, str]]]:
    """The rows of buttons stored with a notification (empty if none)."""
    rows: list[list[dict[str, str]]] = json.loads(notification.buttons) if notification.buttons else []
    return rows


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
