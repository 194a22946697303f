"""The account's access token, shared by every process that calls WeChat (the channel and the jobs' sender).

Kept in the database (cases/store/api_tokens.py) and cached in the process until `MARGIN_SECONDS` before it
expires. When WeChat refuses a token (40001, 42001), `renew(stale=…)` fetches a new one unless another process
already has: a refused token is renewed once, whoever noticed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import Optional

from cases.clock import utcnow
from cases.store import api_tokens
from cases.store.db import Database

MARGIN_SECONDS = 300.0  # renewed this long before WeChat's expiry (it gives 7,200 s), so no call carries a dead one


class SharedToken:
    """One account's access token: this process's copy, the database's, or a new one fetched under the row's lock."""

    def __init__(self, db: Database, *, key: str, fetch: Callable[[], tuple[str, float]],
                 clock: Callable[[], datetime] = utcnow):
        self.db, self.key, self.fetch, self.clock = db, key, fetch, clock
        self._copy: Optional[api_tokens.Token] = None
        self._lock = threading.Lock()  # the process's threads wait for one of them to ask the database

    def get(self) -> str:
        """A valid token (blocking: database, perhaps WeChat)."""
        return self._token(stale=None)

    def renew(self, stale: str) -> str:
        """WeChat refused `stale`: a newer token, fetched only if no process has stored one since."""
        return self._token(stale=stale)

    def _token(self, *, stale: Optional[str]) -> str:
        with self._lock:
            if not api_tokens.usable(self._copy, now=self.clock(), margin=MARGIN_SECONDS, stale=stale):
                self._copy = self._load(stale)
            assert self._copy is not None
            return self._copy[0]

    def _load(self, stale: Optional[str]) -> api_tokens.Token:
        with self.db.transaction() as session:
            stored = api_tokens.stored_token(session, key=self.key)
        if stored is not None and api_tokens.usable(stored, now=self.clock(), margin=MARGIN_SECONDS, stale=stale):
            return stored
        with self.db.transaction() as session:
            return api_tokens.renew_token(session, key=self.key, now=self.clock(), margin=MARGIN_SECONDS,
                                          stale=stale, fetch=self.fetch)
