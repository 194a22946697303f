"""The ORM model: residents, cases, their history, photos and the outbox."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Optional

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on SQLite and PostgreSQL alike."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: Optional[datetime], dialect: Dialect) -> Optional[datetime]:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: Optional[datetime], dialect: Dialect) -> Optional[datetime]:
        return None if value is None else value.replace(tzinfo=timezone.utc)


class Base(DeclarativeBase):
    """Base class of every table."""


class Resident(Base):
    """A person who talks to us on one channel (Telegram chat, web chat session)."""

    __tablename__ = "residents"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(128))
    display_name: Mapped[Optional[str]] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(8), default="en")
    unreachable_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Set while the resident is filing a report (Rasa keeps the answers in memory only), cleared when it is
    # filed or discarded: a conversation that starts afresh with it set tells them the report was not sent.
    filing_started_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    # Until when the web chat takes a photo from them: the bot's latest replies asked for one.
    photo_wanted_until: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    cases: Mapped[list[Case]] = relationship(back_populates="resident")


class Case(Base):
    """One request a resident filed."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[Optional[str]] = mapped_column(String(32), unique=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    request_type: Mapped[str] = mapped_column(String(64))
    department: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    latitude: Mapped[Optional[float]] = mapped_column(Float)
    longitude: Mapped[Optional[float]] = mapped_column(Float)
    address: Mapped[Optional[str]] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(32), index=True)
    idempotency_key: Mapped[Optional[str]] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Who works it: a department always, a staff member once someone takes or is given it.
    assignee_id: Mapped[Optional[int]] = mapped_column(ForeignKey("staff_users.id"), index=True)
    # 0: the agents of the department, 1: the department's supervisor, 2: the city's supervisors.
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    escalated_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    scheduled_for: Mapped[Optional[date]] = mapped_column(Date)
    duplicate_of_id: Mapped[Optional[int]] = mapped_column(ForeignKey("cases.id"), index=True)
    first_response_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)  # first staff move
    resolved_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)  # latest move to resolved

    resident: Mapped[Resident] = relationship(back_populates="cases")
    assignee: Mapped[Optional[StaffUser]] = relationship(foreign_keys=[assignee_id])
    duplicate_of: Mapped[Optional[Case]] = relationship(remote_side=[id], foreign_keys=[duplicate_of_id])
    events: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", order_by="CaseEvent.id", cascade="all, delete-orphan"
    )
    photos: Mapped[list[CasePhoto]] = relationship(
        back_populates="case", order_by="CasePhoto.id", cascade="all, delete-orphan"
    )


class CaseEvent(Base):
    """One entry of a case's history: a status change, or another event (see EVENT_KINDS).

    Events other than status changes keep from_status == to_status == the status at the time.
    """

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24), default="status", index=True)
    staff_id: Mapped[Optional[int]] = mapped_column(ForeignKey("staff_users.id"))
    from_status: Mapped[Optional[str]] = mapped_column(String(32))
    to_status: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(16))
    actor_name: Mapped[Optional[str]] = mapped_column(String(200))
    public_note: Mapped[Optional[str]] = mapped_column(Text)
    internal_note: Mapped[Optional[str]] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    case: Mapped[Case] = relationship(back_populates="events")


class CasePhoto(Base):
    """A photo attached to a case, stored under the media directory."""

    __tablename__ = "case_photos"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    path: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    case: Mapped[Case] = relationship(back_populates="photos")


class Notification(Base):
    """An outbox row: one message to one chat (a resident's, or a staff member's), with its delivery state."""

    __tablename__ = "notifications"
    # One notification per event and resident: queuing twice for the same event is a no-op.
    __table_args__ = (UniqueConstraint("event_id", "resident_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Exactly one recipient: a resident, or a staff member (staff alerts and reports on Telegram).
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

    resident: Mapped[Optional[Resident]] = relationship()


class InboundUpdate(Base):
    """A platform update already handled, so a redelivered one is ignored."""

    __tablename__ = "inbound_updates"
    __table_args__ = (UniqueConstraint("channel", "update_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    update_id: Mapped[str] = mapped_column(String(128))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


class HandoffRequest(Base):
    """A conversation handed to a person: waiting, then taken by an agent, then ended."""

    __tablename__ = "handoff_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    reason: Mapped[Optional[str]] = mapped_column(Text)
    # What put the conversation in the queue: talk_to_human, low_confidence, not_helping.
    trigger: Mapped[Optional[str]] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="waiting", index=True)
    agent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("staff_users.id"))
    case_id: Mapped[Optional[int]] = mapped_column(ForeignKey("cases.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    taken_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    ended_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    flagged_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)  # waited too long; supervisors told

    resident: Mapped[Resident] = relationship()
    agent: Mapped[Optional[StaffUser]] = relationship()
    messages: Mapped[list[HandoffMessage]] = relationship(
        back_populates="handoff", order_by="HandoffMessage.id", cascade="all, delete-orphan"
    )


class HandoffMessage(Base):
    """One message of a handed-off conversation, in either direction; nothing is lost."""

    __tablename__ = "handoff_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    handoff_id: Mapped[int] = mapped_column(ForeignKey("handoff_requests.id"), index=True)
    direction: Mapped[str] = mapped_column(String(16))  # resident, agent, system
    text: Mapped[str] = mapped_column(Text)
    photo_path: Mapped[Optional[str]] = mapped_column(String(500))
    latitude: Mapped[Optional[float]] = mapped_column(Float)
    longitude: Mapped[Optional[float]] = mapped_column(Float)
    staff_id: Mapped[Optional[int]] = mapped_column(ForeignKey("staff_users.id"))
    notification_id: Mapped[Optional[int]] = mapped_column(ForeignKey("notifications.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    handoff: Mapped[HandoffRequest] = relationship(back_populates="messages")
    staff: Mapped[Optional[StaffUser]] = relationship()


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
    # Where alerts and reports reach this person on Telegram, if anywhere.
    telegram_chat_id: Mapped[Optional[str]] = mapped_column(String(128))
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


class CaseChase(Base):
    """A resident chasing (催办) an overdue case: at most once per case and local day."""

    __tablename__ = "case_chases"
    __table_args__ = (UniqueConstraint("case_id", "local_day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))
    local_day: Mapped[date] = mapped_column(Date)  # the day in the city's time zone
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Survey(Base):
    """The satisfaction question after a case was resolved: one per resolution."""

    __tablename__ = "surveys"
    __table_args__ = (UniqueConstraint("resolved_event_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))
    resolved_event_id: Mapped[int] = mapped_column(ForeignKey("case_events.id"))
    status: Mapped[str] = mapped_column(String(16), default="sent", index=True)  # sent, answered, expired
    rating: Mapped[Optional[int]] = mapped_column(Integer)
    comment: Mapped[Optional[str]] = mapped_column(Text)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    case: Mapped[Case] = relationship()


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
    case_id: Mapped[Optional[int]] = mapped_column(ForeignKey("cases.id"))
    handoff_id: Mapped[Optional[int]] = mapped_column(ForeignKey("handoff_requests.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    read_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)


class ReportRun(Base):
    """A weekly or monthly report that was produced, its Telegram summaries queued in the outbox (once)."""

    __tablename__ = "report_runs"
    __table_args__ = (UniqueConstraint("period", "period_start", "department"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    period: Mapped[str] = mapped_column(String(16))  # weekly, monthly
    period_start: Mapped[date] = mapped_column(Date)
    department: Mapped[str] = mapped_column(String(200))  # "" for the whole city
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Throttle(Base):
    """A counter of attempts under one key (a hash, never the raw name or address) within a window."""

    __tablename__ = "throttles"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    window_started: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class ChatPace(Base):
    """When the next message may go to one chat: Telegram's per-chat limit, shared by every process that sends."""

    __tablename__ = "chat_paces"

    chat_key: Mapped[str] = mapped_column(String(160), primary_key=True)  # channel:chat id
    next_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
