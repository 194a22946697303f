"""The outbox: notifications queued in the same transaction as the change they report.

Queueing (queueing), claiming and recording sends (sending), reading rows and polling (reading), and the
statuses and kinds of rows (status); every name is importable from here (`from cases import outbox`).
"""

from cases.outbox.queueing import (
    cancel_receipts,
    queue,
    queue_for_staff,
    queue_receipt,
    queue_status_change,
    staff_chats,
)
from cases.outbox.reading import buttons_of, counts_by_status, web_updates
from cases.outbox.sending import claim_due, mark_failed, mark_retry, mark_sent, release
from cases.outbox.status import (
    CANCELLED,
    FAILED,
    PENDING,
    RECEIPT,
    REPORT,
    SENDING,
    SENT,
    STAFF_ALERT,
    TELEGRAM,
    WECHAT,
    OutboxStatus,
)

__all__ = [
    "CANCELLED",
    "FAILED",
    "PENDING",
    "RECEIPT",
    "REPORT",
    "SENDING",
    "SENT",
    "STAFF_ALERT",
    "TELEGRAM",
    "WECHAT",
    "OutboxStatus",
    "buttons_of",
    "cancel_receipts",
    "claim_due",
    "counts_by_status",
    "mark_failed",
    "mark_retry",
    "mark_sent",
    "queue",
    "queue_for_staff",
    "queue_receipt",
    "queue_status_change",
    "release",
    "staff_chats",
    "web_updates",
]
