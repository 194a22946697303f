"""The one sender of queued Telegram messages (pushes, staff alerts, reports): its bot and its entry point."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import Optional

from telegram import Bot
from telegram.request import HTTPXRequest

from bot.delivery.limits import MAX_ON_THE_WIRE, PushLimiter
from bot.delivery.outcomes import RETRY_BASE_SECONDS, RETRY_CAP_SECONDS, DeliveryStats, retry_delay
from bot.delivery.pacing import ChatPacer
from bot.delivery.sweep import LEASE_MARGIN, Sweep
from cases.clock import utcnow
from cases.store.db import Database
from huiyin.settings import Settings

__all__ = ["BATCH_SIZE", "LEASE_SECONDS", "MAX_SWEEP_SECONDS", "RETRY_BASE_SECONDS", "RETRY_CAP_SECONDS",
           "DeliveryStats", "PushLimiter", "deliver_due", "push_bot", "retry_delay"]

log = logging.getLogger(__name__)

BATCH_SIZE = 20  # rows per claim: small batches keep a claimed row's local wait short
LEASE_SECONDS = 120.0
MAX_SWEEP_SECONDS = 300.0


def push_bot(settings: Settings) -> Bot:
    """A plain Bot for pushes: no AIORateLimiter, since our limiter paces them and must see RetryAfter."""
    return Bot(
        settings.telegram_bot_token or "",  # Bot refuses an empty token (InvalidToken) as it refuses None
        base_url=settings.telegram_api_base_url,
        base_file_url=settings.telegram_file_base_url,
        request=HTTPXRequest(connection_pool_size=MAX_ON_THE_WIRE + 2),
    )


async def deliver_due(
    *,
    db: Database,
    bot: Bot,
    limiter: PushLimiter,
    settings: Settings,
    now: Callable[[], datetime] = utcnow,
    lease_seconds: float = LEASE_SECONDS,
    batch_size: int = BATCH_SIZE,
    max_seconds: float = MAX_SWEEP_SECONDS,
    pacer: Optional[ChatPacer] = None,
) -> DeliveryStats:
    """Send due Telegram messages until none is due (or `max_seconds` passed); `now` is the clock.

    Every kind goes this one way: residents' pushes, staff alerts, report summaries. A row is claimed with
    a lease before its send and marked after it, so a sender that dies mid-send loses nothing: after the
    lease another sender sends it again. Telegram may have accepted the message before the sender died
    and before the row was marked sent; only then does it go twice (at least once, never lost).
    """
    if lease_seconds <= 2 * LEASE_MARGIN:
        raise ValueError(f"lease_seconds must exceed {2 * LEASE_MARGIN}")
    sweep = Sweep(db=db, bot=bot, limiter=limiter, settings=settings, now=now,
                   lease_seconds=lease_seconds, batch_size=batch_size,
                   pacer=pacer or ChatPacer(db, limiter.chat_interval, burst=settings.push_per_chat_burst))
    started = time.monotonic()
    try:
        await sweep.run(deadline=started + max_seconds)
    finally:
        sweep.stats.seconds = time.monotonic() - started
        stats = sweep.stats
        if stats.sent or stats.retried or stats.failed or stats.released:
            log.info("telegram pushes: %s", stats)
    return sweep.stats
