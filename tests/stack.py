"""The real back end for end-to-end and channel tests (testkit/stack.py), started once per test session.

By default as `make run` runs it: one Rasa, one action server, a fresh SQLite database. With
HUIYIN_TEST_STACK=production (`make test-production`) as `make run-production` runs it: a fresh PostgreSQL
database (conversations in it too), two Rasa replicas and the action server with two workers.
"""

from __future__ import annotations

import os

import pytest

from testkit.stack import StackError, drop_postgres_database, new_postgres_database, start_stack
from tests.conftest import POSTGRES_URL

PROFILE = os.environ.get("HUIYIN_TEST_STACK", "embedded")


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    """A running Rasa + action server, shared by the whole test session (see the module's docstring)."""
    database_url = new_postgres_database(POSTGRES_URL, "huiyin_e2e") if PROFILE == "production" else None
    try:
        running = start_stack(tmp_path_factory.mktemp("stack"), database_url=database_url,
                              rasa_replicas=2 if PROFILE == "production" else 1,
                              action_workers=2 if PROFILE == "production" else 1)
    except StackError as exc:
        if database_url:
            drop_postgres_database(database_url)
        pytest.fail(str(exc))
    yield running
    running.stop()
    if database_url:
        drop_postgres_database(database_url)
