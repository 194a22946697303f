"""The Open311 app on the real test database, a client, and an API key made as the console makes it."""

from __future__ import annotations

import httpx
import pytest

from cases.open311 import keys
from tests.city import make_settings
from web.open311.app import create_app

BASE = "/open311/v2"


@pytest.fixture
def open311_settings(db, tmp_path):
    """Settings on the test database (city time: Asia/Shanghai, +08:00)."""
    return make_settings(database_url=db.url, media_dir=tmp_path / "media", timezone="Asia/Shanghai")


@pytest.fixture
def client(db, open311_settings):
    """A client of the Open311 app, wired as `python -m web.open311` wires it."""
    app = create_app(settings=open311_settings, db=db)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


@pytest.fixture
def api_key(db) -> str:
    """A live key, as an admin makes one."""
    with db.transaction() as session:
        return keys.create_key(session, name="Hotline CRM")[1]
