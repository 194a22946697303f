"""Forgetting a resident: their personal data removed, their cases kept for statistics only, anonymised.

What stays of a case: its reference, type, department, status, dates, history of statuses (without notes) and
its location rounded to about a kilometre. What goes: the description, address, answers, photos (files too),
live-chat messages, survey comments, messages queued or sent to them, notes of their cases' history, and the
resident's name and chat id (replaced by a random one, so a new message from them starts a new resident).
Open cases the resident may still cancel are cancelled first: nobody could tell them the outcome any more,
and staff could not work them without a description. Rasa's copy of the conversation is deleted by the caller
(conversation.delete_conversation), which holds the tracker store's URL.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from cases import lifecycle
from cases.hours import QuietHours
from cases.models import (
    Base,
    Case,
    CaseEvent,
    ChatLease,
    ChatPace,
    HandoffMessage,
    HandoffRequest,
    InboundUpdate,
    Notification,
    PendingUpdate,
    Resident,
    StaffAlert,
    Survey,
)
from cases.workflow import Actor, Status

DELETED = "[deleted at the resident's request]"
COARSE_DEGREES = 2  # decimals kept of latitude and longitude: about 1 km, enough for statistics by area
CANCEL_NOTE = "Cancelled: the resident asked for their data to be deleted."


@dataclass
class Forgotten:
    """What forgetting did: cases cancelled and photo files to delete (once the transaction is committed)."""

    cancelled: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)


def open_references(session: Session, *, resident: Resident) -> list[str]:
    """The resident's cases that forgetting them would cancel (told to them before they confirm)."""
    cases = session.scalars(select(Case).where(Case.resident_id == resident.id).order_by(Case.id))
    return [case.reference for case in cases if case.reference and lifecycle.resident_may_cancel(case)]


def _coarse(value: float | None) -> float | None:
    return None if value is None else round(value, COARSE_DEGREES)


def chat_keys_like(channel: str, external_id: str) -> list[str]:
    """LIKE patterns of the traffic keys (leases, pacing, pending updates) that name this chat."""
    return [f"{channel}:{external_id}", f"{channel}:%:{external_id}"]


def forget_traffic(session: Session, *, channel: str, external_id: str, pacing: bool = True) -> None:
    """Delete the chat's traffic rows: pacing, leases, pending updates and pressed-button keys naming its id.

    Forgetting keeps the pacing (`pacing` false) so the channel's last messages still wait their turn; the channel
    calls this again once they are sent."""
    patterns = chat_keys_like(channel, external_id)
    columns = (ChatLease.chat_key, PendingUpdate.chat_key) + ((ChatPace.chat_key,) if pacing else ())
    for column in columns:
        session.execute(delete(column.class_).where(or_(*(column.like(p) for p in patterns)))
                        .execution_options(synchronize_session=False))
    # Pressed keyboards (Telegram) and handled events (WeChat: bot/wechat/records.py) name the chat between colons.
    session.execute(delete(InboundUpdate).where(InboundUpdate.channel.in_((f"{channel}_button", channel)),
                                                InboundUpdate.update_id.like(f"%:{external_id}:%"))
                    .execution_options(synchronize_session=False))


def _followers(session: Session, resident: Resident) -> None:
    """Stop following others' cases (cases/models/following.py), where this deployment has followers."""
    table = Base.metadata.tables.get("case_followers")
    if table is not None:
        session.execute(delete(table).where(table.c.resident_id == resident.id))


def forget_resident(session: Session, *, resident: Resident, timezone: str, quiet_hours: QuietHours,
                    now: datetime) -> Forgotten:
    """Remove the resident's personal data as the module says; the photo files to delete after commit."""
    done = Forgotten()
    cases = list(session.scalars(select(Case).where(Case.resident_id == resident.id).order_by(Case.id)))
    for case in cases:
        if lifecycle.resident_may_cancel(case):
            lifecycle.change_status(session, case=case, to_status=Status.CANCELLED, actor=Actor.RESIDENT,
                                    public_note=CANCEL_NOTE, timezone=timezone, quiet_hours=quiet_hours, now=now)
            done.cancelled.append(case.reference or "")
        done.files += [photo.path for photo in case.photos]
        case.photos.clear()  # delete-orphan: the rows go
        case.description, case.address, case.answers = DELETED, None, {}
        case.public_description, case.publication, case.publish_allowed = None, "private", False
        case.latitude, case.longitude = _coarse(case.latitude), _coarse(case.longitude)
        case.latest_public_note, case.idempotency_key = None, None
    case_ids = [case.id for case in cases]
    if case_ids:
        session.execute(update(CaseEvent).where(CaseEvent.case_id.in_(case_ids))
                        .values(public_note=None, internal_note=None, actor_name=None)
                        .execution_options(synchronize_session=False))
    handoff_ids = list(session.scalars(select(HandoffRequest.id).where(HandoffRequest.resident_id == resident.id)))
    if handoff_ids:
        done.files += [p for p in session.scalars(select(HandoffMessage.photo_path).where(
            HandoffMessage.handoff_id.in_(handoff_ids), HandoffMessage.photo_path.is_not(None))) if p]
        session.execute(update(HandoffRequest).where(HandoffRequest.id.in_(handoff_ids)).values(reason=None)
                        .execution_options(synchronize_session=False))
    alerts = [StaffAlert.case_id.in_(case_ids)] if case_ids else []
    alerts += [StaffAlert.handoff_id.in_(handoff_ids)] if handoff_ids else []
    if alerts:
        # The message and its parameters go too: the parameters may quote the resident (names, places).
        session.execute(update(StaffAlert).where(or_(*alerts)).values(text=DELETED, message=None, params=None)
                        .execution_options(synchronize_session=False))
    # Messages to staff and from them go: transcripts and every push (they name the chat and quote cases).
    session.flush()
    if handoff_ids:
        session.execute(update(Notification).where(Notification.id.in_(
            select(HandoffMessage.notification_id).where(HandoffMessage.handoff_id.in_(handoff_ids))))
            .values(text=DELETED, chat_id="").execution_options(synchronize_session=False))
        session.execute(delete(HandoffMessage).where(HandoffMessage.handoff_id.in_(handoff_ids))
                        .execution_options(synchronize_session=False))
    session.execute(delete(Notification).where(or_(
        Notification.resident_id == resident.id,
        (Notification.channel == resident.channel) & (Notification.chat_id == resident.external_id)))
        .execution_options(synchronize_session=False))
    session.execute(update(Survey).where(Survey.resident_id == resident.id).values(comment=None)
                    .execution_options(synchronize_session=False))
    _followers(session, resident)
    forget_traffic(session, channel=resident.channel, external_id=resident.external_id, pacing=False)
    resident.external_id = f"forgotten-{secrets.token_hex(12)}"
    resident.display_name = None
    resident.notice_version = resident.notice_shown_at = resident.consented_at = None
    resident.photo_wanted_until = resident.filing_started_at = resident.unreachable_at = None
    resident.offered_choices = resident.last_inbound_at = None
    session.flush()
    return done


def delete_files(media_dir: Path, paths: list[str]) -> int:
    """Delete photo files under `media_dir` (only there); how many existed."""
    root, removed = media_dir.resolve(), 0
    for relative in paths:
        target = (media_dir / relative).resolve()
        if target.is_relative_to(root) and target.is_file():
            target.unlink(missing_ok=True)
            removed += 1
    return removed
