"""The staff side: accounts, console sessions, canned replies, alerts and report runs."""

from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cases.models.base import Base, UTCDateTime


class StaffUser(Base):
    """A member of staff who logs in to the console."""

    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(16))  # agent, supervisor, admin
    # An agent's or a department supervisor's department; None for city-wide supervisors and admins.
    department: Mapped[Optional[str]] = mapped_column(String(200))
    # The area they answer for (cases/areas): a grid worker's grid (role agent), or the community, sub-district
    # or district a supervisor oversees; None for department staff and the city.
    area_code: Mapped[Optional[str]] = mapped_column(String(32))
    # Where alerts and reports reach this person on Telegram, if anywhere.
    telegram_chat_id: Mapped[Optional[str]] = mapped_column(String(128))
    # Where alerts and reports reach them on WeChat: their OpenID on the city's Official Account, if any.
    wechat_openid: Mapped[Optional[str]] = mapped_column(String(128))
    # The language they read the console, alerts and reports in ("en", "zh"); None: their browser's.
    language: Mapped[Optional[str]] = mapped_column(String(8))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_login_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)


class StaffSession(Base):
    """A console login: the cookie holds the token, the table only its hash."""

    __tablename__ = "staff_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)

    staff: Mapped[StaffUser] = relationship()


class CannedReply(Base):
    """A ready-made public note for a request type and status (either may be None: any)."""

    __tablename__ = "canned_replies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_type: Mapped[Optional[str]] = mapped_column(String(64), index=True)
    status: Mapped[Optional[str]] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(8), default="en")
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    updated_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("staff_users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class StaffAlert(Base):
    """Something staff must know (escalation, chase, reopened case, long wait), shown in the console
    and sent on Telegram to each addressee who has a chat id. The key makes each alert happen once."""

    __tablename__ = "staff_alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    # Addressees: one person, or everyone with this role (in this department, if given).
    staff_id: Mapped[Optional[int]] = mapped_column(ForeignKey("staff_users.id"))
    role: Mapped[Optional[str]] = mapped_column(String(16))
    department: Mapped[Optional[str]] = mapped_column(String(200))
    # ... or everyone with this role who answers for this area (cases/areas); then department is None.
    area_code: Mapped[Optional[str]] = mapped_column(String(32))
    case_id: Mapped[Optional[int]] = mapped_column(ForeignKey("cases.id"))
    handoff_id: Mapped[Optional[int]] = mapped_column(ForeignKey("handoff_requests.id"))
    # The English text, as read before alerts had languages (and by anything reading `text`): the rendering of
    # `message` (a msgid) with `params` (JSON, cases/staff/wording.py); old alerts have no message.
    text: Mapped[str] = mapped_column(Text)
    message: Mapped[Optional[str]] = mapped_column(Text)
    params: Mapped[Optional[str]] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    read_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)


class ReportRun(Base):
    """A weekly or monthly report that was produced, its Telegram summaries queued in the outbox (once)."""

    __tablename__ = "report_runs"
    # One run per period and department, or per period and area (an area's supervisors get their area's).
    __table_args__ = (UniqueConstraint("period", "period_start", "department", "area_code",
                                       name="uq_report_runs_period_scope"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    period: Mapped[str] = mapped_column(String(16))  # weekly, monthly
    period_start: Mapped[date] = mapped_column(Date)
    department: Mapped[str] = mapped_column(String(200))  # "" for the whole city
    area_code: Mapped[str] = mapped_column(String(32), default="", server_default="")  # "" unless an area's run
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
