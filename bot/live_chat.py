"""Residents talking to a person: their messages go to the handoff's transcript, and the assistant stays silent.

Both channels ask `in_handoff` in the transaction that already looks the resident up for every
message (one indexed query), and when it says yes they `relay` the message instead of calling Rasa.
"""

from __future__ import annotations

from typing import Optional

from sqlalchemy.orm import Session

from bot import inbound
from cases.guards.cleaning import clean_text
from cases.handoff import handoff
from cases.models import Resident
from cases.residents import find_resident


def in_handoff(session: Session, resident: Resident) -> bool:
    """Whether the resident is waiting for or talking to a person (the assistant must not answer)."""
    return handoff.open_handoff_for(session, resident) is not None


def relay(
    session: Session,
    *,
    channel: str,
    external_id: str,
    text: str = "",
    photo_path: Optional[str] = None,
    latitude: Optional[float] = None,
    longitude: Optional[float] = None,
) -> bool:
    """Store a message for the person handling the resident's chat; False if the handoff has ended meanwhile."""
    resident = find_resident(session, channel=channel, external_id=external_id)
    if resident is None or handoff.open_handoff_for(session, resident) is None:
        return False
    # Lone surrogates and control characters would break the database write or hide in the transcript.
    text = clean_text(text).strip()[:inbound.MAX_TEXT_LENGTH]
    if text or photo_path or latitude is not None:  # an empty message is simply dropped
        handoff.record_resident_message(session, resident=resident, text=text, photo_path=photo_path,
                                        latitude=latitude, longitude=longitude)
    return True


def button_note(title: Optional[str], payload: Optional[str]) -> str:
    """How a button pressed during a handoff reads in the transcript."""
    return f"[pressed the button \"{title}\"]" if title else f"[pressed a button: {payload or ''}]"
