"""Issue 8, finding 7: no resident identifier or message text in the logs at the default level (INFO).

`Rasa returned no reply for web:<session id>` was enough, with the open action server, to act as that
resident. Lines that must tell residents apart carry a short hash (cases.guards.privacy.pseudonym).
"""

from __future__ import annotations

import logging

import httpx
import pytest

from bot.delivery.push import PushLimiter, deliver_due, push_bot
from bot.rasa_client import RasaClient
from bot.webchat.app import create_app
from bot.webchat.sessions import COOKIE
from cases import outbox
from cases.guards.privacy import pseudonym, resident_tag
from cases.residents import get_or_create_resident
from huiyin import bootstrap
from testkit.stack import free_port
from tests.bot.telegram_harness import fake, new_chat, offline, online  # noqa: F401  (fixtures)
from tests.city import make_settings

SECRET_WORDS = "my neighbour Wang Lei at 13800138000 dumps rubbish zqxv"


@pytest.fixture
def default_logging(caplog):
    """Logging as every process configures it (huiyin.bootstrap), captured at INFO; restored afterwards."""
    noisy = ("httpx", "apscheduler.executors.default", "sqlalchemy.engine", "alembic")
    before = {name: logging.getLogger(name).level for name in noisy}
    bootstrap.configure_logging()
    caplog.set_level(logging.INFO)
    yield caplog
    for name, level in before.items():
        logging.getLogger(name).setLevel(level)


def assert_clean(caplog, *secrets: str) -> None:
    """None of `secrets` in any captured line, message or traceback."""
    logged = "\n".join(caplog.text.splitlines() + [r.getMessage() for r in caplog.records])
    for secret in secrets:
        assert secret not in logged, f"{secret!r} is in the log:\n{logged}"


def test_httpx_request_lines_are_off_at_the_default_level(default_logging):
    # httpx logs every request URL at INFO, and Telegram's URLs hold the bot token.
    assert logging.getLogger("httpx").getEffectiveLevel() >= logging.WARNING


def test_pseudonyms_are_short_stable_and_not_the_identifier():
    assert pseudonym("web:abc") == pseudonym("web:abc") == resident_tag("web", "abc")
    assert len(pseudonym("telegram:123456789")) == 10 and "123456789" not in pseudonym("telegram:123456789")
    assert pseudonym("web:abc") != pseudonym("web:abd")


async def web_message(app, text: str) -> tuple[str, httpx.Response]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        await client.get("/")
        response = await client.post("/api/messages", json={"text": text})
        return client.cookies[COOKIE], response


async def test_web_chat_with_rasa_down_logs_a_pseudonym_only(default_logging, sqlite_db, tmp_path):
    settings = make_settings(database_url=sqlite_db.url, media_dir=tmp_path / "media", var_dir=tmp_path,
                        rasa_url=f"http://127.0.0.1:{free_port()}")
    rasa = RasaClient(settings.rasa_url, timeout=2)
    try:
        cookie, response = await web_message(create_app(settings=settings, db=sqlite_db, rasa=rasa), SECRET_WORDS)
    finally:
        await rasa.aclose()
    assert response.status_code == 200
    session_id = cookie.split(".")[0]
    assert pseudonym(f"web:{session_id}") in default_logging.text  # the failure is logged, by pseudonym
    assert_clean(default_logging, session_id, cookie, SECRET_WORDS, "zqxv")


async def test_telegram_with_rasa_down_logs_no_chat_id_or_token(default_logging, offline):
    chat = new_chat()
    await offline.answer(chat, lambda: offline.fake.push_text(chat, SECRET_WORDS, first_name="Wang Lei"))
    assert resident_tag("telegram", chat) in default_logging.text
    assert_clean(default_logging, str(chat), SECRET_WORDS, "zqxv", "Wang Lei", offline.fake.token)


async def test_a_refused_push_logs_no_chat_id(default_logging, fake, sqlite_db):
    chat = new_chat()
    with sqlite_db.transaction() as session:
        resident = get_or_create_resident(session, channel="telegram", external_id=str(chat), display_name="Wang Lei")
        outbox.queue(session, resident=resident, text=SECRET_WORDS, urgent=True)
    fake.block_chat(chat)
    settings = make_settings(telegram_bot_token=fake.token, telegram_api_base_url=fake.base_url,
                        telegram_file_base_url=fake.base_file_url)
    async with push_bot(settings) as bot:
        stats = await deliver_due(db=sqlite_db, bot=bot, limiter=PushLimiter.from_settings(settings), settings=settings)
    assert stats.failed == 1
    assert resident_tag("telegram", chat) in default_logging.text
    assert_clean(default_logging, str(chat), SECRET_WORDS, "Wang Lei", fake.token)


@pytest.mark.e2e
async def test_web_chat_and_telegram_on_the_real_stack_log_nothing_personal(default_logging, stack, online, tmp_path):
    db_url = stack.database_url
    from cases.store.db import Database

    db, rasa = Database(db_url), RasaClient(stack.rasa_url)
    try:
        app = create_app(settings=stack.settings(media_dir=stack.media_dir, var_dir=tmp_path), db=db, rasa=rasa)
        cookie, response = await web_message(app, f"there is a pothole, {SECRET_WORDS}")
        assert response.status_code == 200 and response.json()["replies"]
    finally:
        await rasa.aclose()
        db.dispose()
    chat = new_chat()
    replies = await online.answer(chat, lambda: online.fake.push_text(chat, f"streetlight broken, {SECRET_WORDS}",
                                                                      first_name="Wang Lei"))
    assert replies
    assert_clean(default_logging, cookie.split(".")[0], str(chat), SECRET_WORDS, "zqxv", "Wang Lei",
                 online.fake.token)
