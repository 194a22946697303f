"""One turn of a conversation, the same for every channel: a message in, replies out, never a crash."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Iterable

from bot import texts
from bot.rasa_client import RasaClient, RasaUnavailable, Reply
from cases import outbox
from cases.guards.cleaning import clean_text
from cases.guards.privacy import pseudonym
from cases.referrals import urgent_referral_for
from cases.residents import find_resident, parse_sender_id
from cases.store.db import Database

log = logging.getLogger(__name__)


def is_typed(message: str) -> bool:
    """Typed by the resident, not a button's `/intent` payload."""
    return not message.startswith("/")


def urgent_answer(message: str | None, language: str) -> str | None:
    """What to tell the resident at once, before anything else, if a typed message has an urgent referral's phrase
    (a smell of gas: cases/referrals.yml); during a live chat too, while the person reads it."""
    topic = urgent_referral_for(clean_text(message)) if message and is_typed(message) else None
    return topic.answer_in(language) if topic else None


async def converse(rasa: RasaClient, *, sender: str, message: str, language: str = "en") -> list[Reply]:
    """Rasa's replies to `message`; an apology if Rasa is down or answers nothing.

    A message with an urgent referral's phrase (a smell of gas: cases/referrals.yml) is answered with that
    referral at once, before anything else and whatever the conversation was doing; it is not read as a
    request, so nothing is filed.
    """
    urgent = urgent_answer(message, language)
    if urgent is not None:
        log.info("urgent referral for resident %s", pseudonym(sender))
        return [Reply(text=urgent)]
    try:
        replies = await rasa.send(sender, message)
    except RasaUnavailable as exc:
        # The error names Rasa's URL and the failure, never the message; the resident only by pseudonym.
        log.error("Rasa unavailable for resident %s: %s", pseudonym(sender), type(exc.__cause__ or exc).__name__)
        return [Reply(text=texts.text("unavailable", language))]
    if not replies:
        # Rasa answers nothing when an action failed (e.g. the action server is down).
        log.error("Rasa returned no reply for resident %s", pseudonym(sender))
        return [Reply(text=texts.text("unavailable", language))]
    return replies


def references_in(messages: Iterable[str], prefix: str) -> set[str]:
    """The case references (HY-2026-00042) shown in these messages."""
    pattern = re.compile(rf"(?<![A-Za-z0-9]){re.escape(prefix)}-\d{{4}}-\d{{5}}(?![0-9])", re.IGNORECASE)
    return {match.upper() for text in messages for match in pattern.findall(text or "")}


def _cancel_receipts(db: Database, sender: str, references: set[str]) -> int:
    """Cancel the resident's held receipts of these references (in a worker thread)."""
    channel, external_id = parse_sender_id(sender)
    with db.transaction() as session:
        resident = find_resident(session, channel=channel, external_id=external_id)
        return 0 if resident is None else outbox.cancel_receipts(session, resident=resident, references=references)


async def confirm_delivered(db: Database, *, sender: str, messages: Iterable[str], prefix: str) -> None:
    """The channel delivered these messages to the resident: a new case's reference among them needs no push.

    Call only once the platform has the messages (Telegram accepted them, the web chat's answer is
    written); if this never runs, the held receipt (outbox.queue_receipt) tells the resident instead.
    """
    references = references_in(messages, prefix)
    if not references:
        return  # most turns: no database work
    try:
        await asyncio.to_thread(_cancel_receipts, db, sender, references)
    except Exception:  # logged with its trace; the worst outcome is the reference pushed once more
        log.exception("could not cancel the held receipts of resident %s", pseudonym(sender))
