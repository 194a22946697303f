"""Slowing down password guessing: too many failed logins for one username, or from one address, wait."""

from __future__ import annotations

import time
from collections import defaultdict, deque
from typing import Callable

WINDOW_SECONDS = 15 * 60
MAX_FAILURES_PER_USERNAME = 5
MAX_FAILURES_PER_ADDRESS = 20


class LoginThrottle:
    """Failed logins of the last window, per username and per client address (kept in the console process)."""

    def __init__(self, *, window: float = WINDOW_SECONDS, per_username: int = MAX_FAILURES_PER_USERNAME,
                 per_address: int = MAX_FAILURES_PER_ADDRESS, clock: Callable[[], float] = time.monotonic):
        self.window, self.limits, self.clock = window, {"user": per_username, "addr": per_address}, clock
        self._failures: dict[tuple[str, str], deque[float]] = defaultdict(deque)

    def _keys(self, username: str, address: str) -> list[tuple[str, str]]:
        return [("user", username.strip().lower()), ("addr", address)]

    def _recent(self, key: tuple[str, str]) -> deque[float]:
        failures, cutoff = self._failures[key], self.clock() - self.window
        while failures and failures[0] <= cutoff:
            failures.popleft()
        if not failures:
            del self._failures[key]  # forget quiet keys: the table does not grow with every name tried
            return deque()
        return failures

    def wait_seconds(self, username: str, address: str) -> float:
        """0 if a login may be tried now, else how long until it may."""
        waits = [failures[0] + self.window - self.clock() for key in self._keys(username, address)
                 if len(failures := self._recent(key)) >= self.limits[key[0]]]
        return max(waits, default=0.0)

    def failed(self, username: str, address: str) -> None:
        """Count a failed login."""
        for key in self._keys(username, address):
            self._failures[key].append(self.clock())

    def succeeded(self, username: str) -> None:
        """A right password clears the username's failures (not the address's)."""
        self._failures.pop(("user", username.strip().lower()), None)
