"""Shared fixtures: real databases (SQLite always, PostgreSQL where reachable; required in CI)."""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import text

from cases.config import Settings
from cases.db import Database
from cases.models import Base

# Quiet hours would hold pushes back depending on when the suite runs; tests of quiet hours pass their own.
os.environ.setdefault("QUIET_HOURS_START", "00:00")
os.environ.setdefault("QUIET_HOURS_END", "00:00")

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def _postgres_database() -> Database:
    """A fresh schema on the test PostgreSQL server; fails in CI, skips elsewhere, when unreachable."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    try:
        admin = Database(POSTGRES_URL)
        with admin.engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        admin.dispose()
    except Exception as exc:  # noqa: BLE001 - any connection problem
        message = f"PostgreSQL at {POSTGRES_URL} unreachable: {exc}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    sep = "&" if "?" in POSTGRES_URL else "?"
    db = Database(f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}")
    db.schema = schema
    return db


@pytest.fixture(params=["sqlite", "postgres"])
def db(request, tmp_path):
    """A real, empty database: SQLite file, then PostgreSQL (a throwaway schema)."""
    if request.param == "sqlite":
        database = Database(f"sqlite:///{tmp_path / 'test.db'}")
    else:
        database = _postgres_database()
    Base.metadata.create_all(database.engine)
    yield database
    database.dispose()
    if request.param == "postgres":
        admin = Database(POSTGRES_URL)
        with admin.engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{database.schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def sqlite_db(tmp_path):
    """A real, empty SQLite database (for tests that need only one backend)."""
    database = Database(f"sqlite:///{tmp_path / 'test.db'}")
    Base.metadata.create_all(database.engine)
    yield database
    database.dispose()


@pytest.fixture
def settings(tmp_path, monkeypatch):
    """Settings pointing at a temporary SQLite file and media directory, also exported to the environment."""
    values = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'huiyin.db'}",
        "MEDIA_DIR": str(tmp_path / "media"),
        "TIMEZONE": "Asia/Shanghai",
        "CITY_NAME": "Test City",
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    from cases.config import get_settings

    get_settings.cache_clear()
    yield Settings(_env_file=None)
    get_settings.cache_clear()
from tests.stack import stack  # noqa: E402,F401  (session fixture: real Rasa + action server)
