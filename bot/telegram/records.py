"""What the Telegram channel records in the database: residents of updates, keyboards already pressed, relayed chats."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from bot import live_chat
from cases.clock import utcnow
from cases.residents import get_or_create_resident
from cases.store.db import Database
from cases.store.inbox import remember

CHANNEL = "telegram"


@dataclass(frozen=True)
class Admitted:
    """A new update's resident: their language, and whether a person (not the assistant) answers them now."""

    language: str
    in_handoff: bool


def admit_update(db: Database, chat_id: int, name: str, language: Optional[str]) -> Admitted:
    """Find or create the update's resident (the inbox stored each update once: bot.telegram.inbox)."""
    with db.transaction() as session:
        resident = get_or_create_resident(
            session, channel=CHANNEL, external_id=str(chat_id), display_name=name, language=language
        )
        return Admitted(resident.language, live_chat.in_handoff(session, resident))


def claim_button(db: Database, bot_id: int, chat_id: int, message_id: int) -> bool:
    """Whether this is the first press on the message's buttons (a double tap sends two)."""
    with db.transaction() as session:
        return remember(session, f"{CHANNEL}_button", f"{bot_id}:{chat_id}:{message_id}", utcnow())


def relay_message(db: Database, chat_id: int, **message) -> bool:
    """Store a message for the person handling this chat; False if the handoff has ended meanwhile."""
    with db.transaction() as session:
        return live_chat.relay(session, channel=CHANNEL, external_id=str(chat_id), **message)
