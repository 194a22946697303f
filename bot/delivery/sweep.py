"""The sender's sweep: claims due outbox rows in small batches and sends each chat's rows in order."""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import deque
from collections.abc import Callable
from datetime import datetime
from typing import Optional, TypeVar

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from bot.delivery.outcomes import CHANNEL, GONE, PAUSED, RETRY, DeliveryStats, Item, RowSender, in_transaction
from cases import outbox
from cases.guards.privacy import resident_tag
from cases.models import Notification
from cases.staff.alerts import copy_for_sending, with_console

log = logging.getLogger("bot.delivery.push")  # one logger for the sender's modules
T = TypeVar("T")

LEASE_MARGIN = 30.0  # a send never starts this close to the lease's end, so HTTP timeouts fit inside it
QUIET_SECONDS = 0.5  # after a claim found nothing more, how long before asking the database again


class Sweep:
    """One deliver_due run: claims rows in small batches and runs one worker per chat."""

    def __init__(self, *, db, bot, limiter, settings, now, lease_seconds, batch_size, pacer):
        self.db, self.bot, self.limiter, self.settings, self.now = db, bot, limiter, settings, now
        self.lease_seconds, self.batch_size = lease_seconds, batch_size
        # Enough chats in hand that some chat is always past its interval, but not so many rows
        # that a claimed one could wait out its lease here.
        self.max_chats = max(batch_size, math.ceil(2 * limiter.rate * limiter.chat_interval))
        self.max_rows = max(batch_size, int(limiter.rate * (lease_seconds - LEASE_MARGIN) / 3))
        self.queues: dict[str, deque[Item]] = {}
        self.tasks: set[asyncio.Task] = set()
        self.changed = asyncio.Event()
        self.stats = DeliveryStats()
        self.pacer = pacer
        self.holds: dict[int, Optional[datetime]] = {}  # row id → when its chat's turn was taken
        self.sender = RowSender(bot=bot, limiter=limiter, settings=settings, now=now, stats=self.stats,
                                write=self._write)

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

    def _item(self, session: Session, row: Notification) -> Item:
        assert row.claimed_at is not None  # claim_due has just set it
        return Item(row.id, row.resident_id, row.chat_id, self._text(session, row), row.attempts, row.claimed_at,
                     tuple(outbox.buttons_of(row)))

    async def _claim(self) -> list[Item]:
        """Claim the next small batch in one short transaction."""

        def claim(session: Session) -> list[Item]:
            rows = outbox.claim_due(session, channel=CHANNEL, limit=self.batch_size,
                                    lease_seconds=self.lease_seconds, now=self.now())
            return [self._item(session, r) for r in rows]

        # Shielded: a sweep cancelled while the claim's transaction runs (a deploy stops the jobs) would lose
        # the claimed rows until their lease ends; instead it waits for the claim and hands its rows back.
        claiming = asyncio.ensure_future(self._write(claim))
        try:
            return await asyncio.shield(claiming)
        except OperationalError:
            log.exception("could not claim notifications")
            return []
        except asyncio.CancelledError:
            claimed = await asyncio.gather(claiming, return_exceptions=True)
            if isinstance(claimed[0], list) and claimed[0]:
                await self._settle_rest(claimed[0], None)
            raise

    def _text(self, session: Session, row: Notification) -> str:
        """What to send for a row: a staff alert in its reader's language, its console link with the console's
        public address."""
        if row.kind == outbox.STAFF_ALERT:
            text = copy_for_sending(session, row, default_language=self.settings.staff_language)
            return with_console(text, self.settings.console_public_url)
        return row.text

    def _enqueue(self, items: list[Item]) -> None:
        """Queue rows per chat (they come oldest first) and start a worker for each new chat."""
        for item in items:
            queue = self.queues.get(item.chat_id)
            if queue is None:
                queue = self.queues[item.chat_id] = deque()
                task = asyncio.create_task(self._work(item.chat_id, queue))
                self.tasks.add(task)
                task.add_done_callback(self.tasks.discard)
            queue.append(item)

    async def _work(self, chat_id: str, queue: deque[Item]) -> None:
        """Send one chat's rows in order, one at a time."""
        send: Optional[asyncio.Task] = None
        gone: Optional[str] = None  # the chat refuses messages: its other rows fail instead of going back
        try:
            while queue:
                item = queue[0]
                if not item.chat_id.lstrip("-").isdigit():  # only a bug could store one; never retry it
                    queue.popleft()
                    await self.sender.fail(item, ValueError("not a Telegram chat id"))
                    continue
                key = int(item.chat_id)
                await self._take_turn(item, key)
                if self._lease_ending(item):
                    self.limiter.release(key)
                    await self.pacer.settle(key, self.holds.pop(item.id), answered=False)
                    log.warning("notification %s waited too long; handing it back", item.id)
                    break
                queue.popleft()
                send = asyncio.create_task(self.sender.send(item, key))
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

    async def _settle_rest(self, rest: list[Item], gone: Optional[str]) -> None:
        """Fail the rows of a chat that refuses messages; hand any others back unsent."""
        await self.sender.settle_rest(rest, gone)

    async def _take_turn(self, item: Item, key: int) -> None:
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

    def _lease_ending(self, item: Item) -> bool:
        """Whether the row's claim is too old to start a send: another sender may take it soon."""
        return (self.now() - item.claimed_at).total_seconds() > self.lease_seconds - LEASE_MARGIN

    async def _write(self, work: Callable[[Session], T], item: Optional[Item] = None) -> T:
        """Run `work` in its own short transaction off the event loop; retried if the database is busy.

        With `item`, the transaction also gives back the turn its chat's send held (it was answered).
        """
        if item is not None and item.id in self.holds:
            held_from, outcome = self.holds.pop(item.id), work

            def work(session: Session) -> T:
                self.pacer.settle_in(session, int(item.chat_id), held_from)
                return outcome(session)

        return await in_transaction(self.db, work)
