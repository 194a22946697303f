"""The Telegram channel end to end: python-telegram-bot against a fake Bot API, the real database, Rasa and actions."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import re
import signal
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

import httpx
import pytest
from sqlalchemy import func, select
from telegram import Update
from telegram.ext import Application

from bot import texts
from bot.__main__ import telegram_channel
from bot.photos import clean_photo
from bot.rasa_client import Button, RasaClient
from bot.telegram.app import PerChatUpdateProcessor, build_application, running, telegram_mode
from bot.telegram.replies import keyboard, split_text
from cases.models import Base, Case, InboundUpdate, Resident
from cases.store.db import Database
from huiyin.settings import Settings
from testkit.stack import APP_PYTHON, PROJECT_ROOT, free_port
from testkit.telegram import TOKEN, FakeTelegramServer, SentMessage, post_update_to_webhook
from tests.city import QUIET_HOURS_OFF_ENV, make_settings
from tests.e2e.test_full_loop import JPEG

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
            busy = self.app.update_processor.current_concurrent_updates or not self.app.update_queue.empty()
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


# ---- answers the bot gives itself (no Rasa needed) ----------------------------------------------


@pytest.mark.parametrize("kind, push", [
    ("sticker", lambda fake, chat: fake.push_sticker(chat)),
    ("contact", lambda fake, chat: fake.push_update({"message": {
        "message_id": 1, "date": 0, "chat": {"id": chat, "type": "private"},
        "from": {"id": chat, "is_bot": False, "first_name": "Ana"},
        "contact": {"phone_number": "+8613800000000", "first_name": "Bo"}}})),
    ("voice", lambda fake, chat: fake.push_voice(chat)),
    ("document", lambda fake, chat: fake.push_document(chat, b"%PDF-1.4", file_name="a.pdf")),
])
async def test_unsupported_media_get_a_clear_answer(offline, kind, push):
    chat = new_chat()
    [reply] = await offline.answer(chat, lambda: push(offline.fake, chat))
    assert reply.text == texts.unsupported(kind)
    assert offline.rasa.messages(chat) == []


@pytest.mark.parametrize("text", ["/", "  /  ", "\u200b\u200b"])
async def test_empty_text_is_answered_by_the_bot(offline, text):
    chat = new_chat()
    [reply] = await offline.answer(chat, lambda: offline.fake.push_text(chat, text))
    assert reply.text == texts.text("empty")
    assert offline.rasa.messages(chat) == []


async def test_the_bot_speaks_the_residents_stored_language(offline):
    chat = new_chat()
    [reply] = await offline.answer(chat, lambda: offline.fake.push_sticker(chat, language_code="zh-hans"))
    assert reply.text == texts.unsupported("sticker", "zh")
    [reply] = await offline.answer(chat, lambda: offline.fake.push_text(chat, "/", language_code="en"))
    assert reply.text == texts.text("empty", "zh")


async def test_a_redelivered_update_is_handled_once(offline):
    fake, chat = offline.fake, new_chat()
    sticker = fake.push_sticker(chat)
    text = fake.push_text(chat, "hello")
    fake.push_raw_update(sticker)
    fake.push_raw_update(text)
    await fake.wait_for_messages(chat, 2, timeout=WAIT)
    await offline.idle()
    assert [m.text for m in fake.sent_messages(chat)] == [texts.unsupported("sticker"), UNAVAILABLE]
    assert offline.rasa.messages(chat) == ["hello"]
    with offline.db.transaction() as session:
        ids = [f"{offline.app.bot.id}:{u['update_id']}" for u in (sticker, text)]
        assert session.scalar(select(func.count()).select_from(InboundUpdate)
                              .where(InboundUpdate.update_id.in_(ids))) == 2
        assert session.scalar(select(func.count()).select_from(Resident)
                              .where(Resident.external_id == str(chat))) == 1


@pytest.mark.parametrize("data", ["/restart", '/share_photo{"photo":"../../etc/passwd"}',
                                  '/inform{"case_id":"1"}', "", "x" * 64])
async def test_forged_button_data_gets_button_expired(offline, data):
    chat = new_chat()
    [reply] = await offline.answer(chat, lambda: offline.fake.push_callback(chat, data, message_id=1))
    assert reply.text == EXPIRED
    assert offline.rasa.messages(chat) == []
    assert offline.fake.calls_to("answerCallbackQuery")


async def test_text_over_telegrams_limit_is_cut_with_a_note(offline):
    chat = new_chat()
    replies = await offline.answer(chat, lambda: offline.fake.push_text(chat, "pothole " * 700), count=2)
    assert [r.text for r in replies] == [texts.text("too_long"), UNAVAILABLE]
    [sent] = offline.rasa.messages(chat)
    assert len(sent) == 4096 and sent.startswith("pothole pothole")


async def test_a_photo_that_cannot_be_downloaded_gets_asked_again(offline):
    chat = new_chat()
    offline.fake.fail_next("getFile", status=400, description="Bad Request: file is too big")
    [reply] = await offline.answer(chat, lambda: offline.fake.push_photo(chat, b"JPEG"))
    assert reply.text == texts.text("photo_failed")
    assert offline.rasa.messages(chat) == []


async def test_a_resident_who_blocked_the_bot_costs_nothing(offline, caplog):
    chat = new_chat()
    offline.fake.block_chat(chat)
    offline.fake.push_sticker(chat)
    while not offline.fake.calls_to("sendMessage"):
        await asyncio.sleep(0.01)
    await offline.idle()
    assert "refuses messages" in caplog.text and "Traceback" not in caplog.text
    offline.fake.unblock_chat(chat)
    [reply] = await offline.answer(chat, lambda: offline.fake.push_sticker(chat))
    assert reply.text == texts.unsupported("sticker")


async def test_rasa_down_gets_an_apology(offline):
    chat = new_chat()
    [reply] = await offline.answer(chat, lambda: offline.fake.push_text(chat, "there is a pothole"))
    assert reply.text == UNAVAILABLE
    assert offline.rasa.messages(chat) == ["there is a pothole"]


async def test_database_down_gets_an_apology_and_rasa_hears_nothing(fake, tmp_path, caplog):
    db = Database("postgresql://nobody@127.0.0.1:1/x")
    rasa = RecordingRasa(f"http://127.0.0.1:{free_port()}")
    chat = new_chat()
    async with telegram_bot(fake, telegram_settings(fake, {"database_url": db.url}, tmp_path), db, rasa) as bot:
        [reply] = await bot.answer(chat, lambda: fake.push_text(chat, "hello", language_code="zh"))
    assert reply.text == texts.text("unavailable", "zh")
    assert rasa.sent == []
    assert "Traceback" in caplog.text and "OperationalError" in caplog.text


async def test_group_chats_are_ignored(offline):
    fake, group, chat = offline.fake, -1000000000000 - new_chat(), new_chat()
    fake.push_text(group, "hello everyone")
    await offline.answer(chat, lambda: fake.push_sticker(chat))
    assert fake.sent_messages(group) == []
    with offline.db.transaction() as session:
        assert session.scalar(select(Resident).where(Resident.external_id == str(group))) is None


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


# ---- with the real Rasa and action server ----------------------------------------------------------


def payloads(message: SentMessage) -> list[str]:
    """The callback data of a message's inline keyboard, one button per row."""
    rows = (message.reply_markup or {}).get("inline_keyboard", [])
    assert all(len(row) == 1 for row in rows)
    return [row[0]["callback_data"] for row in rows]


@pytest.mark.e2e
async def test_a_greeting_gets_an_answer_with_buttons(online):
    chat = new_chat()
    replies = await online.answer(chat, lambda: online.fake.push_text(chat, "hello", first_name="Mei"))
    assert UNAVAILABLE not in [r.text for r in replies]
    assert "/check_status" in payloads(replies[-1])
    with online.db.transaction() as session:
        resident = session.scalar(select(Resident).where(Resident.channel == "telegram",
                                                         Resident.external_id == str(chat)))
        assert (resident.display_name, resident.language) == ("Mei", "en")
    replies = await online.answer(chat, lambda: online.fake.push_text(chat, "/start"))
    assert online.rasa.messages(chat) == ["hello", "/greet"]
    assert "/check_status" in payloads(replies[-1])


@pytest.mark.e2e
@pytest.mark.parametrize("text", ["pothole " * 511 + "potholes", "🚧🚧🚧", "🙂",
                                  "人民路上的路灯坏了 the streetlight is broken", "/unknown_command please"])
async def test_odd_texts_get_a_real_answer(online, text):
    chat = new_chat()
    replies = await online.answer(chat, lambda: online.fake.push_text(chat, text))
    assert replies and all(r.text and r.text != UNAVAILABLE for r in replies)
    assert len(online.rasa.messages(chat)[0]) <= 4096
    assert not online.rasa.messages(chat)[0].startswith("/")


@pytest.mark.e2e
async def test_filing_with_location_photo_and_buttons(online):
    fake, rasa, chat = online.fake, online.rasa, new_chat()
    replies = await online.answer(chat, lambda: fake.push_text(chat, "There is a deep pothole in front of my house"))
    assert "Where is it?" in replies[-1].text
    replies = await online.answer(chat, lambda: fake.push_location(chat, 31.2304, 121.4737))
    assert rasa.messages(chat)[-1] == '/share_location{"latitude":31.2304,"longitude":121.4737}'
    assert "/deny" in payloads(replies[-1])  # "Send a photo, or press Skip"

    # Typed intent triggers are plain text: no restart, no injected entities; the report survives.
    replies = await online.answer(chat, lambda: fake.push_text(chat, "/restart"))
    replies += await online.answer(chat, lambda: fake.push_text(chat, '/inform{"case_id":"1"}'))
    assert rasa.messages(chat)[-2:] == ["restart", 'inform{"case_id":"1"}']
    assert UNAVAILABLE not in [r.text for r in replies]

    replies = await online.answer(chat, lambda: fake.push_photo(chat, JPEG))
    [photo_message] = [m for m in rasa.messages(chat) if m.startswith("/share_photo")]
    relative = photo_message.split('"photo":"')[1].split('"')[0]
    now = datetime.now(timezone.utc)
    assert re.fullmatch(rf"telegram/{now:%Y}/{now:%m}/[\w-]+\.jpg", relative)
    assert (online.settings.media_dir / relative).read_bytes() == clean_photo(JPEG).data  # decoded, re-encoded
    summary = replies[-1]
    assert "Photo: yes" in summary.text and "/affirm" in payloads(summary)

    replies = await online.answer(chat, lambda: fake.push_callback(chat, "/affirm", summary.message_id))
    assert "reply_markup" not in fake.get_message(chat, summary.message_id)
    [reference] = re.findall(r"HY-\d{4}-\d{5}", replies[-1].text)
    # A second press on the same keyboard (a double tap) files nothing more.
    [again] = await online.answer(chat, lambda: fake.push_callback(chat, "/affirm", summary.message_id))
    assert again.text == EXPIRED
    assert rasa.messages(chat).count("/affirm") == 1
    with online.db.transaction() as session:
        case = session.scalar(select(Case).where(Case.reference == reference))
        assert [p.path for p in case.photos] == [relative]
        assert (case.latitude, case.longitude) == (31.2304, 121.4737)


@pytest.mark.e2e
async def test_a_photo_goes_to_rasa_before_its_caption(online):
    fake, chat = online.fake, new_chat()
    replies = await online.answer(chat, lambda: fake.push_photo(chat, JPEG, caption="/The street lamp is broken"))
    [photo, caption] = online.rasa.messages(chat)
    relative = photo.removeprefix('/share_photo{"photo":"').removesuffix('"}')
    assert (online.settings.media_dir / relative).read_bytes() == clean_photo(JPEG).data
    largest = fake.get_message(chat, 1)["photo"][-1]
    assert [c.params["file_id"] for c in fake.calls_to("getFile")] == [largest["file_id"]]
    assert caption == "The street lamp is broken"
    assert replies and UNAVAILABLE not in [r.text for r in replies]


# ---- the bot process ---------------------------------------------------------------------------


def process_env(tmp_path, **values: str) -> dict:
    """The environment of a `python -m bot` child: no Telegram settings but those given."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEB_"))}
    env.update(PYTHONPATH=str(PROJECT_ROOT), DATABASE_URL=f"sqlite:///{tmp_path / 'bot.db'}",
               MEDIA_DIR=str(tmp_path / "media"), WEB_HOST="127.0.0.1", WEB_PORT=str(free_port()),
               **QUIET_HOURS_OFF_ENV, **values)
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


# ---- building blocks ---------------------------------------------------------------------------


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


def test_long_texts_are_split_within_telegrams_limit():
    text = ("word " * 2000).strip() + "\n" + "🙂" * 3000
    pieces = split_text(text)
    assert all(len(p.encode("utf-16-le")) // 2 <= 4096 for p in pieces)
    assert "".join(pieces).replace(" ", "").replace("\n", "") == text.replace(" ", "").replace("\n", "")
    assert split_text("short") == ["short"]


def test_payloads_telegram_cannot_carry_are_dropped(caplog):
    markup = keyboard([Button("Pothole", '/choose{"request_type":"pothole"}'), Button("Long", "/" + "x" * 70)])
    assert [[b.callback_data for b in row] for row in markup.inline_keyboard] == [
        ['/choose{"request_type":"pothole"}']]
    assert "dropped" in caplog.text


# ---- a person answering (handoff): the bot stores and stays silent --------------------------------


async def wait_until(predicate: Callable[[], bool], timeout: float = WAIT) -> None:
    """Poll `predicate` until it holds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)


def transcript(db: Database, chat: int) -> list[tuple]:
    """The resident's messages in their latest handoff."""
    from cases.models import HandoffRequest

    with db.transaction() as session:
        request = session.scalar(select(HandoffRequest).join(Resident).where(Resident.external_id == str(chat))
                                 .order_by(HandoffRequest.id.desc()))
        return [(m.text, m.latitude, m.photo_path) for m in request.messages if m.direction == "resident"]


async def test_during_a_handoff_every_message_is_stored_and_the_bot_stays_silent(offline):
    from cases.handoff import handoff
    from cases.models import StaffUser

    fake, chat, db = offline.fake, new_chat(), offline.db
    await offline.answer(chat, lambda: fake.push_text(chat, "hello"))  # Rasa is down here: an apology
    with db.transaction() as session:
        resident = session.scalar(select(Resident).where(Resident.external_id == str(chat)))
        handoff.request_handoff(session, resident=resident, reason="a person please")
    sent_before, rasa_before = len(fake.sent_messages(chat)), list(offline.rasa.messages(chat))
    fake.push_text(chat, "are you there?")
    fake.push_location(chat, 31.2304, 121.4737)
    fake.push_photo(chat, JPEG, caption="the hole")
    fake.push_sticker(chat)
    fake.push_text(chat, "/start")
    fake.push_callback(chat, "/check_status", message_id=1)
    await wait_until(lambda: len(transcript(db, chat)) == 7)
    await offline.idle()
    stored = transcript(db, chat)
    assert [text for text, _, _ in stored] == ["a person please", "are you there?", "[location]", "the hole",
                                               "[sticker]", "/start", "[pressed a button: /check_status]"]
    assert stored[2][1] == 31.2304
    assert (offline.settings.media_dir / stored[3][2]).read_bytes() == clean_photo(JPEG).data
    assert len(fake.sent_messages(chat)) == sent_before  # not a word from the bot
    assert offline.rasa.messages(chat) == rasa_before  # and Rasa heard nothing
    assert fake.calls_to("answerCallbackQuery")  # the button's spinner stopped all the same

    with db.transaction() as session:
        resident = session.scalar(select(Resident).where(Resident.external_id == str(chat)))
        staff = StaffUser(username=f"agent{chat}", display_name="Wang Fang", password_hash="x", role="agent",
                          created_at=datetime.now(timezone.utc))
        session.add(staff)
        session.flush()
        handoff.end(session, handoff=handoff.open_handoff_for(session, resident), staff=staff)
    [reply] = await offline.answer(chat, lambda: fake.push_text(chat, "hello again"))
    assert reply.text == UNAVAILABLE and offline.rasa.messages(chat) == [*rasa_before, "hello again"]
