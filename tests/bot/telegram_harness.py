"""What the Telegram channel's tests share: a fake Bot API per test, a bot taking its updates (with Rasa down,
or on the real stack), and helpers to push an update and wait for the answer."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from telegram.ext import Application

from bot import texts
from bot.rasa_client import RasaClient
from bot.telegram.app import build_application, running
from cases.models import Base
from cases.store.db import Database
from huiyin.settings import Settings
from testkit.stack import free_port
from testkit.telegram import FakeTelegramServer, SentMessage
from tests.city import make_settings

_chat_ids = iter(range(random.randrange(10**8, 9 * 10**8, 10**5), 10**9))
WAIT = 20.0  # Rasa on a busy 2-core machine; most answers come in well under a second
EXPIRED = texts.text("button_expired")
UNAVAILABLE = texts.text("unavailable")


def new_chat() -> int:
    """A chat id no other test uses (the stack's database is shared by the session)."""
    return next(_chat_ids)


class RecordingRasa(RasaClient):
    """The real Rasa client, remembering what it told Rasa."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.sent: list[tuple[str, str]] = []

    async def send(self, sender, message):
        self.sent.append((sender, message))
        return await super().send(sender, message)

    def messages(self, chat_id: int) -> list[str]:
        return [m for s, m in self.sent if s == f"telegram:{chat_id}"]


@pytest.fixture
async def fake():
    """The fake Bot API, as a bot of its own; no test may break Telegram's rate limits."""
    # Every fake numbers updates from 1: a bot id per test keeps them apart in the shared database.
    async with FakeTelegramServer(token=f"{new_chat()}:TEST") as server:
        yield server
        assert server.violations == []
        assert server.unknown_methods == []


def telegram_settings(fake: FakeTelegramServer, base: dict, tmp_path, **overrides) -> Settings:
    """Settings of a bot talking to the fake server."""
    values = dict(base, telegram_bot_token=fake.token, telegram_api_base_url=fake.base_url,
                  telegram_file_base_url=fake.base_file_url, media_dir=tmp_path / "media",
                  telegram_webhook_url=None, telegram_webhook_secret=None)
    values.update(overrides)
    return make_settings(**values)


@dataclass
class Harness:
    """A bot taking updates from the fake, and what it talks to."""

    fake: FakeTelegramServer
    app: Application
    db: Database
    rasa: RecordingRasa
    settings: Settings

    async def idle(self) -> None:
        """Wait until the bot has no update queued or in hand."""
        calm = 0
        while calm < 3:  # three looks in a row, so an update between queue and processor is seen
            busy = self.app.update_processor.current_concurrent_updates or self.app.bot_data["dispatcher"].busy
            calm = 0 if busy else calm + 1
            await asyncio.sleep(0.01)

    async def answer(self, chat_id: int, push: Callable[[], object], count: int = 1) -> list[SentMessage]:
        """Push an update; the bot's new messages once it has finished answering (at least `count`)."""
        before = len(self.fake.sent_messages(chat_id))
        push()
        await self.fake.wait_for_messages(chat_id, before + count, timeout=WAIT)
        await self.idle()
        return self.fake.sent_messages(chat_id)[before:]


@contextlib.asynccontextmanager
async def telegram_bot(fake: FakeTelegramServer, settings: Settings, db: Database, rasa: RecordingRasa):
    """Our application taking updates from the fake for the block's duration."""
    try:
        async with running(build_application(settings, db=db, rasa=rasa), settings) as app:
            yield Harness(fake, app, db, rasa, settings)
    finally:
        await rasa.aclose()
        db.dispose()


@pytest.fixture
async def offline(fake, tmp_path):
    """A bot on its own SQLite database whose Rasa is down: for answers the bot gives itself."""
    db = Database(f"sqlite:///{tmp_path / 'bot.db'}")
    Base.metadata.create_all(db.engine)
    rasa = RecordingRasa(f"http://127.0.0.1:{free_port()}", timeout=2)
    async with telegram_bot(fake, telegram_settings(fake, {"database_url": db.url}, tmp_path), db, rasa) as bot:
        yield bot


@pytest.fixture
async def online(fake, stack):
    """A bot on the real stack: Rasa, the action server and their database."""
    settings = stack.settings(telegram_bot_token=fake.token, telegram_api_base_url=fake.base_url,
                              telegram_file_base_url=fake.base_file_url, media_dir=stack.media_dir,
                              telegram_webhook_url=None)
    db, rasa = Database(stack.database_url), RecordingRasa(stack.rasa_url)
    async with telegram_bot(fake, settings, db, rasa) as bot:
        yield bot


async def wait_until(predicate: Callable[[], bool], timeout: float = WAIT) -> None:
    """Poll `predicate` until it holds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)


def payloads(message: SentMessage) -> list[str]:
    """The callback data of a message's inline keyboard, one button per row."""
    rows = (message.reply_markup or {}).get("inline_keyboard", [])
    assert all(len(row) == 1 for row in rows)
    return [row[0]["callback_data"] for row in rows]
