"""Delivering queued Telegram messages from the outbox (residents' pushes, staff alerts, reports), within
Telegram's rate limits: the process's limiter overall, and each chat paced through the database."""

from __future__ import annotations

import asyncio
import logging
import math
import random
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional, TypeVar

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from telegram import Bot
from telegram.error import BadRequest, ChatMigrated, Forbidden, InvalidToken, RetryAfter
from telegram.request import HTTPXRequest

from bot.delivery.limits import MAX_ON_THE_WIRE, PushLimiter
from bot.delivery.pacing import ChatPacer
from bot.telegram.replies import keyboard_rows
from cases import outbox
from cases.clock import utcnow
from cases.models import Notification, Resident
from cases.privacy import resident_tag
from cases.residents import mark_unreachable
from cases.staff.alerts import with_console
from cases.store.db import Database
from huiyin.settings import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")

CHANNEL = "telegram"
BATCH_SIZE = 20  # rows per claim: small batches keep a claimed row's local wait short
LEASE_SECONDS = 120.0
LEASE_MARGIN = 30.0  # a send never starts this close to the lease's end, so HTTP timeouts fit inside it
MAX_SWEEP_SECONDS = 300.0
QUIET_SECONDS = 0.5  # after a claim found nothing more, how long before asking the database again
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
class _Item:
    """A claimed row, detached from its session."""

    id: int
    resident_id: Optional[int]  # None for a staff member's message
    chat_id: str
    text: str
    attempts: int
    claimed_at: datetime
    buttons: tuple = ()  # rows of {"title", "payload"}, shown as an inline keyboard


def push_bot(settings: Settings) -> Bot:
    """A plain Bot for pushes: no AIORateLimiter, since our limiter paces them and must see RetryAfter."""
    return Bot(
        settings.telegram_bot_token or "",  # Bot refuses an empty token (InvalidToken) as it refuses None
        base_url=settings.telegram_api_base_url,
        base_file_url=settings.telegram_file_base_url,
        request=HTTPXRequest(connection_pool_size=MAX_ON_THE_WIRE + 2),
    )


def retry_delay(attempts: int) -> float:
    """Seconds before another try after `attempts` failed ones: exponential, capped, with jitter."""
    return min(RETRY_CAP_SECONDS, RETRY_BASE_SECONDS * 2 ** max(0, attempts - 1)) * random.uniform(0.5, 1.0)


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
    sweep = _Sweep(db=db, bot=bot, limiter=limiter, settings=settings, now=now,
                   lease_seconds=lease_seconds, batch_size=batch_size,
                   pacer=pacer or ChatPacer(db, limiter.chat_interval))
    started = time.monotonic()
    try:
        await sweep.run(deadline=started + max_seconds)
    finally:
        sweep.stats.seconds = time.monotonic() - started
        stats = sweep.stats
        if stats.sent or stats.retried or stats.failed or stats.released:
            log.info("telegram pushes: %s", stats)
    return sweep.stats


class _Sweep:
    """One deliver_due run: claims rows in small batches and runs one worker per chat."""

    def __init__(self, *, db, bot, limiter, settings, now, lease_seconds, batch_size, pacer):
        self.db, self.bot, self.limiter, self.settings, self.now = db, bot, limiter, settings, now
        self.lease_seconds, self.batch_size = lease_seconds, batch_size
        # Enough chats in hand that some chat is always past its interval, but not so many rows
        # that a claimed one could wait out its lease here.
        self.max_chats = max(batch_size, math.ceil(2 * limiter.rate * limiter.chat_interval))
        self.max_rows = max(batch_size, int(limiter.rate * (lease_seconds - LEASE_MARGIN) / 3))
        self.queues: dict[str, deque[_Item]] = {}
        self.tasks: set[asyncio.Task] = set()
        self.changed = asyncio.Event()
        self.stats = DeliveryStats()
        self.pacer = pacer
        self.holds: dict[int, Optional[datetime]] = {}  # row id → when its chat's turn was taken

    async def run(self, *, deadline: float) -> None:
        """Claim and send until nothing is due; on cancellation, finish sends on the wire and hand back the rest."""
        try:
            await self._dispatch(deadline)
        finally:
            tasks = list(self.tasks)
            for task in tasks:  # a worker waiting for its turn stops; one on the wire finishes first
                task.cancel()
            await asyncio.shield(asyncio.gather(*tasks, return_exceptions=True))

    async def _dispatch(self, deadline: float) -> None:
        """Keep enough chats in hand; stop when a claim finds nothing and no worker is left."""
        quiet_until = 0.0
        while True:
            clock = time.monotonic()
            wants_more = len(self.queues) < self.max_chats and sum(map(len, self.queues.values())) < self.max_rows
            if clock < deadline and wants_more and (clock >= quiet_until or not self.tasks):
                items = await self._claim()
                self._enqueue(items)
                if not self.tasks:
                    return
                if len(items) == self.batch_size:
                    continue
                quiet_until = time.monotonic() + QUIET_SECONDS
            elif not self.tasks:
                return
            self.changed.clear()
            try:  # a finished send may make its chat's next row due
                await asyncio.wait_for(self.changed.wait(), timeout=QUIET_SECONDS)
            except asyncio.TimeoutError:
                pass

    def _item(self, row: Notification) -> _Item:
        assert row.claimed_at is not None  # claim_due has just set it
        return _Item(row.id, row.resident_id, row.chat_id, self._text(row), row.attempts, row.claimed_at,
                     tuple(outbox.buttons_of(row)))

    async def _claim(self) -> list[_Item]:
        """Claim the next small batch in one short transaction."""

        def claim(session: Session) -> list[_Item]:
            rows = outbox.claim_due(session, channel=CHANNEL, limit=self.batch_size,
                                    lease_seconds=self.lease_seconds, now=self.now())
            return [self._item(r) for r in rows]

        try:
            return await self._write(claim)
        except OperationalError:
            log.exception("could not claim notifications")
            return []

    def _text(self, row: Notification) -> str:
        """What to send for a row: a staff alert's console link gets the console's public address."""
        if row.kind == outbox.STAFF_ALERT:
            return with_console(row.text, self.settings.console_public_url)
        return row.text

    def _enqueue(self, items: list[_Item]) -> None:
        """Queue rows per chat (they come oldest first) and start a worker for each new chat."""
        for item in items:
            queue = self.queues.get(item.chat_id)
            if queue is None:
                queue = self.queues[item.chat_id] = deque()
                task = asyncio.create_task(self._work(item.chat_id, queue))
                self.tasks.add(task)
                task.add_done_callback(self.tasks.discard)
            queue.append(item)

    async def _work(self, chat_id: str, queue: deque[_Item]) -> None:
        """Send one chat's rows in order, one at a time."""
        send: Optional[asyncio.Task] = None
        gone: Optional[str] = None  # the chat refuses messages: its other rows fail instead of going back
        try:
            while queue:
                item = queue[0]
                if not item.chat_id.lstrip("-").isdigit():  # only a bug could store one; never retry it
                    queue.popleft()
                    await self._fail(item, ValueError("not a Telegram chat id"))
                    continue
                key = int(item.chat_id)
                await self._take_turn(item, key)
                if self._lease_ending(item):
                    self.limiter.release(key)
                    await self.pacer.settle(key, self.holds.pop(item.id), answered=False)
                    log.warning("notification %s waited too long; handing it back", item.id)
                    break
                queue.popleft()
                send = asyncio.create_task(self._send(item, key))
                outcome, error = await asyncio.shield(send)
                if outcome in (RETRY, PAUSED):
                    break  # later rows go back and wait behind this one (claim_due keeps the order)
                if outcome == GONE:
                    gone = error
                    break
        except asyncio.CancelledError:
            pass  # shutting down
        except Exception:  # e.g. the database is down: the rows come back after their lease
            log.exception("push worker for resident %s failed", resident_tag(CHANNEL, chat_id))
        finally:
            rest = list(queue)
            queue.clear()
            del self.queues[chat_id]
            if send is not None:
                await asyncio.wait([send])  # a send on the wire finishes and is marked, even on shutdown
            for item in rest:  # a turn taken but not used (cancelled while waiting for the limiter)
                if item.id in self.holds:
                    await self.pacer.settle(int(item.chat_id), self.holds.pop(item.id), answered=False)
            try:
                if rest:
                    await self._settle_rest(rest, gone)
            except Exception:
                log.exception("could not hand back notifications %s", [item.id for item in rest])
            self.changed.set()

    async def _settle_rest(self, rest: list[_Item], gone: Optional[str]) -> None:
        """Fail the rows of a chat that refuses messages; hand any others back unsent."""
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

    async def _take_turn(self, item: _Item, key: int) -> None:
        """This process's limits, then the chat's turn shared with every process (the bot's replies too)."""
        while True:
            await self.limiter.acquire(key)
            try:
                wait, self.holds[item.id] = await self.pacer.take(key)
            except BaseException:  # cancelled (shutting down): the limiter's turn goes back unused
                self.limiter.release(key, sent=False)
                raise
            if not wait:
                return
            self.limiter.release(key, sent=False)  # another process sent to this chat: wait, then queue again
            await asyncio.sleep(wait)

    def _lease_ending(self, item: _Item) -> bool:
        """Whether the row's claim is too old to start a send: another sender may take it soon."""
        return (self.now() - item.claimed_at).total_seconds() > self.lease_seconds - LEASE_MARGIN

    async def _send(self, item: _Item, key: int) -> tuple[str, Optional[str]]:
        """Send one row and record the outcome in its own transaction; returns (outcome, error)."""
        try:
            await self.bot.send_message(chat_id=key, text=item.text, reply_markup=keyboard_rows(item.buttons))
            refused = None
        except Exception as exc:  # noqa: BLE001 - sorted out below, once the limiter knows the answer came
            refused = exc
        finally:
            self.limiter.release(key)
        if refused is None:
            await self._write(lambda s: outbox.mark_sent(s, notification_id=item.id, now=self.now()), item)
            self.stats.sent += 1
            return SENT, None
        if isinstance(refused, RetryAfter):
            self.stats.rate_limited += 1
            log.warning("Telegram asked us to wait %.0f s", _seconds(refused.retry_after))
            return await self._hand_back(item, _seconds(refused.retry_after))
        if isinstance(refused, InvalidToken):  # our fault, not the row's: keep its attempts for later
            log.error("Telegram rejected the bot token; pausing pushes for %.0f s", TOKEN_PAUSE_SECONDS)
            return await self._hand_back(item, TOKEN_PAUSE_SECONDS)
        if isinstance(refused, (Forbidden, BadRequest, ChatMigrated, ValueError)):
            return await self._fail(item, refused)
        return await self._retry(item, refused)  # NetworkError, TimedOut, 5xx and anything unexpected

    async def _hand_back(self, item: _Item, seconds: float) -> tuple[str, Optional[str]]:
        """Pause every send for `seconds` and give the row back without counting the attempt."""
        self.limiter.pause(seconds)
        retry_at = self.now() + timedelta(seconds=seconds)
        await self._write(lambda s: outbox.release(s, notification_id=item.id, retry_at=retry_at), item)
        self.stats.released += 1
        return PAUSED, None

    async def _fail(self, item: _Item, exc: Exception) -> tuple[str, Optional[str]]:
        """Give up on a row Telegram refused for good; a blocked bot makes the resident unreachable."""
        error = f"{type(exc).__name__}: {exc}"
        blocked = isinstance(exc, Forbidden)
        gone = blocked or "chat not found" in str(exc).lower()

        def fail(session: Session) -> None:
            if blocked and item.resident_id is not None:  # a staff member who blocked the bot stays in the console
                mark_unreachable(session, resident=session.get_one(Resident, item.resident_id), now=self.now())
            outbox.mark_failed(session, notification_id=item.id, error=error)

        await self._write(fail, item)
        self.stats.failed += 1
        log.warning("notification %s to resident %s failed: %s", item.id, resident_tag(CHANNEL, item.chat_id), error)
        return (GONE if gone else FAILED), error

    async def _retry(self, item: _Item, exc: Exception) -> tuple[str, Optional[str]]:
        """Try a row again later with back-off, or fail it after the last attempt."""
        error = f"{type(exc).__name__}: {exc}"
        retry_at = self.now() + timedelta(seconds=retry_delay(item.attempts))
        again = await self._write(lambda s: outbox.mark_retry(
            s, notification_id=item.id, error=error, retry_at=retry_at,
            max_attempts=self.settings.push_max_attempts), item)
        if again:
            self.stats.retried += 1
        else:
            self.stats.failed += 1
        log.warning("notification %s to resident %s: %s (%s)", item.id, resident_tag(CHANNEL, item.chat_id), error,
                    f"attempt {item.attempts}, retry at {retry_at:%H:%M:%S}" if again else "giving up")
        return (RETRY if again else FAILED), error

    async def _write(self, work: Callable[[Session], T], item: Optional[_Item] = None) -> T:
        """Run `work` in its own short transaction off the event loop; retried if the database is busy.

        With `item`, the transaction also gives back the turn its chat's send held (it was answered).
        """
        if item is not None and item.id in self.holds:
            held_from, outcome = self.holds.pop(item.id), work

            def work(session: Session) -> T:
                self.pacer.settle_in(session, int(item.chat_id), held_from)
                return outcome(session)

        for attempt in range(2):
            try:
                return await asyncio.to_thread(self._transaction, work)
            except OperationalError:
                await asyncio.sleep(0.2 * (attempt + 1))
        return await asyncio.to_thread(self._transaction, work)  # the third try: its error goes up

    def _transaction(self, work: Callable[[Session], T]) -> T:
        """Run `work` in a transaction (in a worker thread)."""
        with self.db.transaction() as session:
            return work(session)


def _seconds(value) -> float:
    """RetryAfter.retry_after in seconds, whether PTB gives an int or a timedelta."""
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
