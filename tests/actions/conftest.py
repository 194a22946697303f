"""Action test fixtures: the real domain, and the `Deps` the actions are built with, on a real database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from actions.runtime.deps import Deps

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def domain() -> dict[str, Any]:
    """domain.yml as the action server receives it."""
    return yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))


@pytest.fixture
def deps(request, settings):
    """What the action server gives the actions: the `settings` fixture's settings, and the `backend_db` if the
    test runs on each backend, else a fresh SQLite file from those settings (connected on first use)."""
    database = request.getfixturevalue("backend_db") if "backend_db" in request.fixturenames else None
    made = Deps(settings, database)
    yield made
    if database is None:
        made.close()


@pytest.fixture
def actions_db(deps):
    """The database the actions use."""
    return deps.database()


@pytest.fixture
def backend_db(db):
    """The actions on each backend of the `db` fixture (SQLite, PostgreSQL), through the `deps` fixture."""
    return db
