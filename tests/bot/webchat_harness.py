"""What the web chat's tests share: the app on the real stack or with Rasa down, a browser holding the session
cookie, and helpers to talk and read the answers."""

from __future__ import annotations

from contextlib import asynccontextmanager
from datetime import timedelta

import httpx
import pytest

from bot.rasa_client import RasaClient
from bot.webchat.app import create_app
from bot.webchat.sessions import COOKIE
from cases import residents
from cases.clock import utcnow
from cases.store.db import Database
from testkit.stack import free_port
from tests.city import make_settings

# The smallest valid PNG (1x1 pixel): enough for the magic-byte check and for a case photo.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c63000100000500010d0a2db40000000049454e44ae426082"
)


class RecordingRasa(RasaClient):
    """The real Rasa client, remembering what the web chat sent it."""

    def __init__(self, base_url: str):
        super().__init__(base_url)
        self.sent: list[str] = []

    async def send(self, sender, message):
        self.sent.append(message)
        return await super().send(sender, message)


def bare_client(app) -> httpx.AsyncClient:
    """A client that has not loaded the page: no cookie until the server issues one."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


@asynccontextmanager
async def browser(app):
    """A fresh browser that has opened the chat page, which issues the session cookie (as chat.js relies on)."""
    async with bare_client(app) as client:
        (await client.get("/")).raise_for_status()
        yield client


def want_photo(db, client) -> None:
    """Mark the resident behind `client` as asked for a photo (as the bot's photo question does)."""
    with db.transaction() as session:
        resident = residents.find_resident(session, channel="web", external_id=session_of(client))
        resident.photo_wanted_until = utcnow() + timedelta(hours=1)


def web_residents(db) -> int:
    """How many web chat residents exist."""
    from sqlalchemy import func, select

    from cases.models import Resident

    with db.transaction() as session:
        return session.scalar(select(func.count()).select_from(Resident).where(Resident.channel == "web"))


def texts_of(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [reply["text"] for reply in response.json()["replies"]]


def buttons_of(response: httpx.Response) -> list[dict]:
    """Every button of every reply in a web chat answer."""
    assert response.status_code == 200, response.text
    return [b for reply in response.json()["replies"] for b in reply.get("buttons") or []]


def session_of(client: httpx.AsyncClient) -> str:
    return client.cookies[COOKIE].split(".")[0]


async def say(client, text):
    return await client.post("/api/messages", json={"text": text})


def web_settings(tmp_path, database_url):
    """Settings of a web chat on `database_url`, its media under `tmp_path`."""
    return make_settings(database_url=database_url, media_dir=tmp_path / "media", web_secret="test")


@pytest.fixture
async def stack_app(stack):
    """The web chat wired to the running stack, as bot/__main__ would wire it."""
    db, rasa = Database(stack.database_url), RecordingRasa(stack.rasa_url)
    app = create_app(settings=stack.settings(media_dir=stack.media_dir), db=db, rasa=rasa)
    app.state.db, app.state.rasa = db, rasa
    yield app
    await rasa.aclose()
    db.dispose()


@pytest.fixture
async def offline_app(sqlite_db, tmp_path):
    """The web chat on a real database with nobody listening where Rasa should be."""
    rasa = RecordingRasa(f"http://127.0.0.1:{free_port()}")
    app = create_app(settings=web_settings(tmp_path, sqlite_db.url), db=sqlite_db, rasa=rasa)
    app.state.db, app.state.rasa, app.state.media = sqlite_db, rasa, tmp_path / "media"
    yield app
    await rasa.aclose()
