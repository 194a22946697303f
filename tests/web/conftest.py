"""Console fixtures: the real app on the real test database, and browsers that log in through /login."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Optional

import httpx
import pytest

from cases import lifecycle, residents
from cases.staff import accounts as staff
from huiyin.settings import Settings
from tests.city import make_settings
from web.app import create_app

PASSWORD = "correct horse battery"


@pytest.fixture
def console_settings(db, tmp_path) -> Settings:
    """Settings for the console on the test database, with a temporary media directory."""
    return make_settings(database_url=db.url, media_dir=tmp_path / "media", timezone="Asia/Shanghai",
                    staff_session_hours=12)


@pytest.fixture
def app(db, console_settings):
    """The console, wired as `python -m web` wires it."""
    return create_app(settings=console_settings, db=db)


def browser(app) -> httpx.AsyncClient:
    """A fresh browser without cookies."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


def add_staff(db, username: str, role: str, department: Optional[str] = None, *, display_name=None,
              password: str = PASSWORD) -> int:
    """Create an account directly in the database; its id."""
    with db.transaction() as session:
        return staff.create_staff(session, username=username, password=password, role=role,
                                  display_name=display_name or username.title(), department=department).id


def csrf_of(page: httpx.Response) -> str:
    """The CSRF token a console page carries."""
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


async def login(app, username: str, password: str = PASSWORD) -> httpx.AsyncClient:
    """A browser logged in through the login form; `client.csrf` is its session's CSRF token."""
    client = browser(app)
    form = await client.get("/login")
    response = await client.post("/login", data={"username": username, "password": password,
                                                 "csrf_token": csrf_of(form), "next": "/cases"})
    assert response.status_code == 303, response.text
    page = await client.get("/cases")
    assert page.status_code == 200
    client.csrf = csrf_of(page)
    return client


def new_case(db, *, request_type="pothole", description="a deep hole", address="1 Main Street",
             external_id="100", language="en", now: Optional[datetime] = None, **extra) -> str:
    """File a case as a Telegram resident would; its reference."""
    with db.transaction() as session:
        resident = residents.get_or_create_resident(session, channel="telegram", external_id=external_id,
                                                    display_name=f"Resident {external_id}", language=language)
        return lifecycle.open_case(session, resident=resident, request_type=request_type, description=description,
                                 address=address, now=now, **extra, reference_prefix="HY").reference
