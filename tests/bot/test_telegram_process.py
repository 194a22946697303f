"""How the Telegram channel runs: polling, webhook (only with its secret) or off; the `python -m bot` process;
updates of one chat in order, of different chats at once."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import signal

import httpx
import pytest
from telegram import Update

from bot import texts
from bot.__main__ import telegram_channel
from bot.telegram.app import PerChatUpdateProcessor, telegram_mode
from cases.models import Base
from cases.store.db import Database
from testkit.stack import APP_PYTHON, PROJECT_ROOT, free_port
from testkit.telegram import TOKEN, post_update_to_webhook
from tests.bot.telegram_harness import (
    WAIT,
    RecordingRasa,
    fake,  # noqa: F401 - fixtures
    new_chat,
    telegram_bot,
    telegram_settings,
)
from tests.city import QUIET_HOURS_OFF_ENV, make_settings


async def test_webhook_needs_the_secret_token(fake, tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'bot.db'}")
    Base.metadata.create_all(db.engine)
    port, chat = free_port(), new_chat()
    settings = telegram_settings(fake, {"database_url": db.url}, tmp_path,
                                 telegram_webhook_url=f"http://127.0.0.1:{port}/telegram",
                                 telegram_webhook_secret="s3cret-token", telegram_webhook_port=port)
    async with telegram_bot(fake, settings, db, RecordingRasa(f"http://127.0.0.1:{free_port()}")) as bot:
        assert (fake.webhook_url, fake.webhook_secret) == (settings.telegram_webhook_url, "s3cret-token")
        update = fake.push_sticker(chat)  # with a webhook set, the fake only builds the update
        assert await post_update_to_webhook(fake.webhook_url, update) == 403
        assert await post_update_to_webhook(fake.webhook_url, update, "wrong") == 403
        await bot.idle()
        assert fake.sent_messages(chat) == []
        assert await post_update_to_webhook(fake.webhook_url, update, "s3cret-token") == 200
        [reply] = await fake.wait_for_messages(chat, timeout=WAIT)
        assert reply.text == texts.unsupported("sticker")


def test_webhook_mode_refuses_to_start_without_a_secret():
    base = dict(telegram_bot_token=TOKEN, telegram_webhook_url="https://example.org/telegram")
    with pytest.raises(ValueError, match="TELEGRAM_WEBHOOK_SECRET"):
        telegram_mode(make_settings(**base, telegram_webhook_secret=None))
    assert telegram_mode(make_settings(**base, telegram_webhook_secret="abc_DEF-1")) == "webhook"
    assert telegram_mode(make_settings(telegram_bot_token=TOKEN,
                                  telegram_webhook_url=None)) == "polling"
    assert telegram_mode(make_settings(telegram_bot_token=None)) == "off"


async def test_without_a_token_telegram_is_off_with_one_log_line(caplog):
    settings = make_settings(telegram_bot_token=None, web_host="127.0.0.1", web_port=8000)
    with caplog.at_level(logging.INFO, logger="bot"):
        async with telegram_channel(settings, db=None, rasa=None):
            pass
    assert [r.getMessage() for r in caplog.records] == [
        "TELEGRAM_BOT_TOKEN not set: Telegram channel off; web chat at http://127.0.0.1:8000/"]


def process_env(tmp_path, **values: str) -> dict:
    """The environment of a `python -m bot` child: no Telegram settings but those given."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEB_"))}
    env.update(PYTHONPATH=str(PROJECT_ROOT), DATABASE_URL=f"sqlite:///{tmp_path / 'bot.db'}",
               MEDIA_DIR=str(tmp_path / "media"), WEB_HOST="127.0.0.1", WEB_PORT=str(free_port()),
               **QUIET_HOURS_OFF_ENV)
    env.update(values)
    return env


async def start_bot_process(env: dict, cwd) -> asyncio.subprocess.Process:
    # cwd is a temporary directory so that the project's .env is not read.
    return await asyncio.create_subprocess_exec(str(APP_PYTHON), "-m", "bot", env=env, cwd=cwd,
                                                stderr=asyncio.subprocess.PIPE)


async def read_until(process: asyncio.subprocess.Process, pattern: str, timeout: float = 30) -> str:
    """The child's log up to the first line matching `pattern`."""
    seen, deadline = "", asyncio.get_running_loop().time() + timeout
    while not re.search(pattern, seen):
        remaining = deadline - asyncio.get_running_loop().time()
        line = await asyncio.wait_for(process.stderr.readline(), max(remaining, 0.01))
        if not line:
            raise AssertionError(f"bot process ended:\n{seen}")
        seen += line.decode()
    return seen


async def test_webhook_without_secret_refuses_to_start(tmp_path):
    env = process_env(tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_WEBHOOK_URL="https://example.org/tg")
    process = await start_bot_process(env, tmp_path)
    _, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 2
    assert "TELEGRAM_WEBHOOK_SECRET" in err.decode() and "Traceback" not in err.decode()


@pytest.mark.e2e
async def test_bot_process_serves_telegram_and_web_chat_and_stops_on_sigterm(fake, stack, tmp_path):
    env = process_env(tmp_path, TELEGRAM_BOT_TOKEN=fake.token, TELEGRAM_API_BASE_URL=fake.base_url,
                      TELEGRAM_FILE_BASE_URL=fake.base_file_url, RASA_URL=stack.rasa_url)
    process = await start_bot_process(env, tmp_path)
    try:
        await read_until(process, r"web chat at http://127\.0\.0\.1:\d+/")
        chat = new_chat()
        fake.push_sticker(chat)
        [reply] = await fake.wait_for_messages(chat, timeout=WAIT)
        assert reply.text == texts.unsupported("sticker")
        async with httpx.AsyncClient() as client:
            page = await client.get(f"http://127.0.0.1:{env['WEB_PORT']}/", timeout=10)
        assert page.status_code == 200
        process.send_signal(signal.SIGTERM)
        log = await read_until(process, r"stopped")
        assert await asyncio.wait_for(process.wait(), 15) == 0
        assert "Traceback" not in log
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


def _update(update_id: int, chat_id: int) -> Update:
    return Update.de_json({"update_id": update_id, "message": {
        "message_id": update_id, "date": 0, "chat": {"id": chat_id, "type": "private"}, "text": "x"}}, None)


async def test_one_chat_in_order_different_chats_concurrently():
    processor, log = PerChatUpdateProcessor(), []

    async def work(name: str, delay: float) -> None:
        log.append(f"start {name}")
        await asyncio.sleep(delay)
        log.append(f"end {name}")

    await asyncio.gather(
        processor.process_update(_update(1, 1), work("a1", 0.05)),
        processor.process_update(_update(2, 1), work("a2", 0)),
        processor.process_update(_update(3, 2), work("b", 0)),
    )
    assert log.index("end a1") < log.index("start a2")
    assert log.index("end b") < log.index("end a1")
