"""What the actions need from outside the conversation: settings and the case database (connected on first use)."""

from __future__ import annotations

import threading
from typing import Optional

from cases.hours import OfficeHours, QuietHours
from cases.store.db import Database
from huiyin import bootstrap
from huiyin.settings import Settings


class Deps:
    """The action server builds one at start and gives it to every action; tests build their own."""

    def __init__(self, settings: Settings, database: Optional[Database] = None) -> None:
        self.settings = settings
        self._database = database
        self._lock = threading.Lock()  # actions run in worker threads: one database for all of them

    def database(self) -> Database:
        """The case database, connected on first use; a failed first connection is retried on the next call."""
        with self._lock:
            if self._database is None:
                self._database = bootstrap.database(self.settings)
            return self._database

    def quiet_hours(self) -> QuietHours:
        """The night during which non-urgent pushes wait."""
        return bootstrap.quiet_hours(self.settings)

    def office_hours(self) -> OfficeHours:
        """When people answer handed-over chats."""
        return bootstrap.office_hours(self.settings)

    def close(self) -> None:
        """Close the database's pooled connections (the next use connects again)."""
        with self._lock:
            if self._database is not None:
                self._database.dispose()
            self._database = None


class UsesCaseSystem:
    """Mixed into the actions that call the case system: they are built with the server's `Deps`."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps
