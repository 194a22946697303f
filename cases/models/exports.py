"""Links to a resident's export, for channels that cannot send them the file (WeChat): single-use, short-lived."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from cases.models.base import Base, UTCDateTime


class ExportLink(Base):
    """One "my data" link: its token's hash (the token is only in the link), whose data, until when, when used."""

    __tablename__ = "export_links"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"), index=True)
    # The hash of the resident's channel and chat id when the link was made: forgetting them changes the chat id,
    # so their links stop working with no row to find and delete.
    sender_hash: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    used_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
