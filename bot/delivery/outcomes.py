"""Recording what became of a claimed outbox row (sent, retried, failed or handed back), for every channel's
sender, and sending one to Telegram."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional, Protocol, TypeVar

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from telegram import Bot
from telegram.error import BadRequest, ChatMigrated, Forbidden, InvalidToken, RetryAfter

from bot.delivery.limits import PushLimiter
from bot.telegram.replies import keyboard_rows
from cases import outbox
from cases.guards.privacy import resident_tag
from cases.models import Resident
from cases.residents import mark_unreachable
from cases.store.db import Database
from huiyin.settings import Settings

log = logging.getLogger("bot.delivery.push")  # one logger for the sender's modules
T = TypeVar("T")

CHANNEL = "telegram"
RETRY_BASE_SECONDS, RETRY_CAP_SECONDS = 5.0, 900.0
TOKEN_PAUSE_SECONDS = 60.0
SENT, FAILED, RETRY, PAUSED, GONE = "sent", "failed", "retry", "paused", "gone"


@dataclass
class DeliveryStats:
    """What one sweep did."""

    sent: int = 0
    retried: int = 0  # transient failure: tried again later
    failed: int = 0  # given up for good
    released: int = 0  # handed back unsent (RetryAfter, lease running out, shutdown)
    rate_limited: int = 0  # RetryAfter answers
    seconds: float = 0.0

    def __str__(self) -> str:
        return (f"{self.sent} sent, {self.retried} to retry, {self.failed} failed, {self.released} handed back, "
                f"{self.rate_limited} RetryAfter, in {self.seconds:.1f} s")


@dataclass(frozen=True)
class Item:
    """A claimed row, detached from its session."""

    id: int
    resident_id: Optional[int]  # None for a staff member's message
    chat_id: str
    text: str
    attempts: int
    claimed_at: datetime
    buttons: tuple = ()  # rows of {"title", "payload"}, shown as an inline keyboard


class Write(Protocol):
    """The sweep's short transaction: runs `work`, giving back the turn `item`'s send held."""

    def __call__(self, work: Callable[[Session], T], item: Optional[Item] = None) -> Awaitable[T]: ...


async def in_transaction(db: Database, work: Callable[[Session], T]) -> T:
    """Run `work` in its own short transaction off the event loop; tried three times if the database is busy."""
    for attempt in range(2):
        try:
            return await asyncio.to_thread(_transaction, db, work)
        except OperationalError:
            await asyncio.sleep(0.2 * (attempt + 1))
    return await asyncio.to_thread(_transaction, db, work)  # the third try: its error goes up


def _transaction(db: Database, work: Callable[[Session], T]) -> T:
    with db.transaction() as session:
        return work(session)


def retry_delay(attempts: int) -> float:
    """Seconds before another try after `attempts` failed ones: exponential, capped, with jitter."""
    return min(RETRY_CAP_SECONDS, RETRY_BASE_SECONDS * 2 ** max(0, attempts - 1)) * random.uniform(0.5, 1.0)


class Outcomes:
    """Records what became of a claimed row, whatever the channel: sent, retried with back-off, failed for good,
    or handed back; each in its own transaction (`write`), counted in `stats`."""

    def __init__(self, *, channel: str, settings: Settings, now: Callable[[], datetime], stats: DeliveryStats,
                 write: Write):
        self.channel, self.settings, self.now, self.stats, self._write = channel, settings, now, stats, write

    async def sent(self, item: Item) -> tuple[str, Optional[str]]:
        """The platform took the row's message."""
        await self._write(lambda s: outbox.mark_sent(s, notification_id=item.id, now=self.now()), item)
        self.stats.sent += 1
        return SENT, None

    async def handed_back(self, item: Item, seconds: float) -> tuple[str, Optional[str]]:
        """Give the row back for `seconds` without counting the attempt (our limits or our credentials, not the row)."""
        retry_at = self.now() + timedelta(seconds=seconds)
        await self._write(lambda s: outbox.release(s, notification_id=item.id, retry_at=retry_at), item)
        self.stats.released += 1
        return PAUSED, None

    async def failed(self, item: Item, error: str, *, unreachable: bool = False,
                     gone: bool = False) -> tuple[str, Optional[str]]:
        """Give up on a row for good; `unreachable`: the platform refuses the resident every message (they blocked
        or unfollowed us); `gone`: the chat's other rows fail too."""

        def fail(session: Session) -> None:
            if unreachable and item.resident_id is not None:  # a staff member who blocked the bot stays in the console
                mark_unreachable(session, resident=session.get_one(Resident, item.resident_id), now=self.now())
            outbox.mark_failed(session, notification_id=item.id, error=error)

        await self._write(fail, item)
        self.stats.failed += 1
        log.warning("notification %s to resident %s failed: %s", item.id, resident_tag(self.channel, item.chat_id),
                    error)
        return (GONE if gone or unreachable else FAILED), error

    async def retried(self, item: Item, error: str) -> tuple[str, Optional[str]]:
        """Try a row again later with back-off, or fail it after the last attempt."""
        retry_at = self.now() + timedelta(seconds=retry_delay(item.attempts))
        again = await self._write(lambda s: outbox.mark_retry(
            s, notification_id=item.id, error=error, retry_at=retry_at,
            max_attempts=self.settings.push_max_attempts), item)
        if again:
            self.stats.retried += 1
        else:
            self.stats.failed += 1
        log.warning("notification %s to resident %s: %s (%s)", item.id, resident_tag(self.channel, item.chat_id),
                    error, f"attempt {item.attempts}, retry at {retry_at:%H:%M:%S}" if again else "giving up")
        return (RETRY if again else FAILED), error

    async def settle_rest(self, rest: list[Item], gone: Optional[str]) -> None:
        """A chat's rows left unsent: failed if the chat refuses messages (`gone`: why), else handed back unsent."""
        retry_at = self.now()

        def settle(session: Session) -> None:
            for item in rest:
                if gone:
                    outbox.mark_failed(session, notification_id=item.id, error=gone)
                else:
                    outbox.release(session, notification_id=item.id, retry_at=retry_at)

        await self._write(settle)
        if gone:
            self.stats.failed += len(rest)
        else:
            self.stats.released += len(rest)


class RowSender(Outcomes):
    """Sends a claimed row to Telegram and records the outcome; the sweep decides which row and when."""

    def __init__(self, *, bot: Bot, limiter: PushLimiter, settings: Settings, now: Callable[[], datetime],
                 stats: DeliveryStats, write: Write):
        super().__init__(channel=CHANNEL, settings=settings, now=now, stats=stats, write=write)
        self.bot, self.limiter = bot, limiter

    async def send(self, item: Item, key: int) -> tuple[str, Optional[str]]:
        """Send one row and record the outcome in its own transaction; returns (outcome, error)."""
        try:
            await self.bot.send_message(chat_id=key, text=item.text, reply_markup=keyboard_rows(item.buttons))
            refused = None
        except Exception as exc:  # noqa: BLE001 - sorted out below, once the limiter knows the answer came
            refused = exc
        finally:
            self.limiter.release(key)
        if refused is None:
            return await self.sent(item)
        if isinstance(refused, RetryAfter):
            self.stats.rate_limited += 1
            log.warning("Telegram asked us to wait %.0f s", _seconds(refused.retry_after))
            return await self._hand_back(item, _seconds(refused.retry_after))
        if isinstance(refused, InvalidToken):  # our fault, not the row's: keep its attempts for later
            log.error("Telegram rejected the bot token; pausing pushes for %.0f s", TOKEN_PAUSE_SECONDS)
            return await self._hand_back(item, TOKEN_PAUSE_SECONDS)
        if isinstance(refused, (Forbidden, BadRequest, ChatMigrated, ValueError)):
            return await self.fail(item, refused)
        # NetworkError, TimedOut, 5xx and anything unexpected
        return await self.retried(item, f"{type(refused).__name__}: {refused}")

    async def _hand_back(self, item: Item, seconds: float) -> tuple[str, Optional[str]]:
        """Pause every send for `seconds` and give the row back without counting the attempt."""
        self.limiter.pause(seconds)
        return await self.handed_back(item, seconds)

    async def fail(self, item: Item, exc: Exception) -> tuple[str, Optional[str]]:
        """Give up on a row Telegram refused for good; a blocked bot makes the resident unreachable."""
        return await self.failed(item, f"{type(exc).__name__}: {exc}", unreachable=isinstance(exc, Forbidden),
                                 gone="chat not found" in str(exc).lower())


def _seconds(value) -> float:
    """RetryAfter.retry_after in seconds, whether PTB gives an int or a timedelta."""
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
