"""Texts the domain sends to residents outside a conversation (pushes), by language.

The languages residents can use are the keys of TEMPLATES. Adding a language is adding a block to
each dict below (and its texts in domain.yml, catalog.yml, cases/followup/survey.py, cases/handoff/handoff.py and
bot/texts.py; see README "Languages"); nothing else changes. A text missing in a language is English.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Optional, TypeVar, cast
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

# Who a late case is passed to, by rung of its ladder (cases/areas/ladder.py); 1 and 2 are the department
# ladder's old numbers, still understood.
ESCALATION_LEVELS: dict[str, dict[int | str, str]] = {
    "en": {1: "the department's supervisor", 2: "the city's supervisors",
           "department_supervisor": "the department's supervisor", "community": "the community's supervisors",
           "subdistrict": "the sub-district's supervisors", "district": "the district's supervisors",
           "city": "the city's supervisors"},
    # Read inside "现已提交{level}督办".
    "zh": {1: "部门负责人", 2: "市级", "department_supervisor": "部门负责人", "community": "社区负责人",
           "subdistrict": "街道负责人", "district": "区级", "city": "市级"},
}


# When staff are back, as residents read it ("Monday 30 November at 09:00").
MOMENT_FORMATS = {
    "en": "{weekday} {day} {month_name} at {time}",
    "zh": "{month}月{day}日（{weekday}）{time}",
}
WEEKDAYS = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "zh": ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日"),
}
MONTH_NAMES = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
}


def language_of(language: str | None) -> str:
    """A language we have texts for (English otherwise)."""
    return language if language in TEMPLATES else "en"


_language = language_of


_Entry = TypeVar("_Entry")


def in_language(table: Mapping[str, _Entry], language: str | None) -> _Entry:
    """A per-language table's entry for `language`, English where it has none (or lacks a key)."""
    english, own = table["en"], table.get(language or "en")
    if own is None or own is english:
        return english
    if isinstance(english, dict) and isinstance(own, dict):
        # A table of texts by key: the language's own texts over the English ones, so the same type as either.
        return cast(_Entry, {**english, **own})
    return own


def status_label(status: Status | str, language: str | None = "en") -> str:
    """A resident-facing name for a status."""
    return in_language(STATUS_LABELS, language)[Status(status)]


def format_moment(moment: datetime, language: str | None = "en") -> str:
    """A day and time in the resident's language (the caller gives it in city time)."""
    month_names = in_language(MONTH_NAMES, language)
    return in_language(MOMENT_FORMATS, language).format(
        weekday=in_language(WEEKDAYS, language)[moment.weekday()], day=moment.day, month=moment.month,
        month_name=month_names[moment.month - 1], time=f"{moment:%H:%M}")


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
    texts = in_language(TEMPLATES, lang)
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
    return in_language(TEMPLATES, language)["type_changed"].format(
        reference=reference, type_name=type_name, department=department, due=format_date(due_at, timezone))


def escalated_text(*, language: str | None, reference: str, type_name: str, due_at: datetime,
                   level: int | str, timezone: str) -> str:
    """The honest push to a resident whose case is late and went up a level (a rung name, or 1 or 2)."""
    names = in_language(ESCALATION_LEVELS, language)
    return in_language(TEMPLATES, language)["escalated"].format(
        reference=reference, type_name=type_name, due=format_date(due_at, timezone),
        level=names.get(level) or names[min(max(level, 1), 2) if isinstance(level, int) else 2])


def case_opened_text(*, language: str | None, reference: str, type_name: str, due_at: datetime,
                     timezone: str) -> str:
    """Told to a resident when staff open a case for them (from a live chat)."""
    return in_language(TEMPLATES, language)["case_opened"].format(
        reference=reference, type_name=type_name, due=format_date(due_at, timezone))
