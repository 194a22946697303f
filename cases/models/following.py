"""Residents who follow a case someone else reported (offered when they report the same problem nearby)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cases.models.base import Base, UTCDateTime


class CaseFollower(Base):
    """One resident following one case: they get its pushes as its own resident does."""

    __tablename__ = "case_followers"
    __table_args__ = (UniqueConstraint("case_id", "resident_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    # Indexed: a resident's list of requests shows the cases they follow.
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
