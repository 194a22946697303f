"""One turn of a conversation, the same for every channel: a message in, replies out, never a crash."""

from __future__ import annotations

import logging

from bot import texts
from bot.rasa_client import RasaClient, RasaUnavailable, Reply

log = logging.getLogger(__name__)


async def converse(rasa: RasaClient, *, sender: str, message: str, language: str = "en") -> list[Reply]:
    """Rasa's replies to `message`; an apology if Rasa is down or answers nothing."""
    try:
        replies = await rasa.send(sender, message)
    except RasaUnavailable as exc:
        log.error("Rasa unavailable for %s: %s", sender, exc)
        return [Reply(text=texts.text("unavailable", language))]
    if not replies:
        # Rasa answers nothing when an action failed (e.g. the action server is down).
        log.error("Rasa returned no reply for %s", sender)
        return [Reply(text=texts.text("unavailable", language))]
    return replies
