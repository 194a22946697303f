"""Telegram's rate limits, kept on our side: overall sends per second and the interval per chat."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable
from typing import Optional

from huiyin.settings import Settings

MAX_ON_THE_WIRE = 32  # sends in flight at once; the bot's HTTP pool has as many connections


class _Chat:
    """One chat's turn-taking: one send at a time, the next no sooner than the interval after it."""

    __slots__ = ("in_window", "lock", "ready_at")

    def __init__(self) -> None:
        self.lock, self.ready_at, self.in_window = asyncio.Lock(), 0.0, [0.0]


class PushLimiter:
    """Telegram's limits on our side, shared by every sweep of the process.

    Telegram stamps a send somewhere between our request and its answer, so a send holds its place
    in the window from the moment it starts until `window` after it was answered: then no
    window of that length can hold more than `rate * window` sends at Telegram's end, however the
    network delays them. Likewise one chat waits `chat_interval` after its previous send was
    answered. Sends are also spread about `window / limit` apart, at most `max_on_the_wire` are
    in flight, and a RetryAfter pauses everything.
    """

    def __init__(self, *, rate: float, chat_interval: float, window: float = 1.0,
                 max_on_the_wire: int = MAX_ON_THE_WIRE, clock: Callable[[], float] = time.monotonic):
        self.limit = max(1, int(rate * window))
        self.rate, self.window, self.chat_interval, self.clock = self.limit / window, window, chat_interval, clock
        self.spacing = window / self.limit
        self._window: list[list[float]] = []  # one per recent send: [answered at], inf while in flight
        self._next_at = 0.0  # when the evenly spaced schedule allows the next send
        self._paused_until = 0.0
        self._turns = asyncio.Lock()  # first come, first served
        self._answered = asyncio.Event()
        self._wire = asyncio.Semaphore(max_on_the_wire)
        self._chats: dict[int, _Chat] = {}
        self._pruned_at = clock()

    @classmethod
    def from_settings(cls, settings: Settings) -> PushLimiter:
        """The limiter with our margins below Telegram's limits."""
        return cls(rate=settings.push_rate_per_second, chat_interval=settings.push_per_chat_interval_seconds)

    def pause(self, seconds: float) -> None:
        """Stop every send for `seconds` (Telegram answered RetryAfter)."""
        self._paused_until = max(self._paused_until, self.clock() + seconds)

    async def acquire(self, chat_id: int) -> None:
        """Wait until a message may go to `chat_id` now; call release(chat_id) once it was answered."""
        chat = self._chats.setdefault(chat_id, _Chat())
        await chat.lock.acquire()
        try:
            while (delay := chat.ready_at - self.clock()) > 0:
                await asyncio.sleep(delay)
            await self._wire.acquire()
            try:
                async with self._turns:
                    while (delay := self._next_global() - self.clock()) > 0:
                        self._answered.clear()  # an answer may free a place before `delay` is up
                        await _event_or_timeout(self._answered, None if delay == math.inf else delay)
                    chat.in_window = [math.inf]
                    self._window.append(chat.in_window)
                    self._next_at = max(self._next_at, self.clock()) + self.spacing
            except BaseException:
                self._wire.release()
                raise
        except BaseException:
            chat.lock.release()
            raise

    def release(self, chat_id: int, *, sent: bool = True) -> None:
        """The send to `chat_id` was answered (or abandoned); its next one waits the chat interval from now.

        With `sent` False nothing went out (e.g. the chat's shared turn was not free): the turn counts for nothing.
        """
        chat, now = self._chats[chat_id], self.clock()
        if sent:
            chat.in_window[0], chat.ready_at = now, now + self.chat_interval
        else:
            chat.in_window[0] = -math.inf
        chat.lock.release()
        self._wire.release()
        self._answered.set()
        if now - self._pruned_at > 60:  # forget chats whose interval has passed
            self._pruned_at = now
            for key in [k for k, c in self._chats.items() if not c.lock.locked() and c.ready_at < now]:
                del self._chats[key]

    def _next_global(self) -> float:
        """The earliest time the next send keeps the window, the spacing and any pause (inf: wait for an answer)."""
        now = self.clock()
        self._window = [entry for entry in self._window if entry[0] > now - self.window]
        # A spacing of slack lets a send that woke late be followed at once, so lateness does not
        # add up; the window still holds.
        times = [self._paused_until, self._next_at - self.spacing]
        if len(self._window) >= self.limit:  # wait until enough of them are a window past their answer
            answered = sorted(entry[0] for entry in self._window)
            times.append(answered[len(answered) - self.limit] + self.window)
        return max(times)


async def _event_or_timeout(event: asyncio.Event, timeout: Optional[float]) -> None:
    """Wait until `event` is set or `timeout` passes. Not asyncio.wait_for: on Python 3.10 a cancellation that
    arrives as the event is set is swallowed (gh-86296), and a sender being stopped would go on to send."""
    waiter = asyncio.ensure_future(event.wait())
    try:
        await asyncio.wait({waiter}, timeout=timeout)
    finally:
        waiter.cancel()
