"""Action test fixtures: the real domain, and the actions' database reset around each test."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from actions import deps

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def domain() -> dict[str, Any]:
    """domain.yml as the action server receives it."""
    return yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))


@pytest.fixture
def actions_db(settings):
    """The database the actions use: a fresh SQLite file from the `settings` fixture."""
    deps.reset()
    yield deps.get_database()
    deps.reset()


@pytest.fixture
def backend_db(db):
    """The actions on each backend of the `db` fixture (SQLite, PostgreSQL)."""
    deps.reset()
    deps.use(db)
    yield db
    deps.reset()
