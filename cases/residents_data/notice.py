"""The privacy notice: what we keep, for how long and who sees it, generated from the retention settings so it never
says otherwise; and the record of which version a resident was shown and when they consented.

Consent means "shown, then continued": the short notice goes with the first answer a resident ever gets, and
their next message records consent. Nothing waits for it, so nobody is kept from asking for help or a person.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from cases.models import Resident


@dataclass(frozen=True)
class Retention:
    """How long we keep each kind of a resident's data, in days (README "Residents' data")."""

    conversation_days: float  # TRACKER_RETENTION_DAYS: the conversation text Rasa keeps
    transcript_days: float  # TRANSCRIPT_RETENTION_DAYS: live chats with staff
    closed_case_photo_days: float  # CLOSED_CASE_PHOTO_RETENTION_DAYS
    pending_update_days: float  # PENDING_UPDATE_RETENTION_DAYS: Telegram messages never handled

    @classmethod
    def of(cls, settings: Any) -> Retention:
        """The retention periods of a Settings object."""
        return cls(settings.tracker_retention_days, settings.transcript_retention_days,
                   settings.closed_case_photo_retention_days, settings.pending_update_retention_days)


def _days(value: float) -> str:
    return f"{value:g}"


def short_notice(language: str, retention: Retention, url: str) -> str:
    """The one-message notice shown at first contact, in the resident's language."""
    r = retention
    if language == "zh":
        return ("隐私说明：我们会保存您的消息、报告、照片和位置，用于处理您的诉求。"
                f"对话记录保存 {_days(r.conversation_days)} 天，"
                f"人工客服聊天记录保存 {_days(r.transcript_days)} 天，"
                f"已关闭诉求的照片保存 {_days(r.closed_case_photo_days)} 天。"
                "只有市政工作人员能看到这些内容；公开栏只显示工作人员审核通过的内容。"
                f"发送“我的数据”可导出您的数据，发送“删除我的数据”可删除。完整说明：{url}")
    return ("Privacy: we keep your messages, reports, photos and locations to handle your requests. Conversations "
            f"are kept {_days(r.conversation_days)} days, live chats with staff {_days(r.transcript_days)} days, "
            f"photos of closed cases {_days(r.closed_case_photo_days)} days. Only city staff see them; "
            "the public board shows only what staff approve. "
            "Send \"my data\" for a copy, \"delete my data\" to erase it. "
            f"Full notice: {url}")


def full_notice(language: str, retention: Retention) -> list[tuple[str, str]]:
    """The full notice as (heading, paragraph) pairs, in `language`."""
    r = retention
    if language == "zh":
        return [
            ("我们保存什么", "您发送的消息和按钮选择、您提交的诉求（类型、描述、地址或位置、补充问题的回答）、照片、"
                        "满意度评价和意见、催办记录、与人工客服的聊天记录，以及您的 Telegram 显示名称或网页会话标识。"),
            ("保存多久", f"对话记录保存 {_days(r.conversation_days)} 天；人工客服聊天记录在聊天结束后保存 "
                      f"{_days(r.transcript_days)} 天；诉求关闭 {_days(r.closed_case_photo_days)} 天后删除其照片"
                      f"（包括公开栏上的照片）；未能处理的 Telegram 消息保存 {_days(r.pending_update_days)} 天。"
                      "诉求本身（类型、日期、状态、部门、位置）用于统计，长期保存。"),
            ("谁能看到", "只有处理诉求的市政工作人员。公开栏只显示工作人员审核通过（并可能删改）的描述和照片，"
                      "且您提交时可选择不公开。"),
            ("您的权利", "发送“我的数据”或 /mydata 可获得一份包含我们所保存的关于您的全部数据的文件。"
                      "发送“删除我的数据”或 /forget 可删除：确认后，您的名称和聊天标识、描述、地址、照片、回答、"
                      "消息和聊天记录都会被删除；未结诉求会被取消；诉求只以匿名形式保留在统计中。"),
            ("同意", "第一次联系时我们会发送简短说明；您继续发送消息即表示同意。"
                   "无论是否同意，您都可以随时求助或要求人工服务。"),
        ]
    return [
        ("What we keep", "The messages and button choices you send us, your reports (type, description, address or "
                         "location, answers to follow-up questions), photos, ratings and comments, reminders you sent, "
                         "live chats with staff, and your Telegram display name or web chat session id."),
        ("How long", f"Conversations are kept {_days(r.conversation_days)} days; live chats with staff "
                     f"{_days(r.transcript_days)} days after they end; photos are deleted "
                     f"{_days(r.closed_case_photo_days)} days after their case closes (those shown on the public "
                     f"board too); Telegram messages we could not handle {_days(r.pending_update_days)} days. "
                     "The cases themselves (type, dates, status, department, location) stay for statistics."),
        ("Who sees it", "Only the city staff who handle requests. The public board shows only descriptions and photos "
                        "staff approved (and may have edited), and never those you asked to keep private."),
        ("Your rights", "Send \"my data\" or /mydata to get a file with everything we hold about you. Send \"delete my "
                        "data\" or /forget to erase it: once you confirm, your name and chat id, descriptions, "
                        "addresses, photos, answers, messages and transcripts are deleted, open cases are cancelled, "
                        "and your cases stay in the statistics only anonymously."),
        ("Consent", "We show a short notice the first time you write; writing again means you agree. You can always "
                    "ask for help or for a person, whether or not you have agreed."),
    ]


def notice_version(retention: Retention) -> str:
    """The notice's version: a digest of its text in every language, so any change of wording or retention
    makes a new one."""
    text = "\n".join(f"{h}\n{p}" for language in ("en", "zh") for h, p in full_notice(language, retention))
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def take_notice(session: Session, *, resident: Resident, version: str, now: datetime) -> bool:
    """Whether the notice is due now (never shown to this resident), recording it as shown; if it was shown before
    and consent is not yet recorded, this message records it (shown, then continued)."""
    if resident.notice_shown_at is None:
        resident.notice_shown_at, resident.notice_version = now, version
        session.flush()
        return True
    if resident.consented_at is None:
        resident.consented_at = now
        session.flush()
    return False
