"""The database and settings the actions use, made on first use (never at import)."""

from __future__ import annotations

import logging
from typing import Optional

from rasa_sdk.executor import CollectingDispatcher

from cases import bootstrap
from cases.config import Settings, get_settings
from cases.db import Database

logger = logging.getLogger(__name__)

_database: Optional[Database] = None


def get_database() -> Database:
    """The process-wide database; a failed first connection is retried on the next call."""
    global _database
    if _database is None:
        _database = bootstrap.database()
    return _database


def reset() -> None:
    """Forget the cached database (tests point the settings elsewhere between runs)."""
    global _database
    if _database is not None:
        _database.dispose()
    _database = None


def use(database: Database) -> None:
    """Make the actions use this database (tests run them against each backend)."""
    global _database
    _database = database


def settings() -> Settings:
    """The process-wide settings."""
    return get_settings()


def report_unavailable(dispatcher: CollectingDispatcher, action: str) -> None:
    """Log the exception being handled and tell the resident to try again later."""
    # The transaction has rolled back, so nothing was half-done; the slots are untouched.
    logger.exception("%s: the case system failed", action)
    dispatcher.utter_message(response="utter_service_unavailable")
