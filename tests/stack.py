"""The real back end for end-to-end and channel tests (testkit/stack.py), started once per test session."""

from __future__ import annotations

import pytest

from testkit.stack import StackError, start_stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    """A running Rasa + action server on a fresh SQLite database, shared by the whole test session."""
    try:
        running = start_stack(tmp_path_factory.mktemp("stack"))
    except StackError as exc:
        pytest.fail(str(exc))
    yield running
    running.stop()
