"""Texts the domain sends to residents outside a conversation (pushes), by language.

Adding a language is adding a block to each dict below; nothing else changes.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Optional
from zoneinfo import ZoneInfo

from cases.workflow import Status

STATUS_LABELS = {
    "en": {
        Status.SUBMITTED: "submitted",
        Status.ACKNOWLEDGED: "acknowledged",
        Status.IN_PROGRESS: "in progress",
        Status.SCHEDULED: "scheduled",
        Status.RESOLVED: "resolved",
        Status.CLOSED_FIXED: "closed (fixed)",
        Status.CLOSED_NOT_FIXED: "closed (not fixed)",
        Status.DUPLICATE: "merged with another report",
        Status.CANCELLED: "cancelled",
        Status.REJECTED: "rejected",
    },
    "zh": {
        Status.SUBMITTED: "已提交",
        Status.ACKNOWLEDGED: "已受理",
        Status.IN_PROGRESS: "处理中",
        Status.SCHEDULED: "已排期",
        Status.RESOLVED: "已解决",
        Status.CLOSED_FIXED: "已办结（已解决）",
        Status.CLOSED_NOT_FIXED: "已办结（未能解决）",
        Status.DUPLICATE: "已与其他诉求合并",
        Status.CANCELLED: "已取消",
        Status.REJECTED: "未受理",
    },
}

TEMPLATES = {
    "en": {
        "status_changed": "Update on your request {reference} ({type_name}): it is now {status}.",
        "note": "Note from the city: {note}",
        "due": "Expected resolution by {due}.",
        "scheduled": "The work is scheduled for {date}.",
        "duplicate": "Another resident reported the same problem as {other}. You will get its updates from now on.",
        "followed": "Update on {reference}, the report yours was merged with ({type_name}): it is now {status}.",
        "type_changed": "Your request {reference} is now handled as {type_name} by {department}. "
                        "Expected resolution by {due}.",
        "escalated": "We are sorry: your request {reference} ({type_name}) is late. It was due on {due} and "
                     "has been passed to {level} to be dealt with.",
        "resolved_ask": "Please tell us below whether this fixed the problem.",
        "case_opened": "We have opened request {reference} ({type_name}) for you. Expected resolution by {due}. "
                       "You can ask me about it with that reference at any time.",
    },
    "zh": {
        "status_changed": "您的诉求 {reference}（{type_name}）有新进展：当前状态为「{status}」。",
        "note": "办理说明：{note}",
        "due": "预计办结时间：{due}。",
        "scheduled": "已安排在 {date} 处理。",
        "duplicate": "其他市民已反映了同一问题（{other}），您的诉求已合并，之后将收到该诉求的进展。",
        "followed": "与您的诉求合并的 {reference}（{type_name}）有新进展：当前状态为「{status}」。",
        "type_changed": "您的诉求 {reference} 已改为「{type_name}」，由{department}办理。预计办结时间：{due}。",
        "escalated": "非常抱歉：您的诉求 {reference}（{type_name}）已超期（应于 {due} 前办结），"
                     "现已提交{level}督办。",
        "resolved_ask": "请在下方告诉我们问题是否已解决。",
        "case_opened": "已为您登记诉求 {reference}（{type_name}），预计办结时间：{due}。您可随时凭此编号查询进展。",
    },
}

ESCALATION_LEVELS = {
    "en": {1: "the department's supervisor", 2: "the city's supervisors"},
    "zh": {1: "部门负责人", 2: "市级督办"},
}


def language_of(language: str | None) -> str:
    """A language we have texts for (English otherwise)."""
    return language if language in TEMPLATES else "en"


_language = language_of


def status_label(status: Status | str, language: str | None = "en") -> str:
    """A resident-facing name for a status."""
    return STATUS_LABELS[_language(language)][Status(status)]


def format_date(value: datetime | date, timezone: str) -> str:
    """A date as residents read it, in the city's time zone."""
    if isinstance(value, datetime):
        value = value.astimezone(ZoneInfo(timezone)).date()
    return value.strftime("%Y-%m-%d")


def status_changed_text(
    *,
    language: str | None,
    reference: str,
    type_name: str,
    status: Status | str,
    public_note: str | None,
    due_at: datetime | None,
    timezone: str,
    scheduled_for: Optional[date] = None,
    duplicate_of: Optional[str] = None,
    followed: bool = False,
) -> str:
    """The push a resident receives when their case (or the case theirs was merged with) changes status."""
    lang = _language(language)
    texts = TEMPLATES[lang]
    status = Status(status)
    head = texts["followed" if followed else "status_changed"]
    parts = [head.format(reference=reference, type_name=type_name, status=status_label(status, lang))]
    if status is Status.DUPLICATE and duplicate_of:
        parts.append(texts["duplicate"].format(other=duplicate_of))
    if status is Status.SCHEDULED and scheduled_for is not None:
        parts.append(texts["scheduled"].format(date=format_date(scheduled_for, timezone)))
    if public_note:
        parts.append(texts["note"].format(note=public_note))
    if due_at is not None and status in (Status.SUBMITTED, Status.ACKNOWLEDGED, Status.IN_PROGRESS):
        parts.append(texts["due"].format(due=format_date(due_at, timezone)))
    return "\n".join(parts)


def type_changed_text(*, language: str | None, reference: str, type_name: str, department: str,
                      due_at: datetime, timezone: str) -> str:
    """The push telling a resident their case was re-routed to another request type."""
    return TEMPLATES[_language(language)]["type_changed"].format(
        reference=reference, type_name=type_name, department=department, due=format_date(due_at, timezone))


def escalated_text(*, language: str | None, reference: str, type_name: str, due_at: datetime,
                   level: int, timezone: str) -> str:
    """The honest push to a resident whose case is late and went up a level."""
    lang = _language(language)
    return TEMPLATES[lang]["escalated"].format(
        reference=reference, type_name=type_name, due=format_date(due_at, timezone),
        level=ESCALATION_LEVELS[lang][min(max(level, 1), 2)])


def case_opened_text(*, language: str | None, reference: str, type_name: str, due_at: datetime,
                     timezone: str) -> str:
    """Told to a resident when staff open a case for them (from a live chat)."""
    return TEMPLATES[_language(language)]["case_opened"].format(
        reference=reference, type_name=type_name, due=format_date(due_at, timezone))
