"""The outbox table: every message the system sends, with its delivery state."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Optional

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cases.models.base import Base, UTCDateTime

if TYPE_CHECKING:  # only for the annotations; SQLAlchemy finds the classes by name
    from cases.models.case import Resident


class Notification(Base):
    """An outbox row: one message to one chat (a resident's, or a staff member's), with its delivery state."""

    __tablename__ = "notifications"
    # One notification per event and resident: queuing twice for the same event is a no-op.
    __table_args__ = (UniqueConstraint("event_id", "resident_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Exactly one recipient: a resident, or a staff member (staff alerts and reports on Telegram or WeChat).
    resident_id: Mapped[Optional[int]] = mapped_column(ForeignKey("residents.id"), index=True)
    staff_id: Mapped[Optional[int]] = mapped_column(ForeignKey("staff_users.id"))
    case_id: Mapped[Optional[int]] = mapped_column(ForeignKey("cases.id"))
    event_id: Mapped[Optional[int]] = mapped_column(ForeignKey("case_events.id"))
    channel: Mapped[str] = mapped_column(String(32), index=True)
    chat_id: Mapped[str] = mapped_column(String(128))
    text: Mapped[str] = mapped_column(Text)
    # JSON list of rows of {"title", "payload"} buttons shown under the message, or None.
    buttons: Mapped[Optional[str]] = mapped_column(Text)
    # Urgent messages (live chat with a person, answers to what the resident just did) ignore quiet hours.
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    sent_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    last_error: Mapped[Optional[str]] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # None for an ordinary push; "receipt": a new case's reference, held back (next_attempt_at) while the
    # conversation delivers it, cancelled once it has, pushed if it never did (see outbox.queue_receipt);
    # "staff_alert", "report": a staff member's Telegram copy of an alert or report summary.
    kind: Mapped[Optional[str]] = mapped_column(String(16))
    # A staff alert's copy: the alert, so the sender words it in the reader's language of the moment.
    alert_id: Mapped[Optional[int]] = mapped_column(ForeignKey("staff_alerts.id"))

    resident: Mapped[Optional[Resident]] = relationship()
