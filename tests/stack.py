"""The real back end for end-to-end and channel tests (testkit/stack.py), started once per test session.

By default as `make run` runs it: one Rasa, one action server, a fresh SQLite database. With
HUIYIN_TEST_STACK=production (`make test-production`) as `make run-production` runs it: a fresh PostgreSQL
database (conversations in it too), two Rasa replicas and the action server with two workers.
"""

from __future__ import annotations

import os
import secrets

import pytest
from sqlalchemy import text

from cases.store.db import ensure_postgres_database, make_engine
from testkit.stack import StackError, start_stack
from tests.conftest import POSTGRES_URL

PROFILE = os.environ.get("HUIYIN_TEST_STACK", "embedded")


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    """A running Rasa + action server, shared by the whole test session (see the module's docstring)."""
    database_url = None
    if PROFILE == "production":
        database_url = POSTGRES_URL.rsplit("/", 1)[0] + f"/huiyin_e2e_{secrets.token_hex(4)}"
        ensure_postgres_database(database_url)
    try:
        running = start_stack(tmp_path_factory.mktemp("stack"), database_url=database_url,
                              rasa_replicas=2 if PROFILE == "production" else 1,
                              action_workers=2 if PROFILE == "production" else 1)
    except StackError as exc:
        pytest.fail(str(exc))
    yield running
    running.stop()
    if database_url:
        server = make_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{database_url.rsplit("/", 1)[1]}" WITH (FORCE)'))
        server.dispose()
