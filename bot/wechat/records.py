"""What the WeChat channel records in the database: residents by OpenID and when they last
wrote (WeChat's 48-hour window), their offered choices, who unsubscribed, relayed messages during a live chat.
Each function is one transaction (run in a worker thread)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from bot import live_chat
from bot.wechat import choices
from cases.clock import utcnow
from cases.residents import find_resident, get_or_create_resident, mark_unreachable
from cases.store.db import Database

CHANNEL = "wechat"


def message_key(message: Any) -> str:
    """What makes a WeChat call unique: its MsgId, or for an event (no MsgId) sender, time (seconds) and event, and
    the event's key (two menu items pressed within a second are two calls).

    The OpenID stands between colons, so forgetting the resident finds the keys (cases/residents_data/forget.py).
    """
    if getattr(message, "type", "") == "event":
        what = f"{message.time}|{message.event}|{getattr(message, 'key', '') or ''}"
        return f"event:{message.source}:{hashlib.sha256(what.encode()).hexdigest()[:32]}"
    return f"msg:{message.source}:{message.id}"


@dataclass(frozen=True)
class Admitted:
    """A message's resident: their language, whether a person answers them now, the choices last offered."""

    language: str
    in_handoff: bool
    offered: list[choices.Choice]


def admit(db: Database, openid: str, language: str) -> Admitted:
    """Find or create the resident of a message (new ones start in `language`: WeChat tells us none)."""
    with db.transaction() as session:
        resident = get_or_create_resident(session, channel=CHANNEL, external_id=openid, language=language)
        resident.last_inbound_at = utcnow()
        return Admitted(resident.language, live_chat.in_handoff(session, resident),
                        choices.loaded(resident.offered_choices))


def subscribed(db: Database, openid: str, language: str) -> str:
    """A (re)subscription: the resident exists and is reachable again; their language."""
    with db.transaction() as session:
        resident = get_or_create_resident(session, channel=CHANNEL, external_id=openid, language=language)
        resident.unreachable_at = None
        resident.last_inbound_at = utcnow()
        return resident.language


def heard_from(db: Database, openid: str) -> None:
    """Any other event from a resident we know (a menu link opened, a location report): WeChat's 48-hour window for
    customer-service messages starts again."""
    with db.transaction() as session:
        resident = find_resident(session, channel=CHANNEL, external_id=openid)
        if resident is not None:
            resident.last_inbound_at = utcnow()


def unsubscribed(db: Database, openid: str) -> bool:
    """An unsubscription: WeChat refuses our messages to them from now on, as Telegram does when a bot is blocked;
    whether we knew them."""
    with db.transaction() as session:
        resident = find_resident(session, channel=CHANNEL, external_id=openid)
        if resident is not None:
            mark_unreachable(session, resident=resident)
        return resident is not None


def offer(db: Database, openid: str, offered: list[choices.Choice]) -> None:
    """Keep the choices just shown to the resident (replacing the previous ones; none clears them)."""
    with db.transaction() as session:
        resident = find_resident(session, channel=CHANNEL, external_id=openid)
        if resident is not None:
            resident.offered_choices = choices.stored(offered)


def relay_message(db: Database, openid: str, **message: Any) -> bool:
    """Store a message for the person handling this resident's chat; False if the handoff has ended meanwhile."""
    with db.transaction() as session:
        return live_chat.relay(session, channel=CHANNEL, external_id=openid, **message)
