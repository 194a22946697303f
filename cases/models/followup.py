"""What follows a case: residents chasing it, and the satisfaction survey after it was resolved."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Optional

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cases.models.base import Base, UTCDateTime

if TYPE_CHECKING:  # only for the annotations; SQLAlchemy finds the classes by name
    from cases.models.case import Case


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
