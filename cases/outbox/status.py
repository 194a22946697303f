"""Where an outbox row stands, and the kinds of rows there are."""

from __future__ import annotations

from enum import Enum


class OutboxStatus(str, Enum):
    """Where a queued notification stands (stored as its value in Notification.status)."""

    PENDING = "pending"
    SENDING = "sending"  # claimed by a sender, under a lease
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


# The old names, kept for one release for callers outside cases/.
PENDING, SENDING, SENT, FAILED, CANCELLED = (
    OutboxStatus.PENDING, OutboxStatus.SENDING, OutboxStatus.SENT, OutboxStatus.FAILED, OutboxStatus.CANCELLED)
# Notification.kind of a new case's reference held back while the conversation delivers it.
RECEIPT = "receipt"
# Notification.kind of a staff member's Telegram or WeChat copy of an alert, and of a report's summary.
STAFF_ALERT, REPORT = "staff_alert", "report"
TELEGRAM, WECHAT = "telegram", "wechat"
