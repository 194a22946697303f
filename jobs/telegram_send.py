"""One staff message to one Telegram chat, paced by the process's push limiter."""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram import Bot
from telegram.error import BadRequest, ChatMigrated, Forbidden, InvalidToken, RetryAfter

from bot.delivery.limits import PushLimiter
from cases.privacy import pseudonym

log = logging.getLogger(__name__)

SENT, REFUSED, TRANSIENT = "sent", "refused", "transient"


async def send_staff_message(bot: Bot, limiter: PushLimiter, chat_id: str, text: str) -> str:
    """Send `text`; SENT, REFUSED (Telegram said no for good) or TRANSIENT (worth another try later)."""
    if not str(chat_id).lstrip("-").isdigit():
        log.warning("staff chat %s: not a Telegram chat id", pseudonym(chat_id))
        return REFUSED
    key = int(chat_id)
    # The same limiter as residents' pushes: Telegram counts every message of the bot together.
    await limiter.acquire(key)
    try:
        await bot.send_message(chat_id=key, text=text[:4096])
        return SENT
    except RetryAfter as exc:
        seconds = exc.retry_after.total_seconds() if isinstance(exc.retry_after, timedelta) else float(exc.retry_after)
        limiter.pause(seconds)
        log.warning("Telegram asked us to wait %.0f s (staff message to %s)", seconds, pseudonym(chat_id))
        return TRANSIENT
    except (Forbidden, BadRequest, ChatMigrated) as exc:
        log.warning("staff message to chat %s refused: %s", pseudonym(chat_id), exc)
        return REFUSED
    except InvalidToken:
        log.error("Telegram rejected the bot token")
        return TRANSIENT
    except Exception as exc:  # noqa: BLE001 - network trouble and anything unexpected: try again later
        log.warning("staff message to chat %s failed: %s", pseudonym(chat_id), exc)
        return TRANSIENT
    finally:
        limiter.release(key)
