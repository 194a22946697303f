"""Residents and their cases: the case, its history and its photos."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Optional

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cases.models.base import Base, UTCDateTime

if TYPE_CHECKING:  # only for the annotations; SQLAlchemy finds the classes by name
    from cases.models.staff import StaffUser


class Resident(Base):
    """A person who talks to us on one channel (Telegram chat, web chat session, WeChat OpenID)."""

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
    # The buttons of the bot's latest reply on a channel without buttons (WeChat), offered as numbered choices:
    # a JSON list of [title, payload]; a reply that is just a number picks one (bot/wechat/choices.py).
    offered_choices: Mapped[Optional[str]] = mapped_column(Text)
    # When the resident last wrote to us (WeChat only): WeChat takes customer-service messages for 48 hours after
    # that, template messages only beyond (bot/wechat/push.py).
    last_inbound_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    # The privacy notice (cases/residents_data/notice.py): which version they were shown and when; consent is
    # writing to us again after seeing it (never a gate: help is never withheld for want of it).
    notice_version: Mapped[Optional[str]] = mapped_column(String(32))
    notice_shown_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    consented_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    cases: Mapped[list[Case]] = relationship(back_populates="resident")


class Case(Base):
    """One request a resident filed."""

    __tablename__ = "cases"
    # Public reads of one type, newest first (Open311 GET requests?service_code=...); open cases of one type
    # in a box of latitude and longitude (cases/nearby.py: "someone already reported this").
    __table_args__ = (Index("ix_cases_request_type_created_at", "request_type", "created_at"),
                      Index("ix_cases_nearby", "request_type", "status", "latitude", "longitude"))

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
    # The latest public note of its history (what the resident and the public read of its progress), kept
    # here by the two places that write events so that public reads need no search of the history.
    latest_public_note: Mapped[Optional[str]] = mapped_column(Text)
    # Publication on the public board (cases/publication.py): the description and photos are shown only once
    # staff approve them ("approved", the text possibly redacted into public_description), never when the
    # resident said no at filing (publish_allowed false) or staff keep them private ("private").
    publication: Mapped[str] = mapped_column(String(16), default="pending")
    public_description: Mapped[Optional[str]] = mapped_column(Text)
    publish_allowed: Mapped[bool] = mapped_column(Boolean, default=True)
    # The request type's extra questions answered, {code: value} (cases/questions.py); {} when none.
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    idempotency_key: Mapped[Optional[str]] = mapped_column(String(200), unique=True)
    # Indexed: public reads (Open311) list cases by when they were filed, newest first.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Who works it: a department always, a staff member once someone takes or is given it.
    assignee_id: Mapped[Optional[int]] = mapped_column(ForeignKey("staff_users.id"), index=True)
    # The rung of its ladder (cases/areas/ladder.py): 0 whoever works it first, then one up per step.
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    escalated_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    # The grid it lies in (cases/areas/routing.py), set when it is opened; None: the triage desk places it.
    grid_code: Mapped[Optional[str]] = mapped_column(String(32), index=True)
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
    public: Mapped[bool] = mapped_column(Boolean, default=False)  # approved for the public board

    case: Mapped[Case] = relationship(back_populates="photos")
