"""Wiring shared by every process: settings and the database, made on request."""

from __future__ import annotations

import logging
from typing import Optional

from cases.config import Settings, get_settings
from cases.db import Database


def database(settings: Optional[Settings] = None, *, create_tables: bool = True) -> Database:
    """The database named by the settings, with its tables in place."""
    settings = settings or get_settings()
    db = Database(settings.database_url)
    if create_tables:
        db.create_tables()
    return db


def configure_logging(level: int = logging.INFO) -> None:
    """One log format for every process (honcho prefixes the process name)."""
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    for noisy in ("httpx", "apscheduler.executors.default", "sqlalchemy.engine", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
