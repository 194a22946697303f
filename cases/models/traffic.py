"""Bookkeeping of the channels' traffic: updates already handled, rate-limit counters, per-chat pacing, the access
tokens of the platforms we call."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cases.models.base import Base, UTCDateTime


class InboundUpdate(Base):
    """A platform update already handled, so a redelivered one is ignored."""

    __tablename__ = "inbound_updates"
    __table_args__ = (UniqueConstraint("channel", "update_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    update_id: Mapped[str] = mapped_column(String(128))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PendingUpdate(Base):
    """A platform update stored before it was acknowledged, waiting to be handled (deleted once it has been)."""

    __tablename__ = "pending_updates"
    __table_args__ = (UniqueConstraint("channel", "update_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    update_id: Mapped[str] = mapped_column(String(128))
    sequence: Mapped[int] = mapped_column(BigInteger)  # the platform's own order (Telegram's update_id)
    chat_key: Mapped[str] = mapped_column(String(160), index=True)
    payload: Mapped[str] = mapped_column(Text)  # the update as the platform sent it (JSON)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)


class ChatLease(Base):
    """Which worker handles one chat's pending updates now, and until when unless it renews (a crashed one lapses)."""

    __tablename__ = "chat_leases"

    chat_key: Mapped[str] = mapped_column(String(160), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128))
    until: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


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


class ApiToken(Base):
    """A platform's access token shared by every process that calls it (WeChat keeps one valid per account)."""

    __tablename__ = "api_tokens"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)  # e.g. wechat:<app id>
    token: Mapped[str] = mapped_column(Text)  # empty until first fetched
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
