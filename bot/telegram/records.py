"""What the Telegram channel records in the database: updates already handled, keyboards already pressed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import live_chat
from cases.clock import utcnow
from cases.models import InboundUpdate
from cases.residents import get_or_create_resident
from cases.store.db import Database

CHANNEL = "telegram"


def remember(session: Session, channel: str, key: str) -> bool:
    """Record `key` as handled on `channel`; False if it already was (the unique constraint says so)."""
    try:
        with session.begin_nested():
            session.add(InboundUpdate(channel=channel, update_id=key, received_at=utcnow()))
        return True
    except IntegrityError:
        return False


@dataclass(frozen=True)
class Admitted:
    """A new update's resident: their language, and whether a person (not the assistant) answers them now."""

    language: str
    in_handoff: bool


def admit_update(db: Database, key: str, chat_id: int, name: str, language: Optional[str]) -> Optional[Admitted]:
    """Record the update and find or create its resident; None for a repeat."""
    with db.transaction() as session:
        if not remember(session, CHANNEL, key):
            return None
        resident = get_or_create_resident(
            session, channel=CHANNEL, external_id=str(chat_id), display_name=name, language=language
        )
        return Admitted(resident.language, live_chat.in_handoff(session, resident))


def claim_button(db: Database, bot_id: int, chat_id: int, message_id: int) -> bool:
    """Whether this is the first press on the message's buttons (a double tap sends two)."""
    with db.transaction() as session:
        return remember(session, f"{CHANNEL}_button", f"{bot_id}:{chat_id}:{message_id}")


def relay_message(db: Database, chat_id: int, **message) -> bool:
    """Store a message for the person handling this chat; False if the handoff has ended meanwhile."""
    with db.transaction() as session:
        return live_chat.relay(session, channel=CHANNEL, external_id=str(chat_id), **message)
