"""Texts the domain sends to residents outside a conversation (pushes), by language."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from cases.workflow import Status

STATUS_LABELS = {
    "en": {
        Status.SUBMITTED: "submitted",
        Status.IN_PROGRESS: "in progress",
        Status.RESOLVED: "resolved",
        Status.CLOSED: "closed",
        Status.CANCELLED: "cancelled",
        Status.REJECTED: "rejected",
    },
    "zh": {
        Status.SUBMITTED: "已提交",
        Status.IN_PROGRESS: "处理中",
        Status.RESOLVED: "已解决",
        Status.CLOSED: "已关闭",
        Status.CANCELLED: "已取消",
        Status.REJECTED: "未受理",
    },
}

TEMPLATES = {
    "en": {
        "status_changed": "Update on your request {reference} ({type_name}): it is now {status}.",
        "note": "Note from the city: {note}",
        "due": "Expected resolution by {due}.",
    },
    "zh": {
        "status_changed": "您的诉求 {reference}（{type_name}）有新进展：当前状态为「{status}」。",
        "note": "办理说明：{note}",
        "due": "预计办结时间：{due}。",
    },
}


def _language(language: str | None) -> str:
    return language if language in TEMPLATES else "en"


def status_label(status: Status | str, language: str | None = "en") -> str:
    """A resident-facing name for a status."""
    return STATUS_LABELS[_language(language)][Status(status)]


def format_date(value: datetime, timezone: str) -> str:
    """A date as residents read it, in the city's time zone."""
    return value.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d")


def status_changed_text(
    *,
    language: str | None,
    reference: str,
    type_name: str,
    status: Status | str,
    public_note: str | None,
    due_at: datetime | None,
    timezone: str,
) -> str:
    """The push a resident receives when their case changes status."""
    lang = _language(language)
    texts = TEMPLATES[lang]
    parts = [
        texts["status_changed"].format(
            reference=reference, type_name=type_name, status=status_label(status, lang)
        )
    ]
    if public_note:
        parts.append(texts["note"].format(note=public_note))
    if due_at is not None and Status(status) in (Status.SUBMITTED, Status.IN_PROGRESS):
        parts.append(texts["due"].format(due=format_date(due_at, timezone)))
    return "\n".join(parts)
