"""Shared fixtures: real databases (SQLite always, PostgreSQL where reachable; required in CI)."""

from __future__ import annotations

import logging
import os
import uuid

import pytest
from sqlalchemy import text

from cases.models import Base
from cases.store.db import Database
from tests.city import make_settings

# Helper modules shared by several test files: their asserts report like a test's own.
pytest.register_assert_rewrite("tests.bot.telegram_harness", "tests.bot.webchat_harness", "tests.e2e.loop_harness")

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
    database = Database(f"sqlite:///{tmp_path / 'test.db'}") if request.param == "sqlite" else _postgres_database()
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
def settings(tmp_path):
    """Settings pointing at a temporary SQLite file and media directory (quiet hours off: tests/city.py)."""
    return make_settings(database_url=f"sqlite:///{tmp_path / 'huiyin.db'}", media_dir=tmp_path / "media",
                         timezone="Asia/Shanghai")


def pytest_collection_modifyitems(items):
    """A test that starts the real stack (the `stack` fixture, directly or through another fixture) needs the
    trained model: mark it e2e, so `make test-fast` (-m "not e2e and not browser") never waits for training."""
    for item in items:
        if "stack" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(autouse=True)
def no_action_bugs(request, caplog):
    """Fail any test during which an action run in this process hit a bug (logged at ERROR by actions.runtime.errors):
    the resident gets the same apology as for an outage, so only the log tells a bug apart."""
    yield
    if request.node.get_closest_marker("action_bug"):
        return
    bugs = [record for when in ("setup", "call") for record in caplog.get_records(when)
            if record.name == "actions.runtime.errors" and record.levelno >= logging.ERROR]
    if bugs:
        pytest.fail("an action failed with a bug:\n" + "\n".join(caplog.handler.format(r) for r in bugs),
                    pytrace=False)
from tests.stack import stack  # noqa: E402,F401  (session fixture: real Rasa + action server)
