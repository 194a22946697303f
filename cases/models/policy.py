"""Policy and service answers staff keep for residents' questions (the policy database, 政策数据库)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cases.models.base import Base, UTCDateTime


class PolicyAnswer(Base):
    """One answer in English and Chinese (either may be empty: the resident then gets the other).

    It is given only while effective_from <= today < expires_on; retired answers are kept, never given.
    """

    __tablename__ = "policy_answers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # A stable name (e.g. waste_sorting): the YAML loader updates the answer with the same code.
    code: Mapped[str] = mapped_column(String(64), unique=True)
    title_en: Mapped[str] = mapped_column(String(200), default="")
    title_zh: Mapped[str] = mapped_column(String(200), default="")
    answer_en: Mapped[str] = mapped_column(Text, default="")
    answer_zh: Mapped[str] = mapped_column(Text, default="")
    # Comma-separated words residents use (synonyms included), weighted like the title when matching.
    keywords_en: Mapped[str] = mapped_column(Text, default="")
    keywords_zh: Mapped[str] = mapped_column(Text, default="")
    # Questions residents ask that this answers, one a line: matched like residents' words, in whole sentences.
    examples_en: Mapped[str] = mapped_column(Text, default="")
    examples_zh: Mapped[str] = mapped_column(Text, default="")
    source_url: Mapped[str] = mapped_column(String(500), default="")
    effective_from: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[Optional[date]] = mapped_column(Date)
    retired_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("staff_users.id"))
