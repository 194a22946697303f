"""Conversations handed to a person, and their messages."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Optional

from sqlalchemy import Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cases.models.base import Base, UTCDateTime

if TYPE_CHECKING:  # only for the annotations; SQLAlchemy finds the classes by name
    from cases.models.case import Resident
    from cases.models.staff import StaffUser


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
