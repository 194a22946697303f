"""Conversations handed to a person: the queue, the transcript, the agent's replies and the end.

While a resident has a waiting or active handoff, the channels send their messages here instead of to
the assistant (`open_handoff_for`), and the agent's replies reach them through the outbox.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import Enum
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from cases import events, lifecycle, outbox
from cases import messages as resident_messages
from cases.catalog import Catalog, load_catalog
from cases.clock import utcnow
from cases.guards.cleaning import clean_text
from cases.i18n import N_
from cases.messages import in_language
from cases.models import Case, HandoffMessage, HandoffRequest, Resident, StaffUser


class HandoffStatus(str, Enum):
    """Where a request to talk to a person stands (stored as its value in Handoff.status)."""

    WAITING = "waiting"
    ACTIVE = "active"  # an agent has taken it
    ENDED = "ended"


# The old names, kept for one release.
WAITING, ACTIVE, ENDED = HandoffStatus.WAITING, HandoffStatus.ACTIVE, HandoffStatus.ENDED
OPEN_STATES = (HandoffStatus.WAITING.value, HandoffStatus.ACTIVE.value)
TRIGGERS = ("talk_to_human", "low_confidence", "not_helping", "staff")
RESIDENT, AGENT, SYSTEM = "resident", "agent", "system"

TEXTS = {
    "en": {
        "agent": "{name} (city staff): {text}",
        "ended": "{name} has ended the chat. You are back with the assistant: ask me anything, or type "
                 "\"talk to a person\" to reach us again.",
        "taken": "{name} from the city has joined the chat.",
    },
    "zh": {
        "agent": "{name}（工作人员）：{text}",
        "ended": "{name} 已结束人工对话，您已回到智能助手。如需再次联系人工，请输入“转人工”。",
        "taken": "工作人员 {name} 已接入对话。",
    },
}


class HandoffError(Exception):
    """A handoff action that its state does not allow (taken by someone else, already ended...)."""


def _text(resident: Resident, key: str, **values: str) -> str:
    return in_language(TEXTS, resident.language)[key].format(**values)


def open_handoff_for(session: Session, resident: Resident) -> Optional[HandoffRequest]:
    """The resident's waiting or active handoff, if any: while there is one, the bot stays silent."""
    return session.scalar(
        select(HandoffRequest)
        .where(HandoffRequest.resident_id == resident.id, HandoffRequest.status.in_(OPEN_STATES))
        .order_by(HandoffRequest.id.desc())
    )


def request_handoff(
    session: Session,
    *,
    resident: Resident,
    reason: Optional[str] = None,
    trigger: str = "talk_to_human",
    now: Optional[datetime] = None,
) -> HandoffRequest:
    """Put the resident in the queue for a person; asking again while waiting or talking keeps their place."""
    existing = open_handoff_for(session, resident)
    if existing is not None:
        return existing
    now = now or utcnow()
    request = HandoffRequest(resident=resident, reason=(reason or "").strip()[:2000] or None,
                             trigger=trigger if trigger in TRIGGERS else "talk_to_human",
                             status=HandoffStatus.WAITING.value, created_at=now)
    session.add(request)
    session.flush()
    if reason and reason.strip():
        add_message(session, handoff=request, direction=RESIDENT, text=reason.strip(), now=now)
    return request


def add_message(
    session: Session,
    *,
    handoff: HandoffRequest,
    direction: str,
    text: str,
    staff: Optional[StaffUser] = None,
    photo_path: Optional[str] = None,
    latitude: Optional[float] = None,
    longitude: Optional[float] = None,
    notification_id: Optional[int] = None,
    now: Optional[datetime] = None,
) -> HandoffMessage:
    """Store one message of the transcript."""
    message = HandoffMessage(handoff=handoff, direction=direction, text=text, staff_id=staff.id if staff else None,
                             photo_path=photo_path, latitude=latitude, longitude=longitude,
                             notification_id=notification_id, created_at=now or utcnow())
    session.add(message)
    session.flush()
    return message


def record_resident_message(
    session: Session,
    *,
    resident: Resident,
    text: str = "",
    photo_path: Optional[str] = None,
    latitude: Optional[float] = None,
    longitude: Optional[float] = None,
    now: Optional[datetime] = None,
) -> Optional[HandoffMessage]:
    """Store what a resident in a handoff wrote (or sent); None if they have no open handoff."""
    handoff = open_handoff_for(session, resident)
    if handoff is None:
        return None
    text = clean_text(text).strip()  # whichever channel it came from, it is stored clean
    if not text:
        text = "[photo]" if photo_path else ("[location]" if latitude is not None else "")
    return add_message(session, handoff=handoff, direction=RESIDENT, text=text, photo_path=photo_path,
                       latitude=latitude, longitude=longitude, now=now)


def take(session: Session, *, handoff: HandoffRequest, staff: StaffUser, now: Optional[datetime] = None) -> None:
    """An agent takes a waiting conversation (or a supervisor takes over an active one); the resident is told."""
    if handoff.status == HandoffStatus.ENDED:
        raise HandoffError(N_("this conversation has ended"))
    if handoff.status == HandoffStatus.ACTIVE and handoff.agent_id not in (None, staff.id) and staff.role == "agent":
        raise HandoffError(N_("another agent has taken this conversation"))
    if handoff.status == HandoffStatus.ACTIVE and handoff.agent_id == staff.id:
        return
    now = now or utcnow()
    handoff.status, handoff.agent_id, handoff.agent, handoff.taken_at = HandoffStatus.ACTIVE.value, staff.id, staff, now
    text = _text(handoff.resident, "taken", name=staff.display_name)
    notification = outbox.queue(session, resident=handoff.resident, text=text, urgent=True, now=now)
    add_message(session, handoff=handoff, direction=SYSTEM, text=text,
                notification_id=notification.id if notification else None, now=now)


def agent_reply(
    session: Session, *, handoff: HandoffRequest, staff: StaffUser, text: str, now: Optional[datetime] = None
) -> HandoffMessage:
    """Send the agent's message to the resident on their channel (urgent: no quiet hours) and keep it."""
    text = (text or "").strip()
    if not text:
        raise ValueError(N_("an empty reply"))
    if len(text) > 3500:
        raise ValueError(N_("a reply is at most 3,500 characters"))
    if handoff.status != HandoffStatus.ACTIVE or handoff.agent_id != staff.id:
        raise HandoffError(N_("take the conversation before replying"))
    now = now or utcnow()
    notification = outbox.queue(
        session, resident=handoff.resident, urgent=True, now=now,
        text=_text(handoff.resident, "agent", name=staff.display_name, text=text))
    return add_message(session, handoff=handoff, direction=AGENT, text=text, staff=staff,
                       notification_id=notification.id if notification else None, now=now)


def attach_case(session: Session, *, handoff: HandoffRequest, case: Case) -> None:
    """Link the conversation to a case (made from it, or an existing one of the resident's)."""
    if case.resident_id != handoff.resident_id:
        raise HandoffError(N_("that case belongs to another resident"))
    handoff.case_id = case.id
    session.flush()


def open_case_from_handoff(
    session: Session,
    *,
    handoff: HandoffRequest,
    staff: StaffUser,
    request_type: str,
    description: str,
    address: Optional[str] = None,
    latitude: Optional[float] = None,
    longitude: Optional[float] = None,
    reference_prefix: str,
    timezone: str,
    catalog: Optional[Catalog] = None,
    now: Optional[datetime] = None,
) -> Case:
    """File a case for the resident from the conversation (with the photos they sent in it), link it,
    note who opened it, and tell the resident its reference at once."""
    catalog = catalog or load_catalog()
    photos = [m.photo_path for m in handoff.messages if m.direction == RESIDENT and m.photo_path]
    case = lifecycle.open_case(session, resident=handoff.resident, request_type=request_type, description=description,
                             address=address, latitude=latitude, longitude=longitude, photos=photos,
                             # Staff file what the conversation told them; the type's questions are for forms.
                             answers_required=False,
                             reference_prefix=reference_prefix, catalog=catalog, now=now)
    assert case.reference is not None  # open_case gives every case its reference
    attach_case(session, handoff=handoff, case=case)
    events.record_event(session, case=case, kind=events.NOTE, actor="staff", staff=staff, now=now,
                         internal_note=f"Opened by {staff.display_name} from live chat #{handoff.id}.")
    text = resident_messages.case_opened_text(language=handoff.resident.language, reference=case.reference,
                                              type_name=catalog.type_name(case.request_type, handoff.resident.language),
                                              due_at=case.due_at,
                                              timezone=timezone)
    outbox.queue(session, resident=handoff.resident, case=case, urgent=True, text=text, now=now)
    add_message(session, handoff=handoff, direction=SYSTEM, staff=staff, text=f"Case {case.reference} opened.", now=now)
    return case


def end(session: Session, *, handoff: HandoffRequest, staff: StaffUser, now: Optional[datetime] = None) -> None:
    """End the conversation: the resident is told and the assistant answers them again."""
    if handoff.status == HandoffStatus.ENDED:
        return
    now = now or utcnow()
    handoff.status, handoff.ended_at = HandoffStatus.ENDED.value, now
    if handoff.agent_id is None:
        handoff.agent_id, handoff.agent = staff.id, staff
    text = _text(handoff.resident, "ended", name=staff.display_name)
    notification = outbox.queue(session, resident=handoff.resident, text=text, urgent=True, now=now)
    add_message(session, handoff=handoff, direction=SYSTEM, text=text,
                notification_id=notification.id if notification else None, now=now)


def waiting_handoffs(session: Session) -> list[HandoffRequest]:
    """Residents waiting for a person, longest waiting first."""
    return list(
        session.scalars(
            select(HandoffRequest).where(HandoffRequest.status == HandoffStatus.WAITING.value)
            .order_by(HandoffRequest.created_at, HandoffRequest.id)
        )
    )


def open_handoffs(session: Session) -> list[HandoffRequest]:
    """Waiting conversations (oldest first), then active ones."""
    return list(session.scalars(
        select(HandoffRequest).where(HandoffRequest.status.in_(OPEN_STATES))
        .order_by(HandoffRequest.status.desc(), HandoffRequest.created_at, HandoffRequest.id)))


def messages_after(session: Session, *, handoff: HandoffRequest, after_id: int = 0) -> list[HandoffMessage]:
    """The transcript from after `after_id` (for live updates in the console)."""
    return list(session.scalars(
        select(HandoffMessage).where(HandoffMessage.handoff_id == handoff.id, HandoffMessage.id > after_id)
        .order_by(HandoffMessage.id)))


def long_waits(session: Session, *, minutes: float, now: Optional[datetime] = None) -> list[HandoffRequest]:
    """Waiting conversations older than `minutes` and not flagged yet."""
    cutoff = (now or utcnow()) - timedelta(minutes=minutes)
    return list(session.scalars(
        select(HandoffRequest).where(HandoffRequest.status == HandoffStatus.WAITING.value,
                                     HandoffRequest.created_at <= cutoff,
                                     HandoffRequest.flagged_at.is_(None)).order_by(HandoffRequest.created_at)))
