"""Telegram in webhook mode with two bot workers behind a load balancer, on PostgreSQL: each update is stored
before the 200, every chat's updates are handled in Telegram's order whichever worker received them, and a
worker killed with -9 loses nothing (another carries on once its lease lapses)."""

from __future__ import annotations

import asyncio
import secrets

import pytest
from sqlalchemy import func, select

from bot import texts
from bot.telegram.records import CHANNEL
from cases.handoff import handoff
from cases.models import HandoffRequest, PendingUpdate, Resident
from cases.residents import get_or_create_resident
from cases.store.db import Database
from testkit.stack import APP_PYTHON, drop_postgres_database, free_port, new_postgres_database
from testkit.telegram import FakeTelegramServer, post_update_to_webhook
from tests.bot.telegram_harness import WAIT, fake, new_chat, wait_until  # noqa: F401 - fixtures
from tests.bot.test_scale_out_processes import child
from tests.bot.test_telegram_process import process_env, read_until
from tests.conftest import POSTGRES_URL

pytestmark = pytest.mark.e2e  # the workers wait for Rasa to be ready before taking updates

SECRET = "worker-test-" + secrets.token_hex(8)
PUSH = {
    "sticker": lambda fake, chat: fake.push_sticker(chat),
    "voice": lambda fake, chat: fake.push_voice(chat),
    "document": lambda fake, chat: fake.push_document(chat, b"minutes of the meeting"),
}


@pytest.fixture
def database():
    url = new_postgres_database(POSTGRES_URL, "huiyin_workers")
    db = Database(url)
    db.create_tables()
    yield db
    db.dispose()
    drop_postgres_database(url)


def worker_env(tmp_path, fake: FakeTelegramServer, db: Database, rasa_url: str, name: str) -> dict:
    port = free_port()
    return process_env(tmp_path / name, DATABASE_URL=db.url, RASA_URL=rasa_url, TELEGRAM_BOT_TOKEN=fake.token,
                       TELEGRAM_API_BASE_URL=fake.base_url, TELEGRAM_FILE_BASE_URL=fake.base_file_url,
                       TELEGRAM_WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram", TELEGRAM_WEBHOOK_SECRET=SECRET,
                       TELEGRAM_WEBHOOK_PORT=str(port), TELEGRAM_LEASE_SECONDS="2",
                       TELEGRAM_INBOX_POLL_SECONDS="0.2")


def in_handoff(db: Database, chat: int) -> None:
    """The chat's resident talks to a person: the bot stores each message in the transcript, in order."""
    with db.transaction() as session:
        resident = get_or_create_resident(session, channel=CHANNEL, external_id=str(chat), display_name="Ana",
                                          language="en")
        handoff.request_handoff(session, resident=resident)


def transcript(db: Database, chat: int) -> list[str]:
    """What the resident has said to the person, in the order it was stored."""
    with db.transaction() as session:
        request = session.scalar(select(HandoffRequest).join(Resident).where(Resident.external_id == str(chat)))
        assert request is not None
        return [m.text for m in sorted(request.messages, key=lambda m: m.id)]


async def wait_for_transcript(db: Database, chat: int, count: int) -> list[str]:
    deadline = asyncio.get_running_loop().time() + WAIT * 2
    while len(set(seen := transcript(db, chat))) < count:
        assert asyncio.get_running_loop().time() < deadline, f"only {seen}"
        await asyncio.sleep(0.1)
    return seen


def pending(db: Database) -> int:
    with db.transaction() as session:
        return session.scalar(select(func.count()).select_from(PendingUpdate)) or 0


async def test_two_webhook_workers_keep_each_chat_in_order_and_lose_nothing_when_one_is_killed(
        fake, stack, database, tmp_path):
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
    a_env, b_env = (worker_env(tmp_path, fake, database, stack.rasa_url, name) for name in ("a", "b"))
    a_url, b_url = a_env["TELEGRAM_WEBHOOK_URL"], b_env["TELEGRAM_WEBHOOK_URL"]
    shared, lone = new_chat(), new_chat()
    in_handoff(database, lone)
    async with child("-m", "bot", "--telegram-only", env=b_env, cwd=tmp_path / "b") as b:
        await read_until(b, r"Telegram: webhook")
        a = await asyncio.create_subprocess_exec(str(APP_PYTHON), "-m", "bot", "--telegram-only", env=a_env,
                                                 cwd=tmp_path / "a", stderr=asyncio.subprocess.PIPE)
        try:
            await read_until(a, r"Telegram: webhook")
            # One chat's updates reach both workers in turn, as a load balancer spreads them. Each answer
            # waits for the chat's pace (a burst of 3, then one a second): without the chat's lease both
            # workers would answer at once, repeating and reordering.
            kinds = ["sticker", "voice", "document"] * 3
            for n, kind in enumerate(kinds):
                update = PUSH[kind](fake, shared)
                assert await post_update_to_webhook(a_url if n % 2 else b_url, update, SECRET) == 200
            answers = await fake.wait_for_messages(shared, len(kinds), timeout=WAIT)
            assert [m.text for m in answers] == [texts.unsupported(kind) for kind in kinds]

            # Another chat's updates all reach worker a, which dies with most of them in hand.
            for n in range(1, 61):
                assert await post_update_to_webhook(a_url, fake.push_text(lone, f"lone {n}"), SECRET) == 200
            a.kill()
            await a.wait()
            assert pending(database) > 0, "worker a handled everything before it was killed: nothing to take over"
        finally:
            if a.returncode is None:
                a.kill()
                await a.wait()
        # Worker b takes the chat over once a's lease lapses; the update a had in hand may be handled twice.
        seen = await wait_for_transcript(database, lone, 60)
        collapsed = [text for i, text in enumerate(seen) if i == 0 or seen[i - 1] != text]
        assert collapsed == [f"lone {n}" for n in range(1, 61)]
        assert len(seen) - len(collapsed) <= 1
        # the last update's row goes once its handling is committed, just after its words reach the transcript
        await wait_until(lambda: pending(database) == 0)
    assert len(fake.sent_messages(shared)) == len(kinds)  # and none twice
    assert fake.sent_messages(lone) == []  # a person answers this chat
