"""Answers the Telegram bot gives itself, with Rasa down or never asked: unsupported media, empty, forged or
overlong input, redelivered updates, blocked chats, group chats, Rasa or the database down."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from bot import texts
from cases import referrals
from cases.models import Base, InboundUpdate, Resident
from cases.store.db import Database
from testkit.stack import free_port
from tests.bot.telegram_harness import (
    EXPIRED,
    UNAVAILABLE,
    WAIT,
    RecordingRasa,
    fake,  # noqa: F401 - fixtures
    new_chat,
    offline,  # noqa: F401 - fixtures
    telegram_bot,
    telegram_settings,
    wait_until,
)
from tests.residents_data.notice import without_notice


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
    assert [m.text for m in without_notice(fake.sent_messages(chat))] == [texts.unsupported("sticker"), UNAVAILABLE]
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
    replies = without_notice(await offline.answer(chat, lambda: offline.fake.push_text(chat, "pothole " * 700),
                                                  count=2))
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
    [reply] = without_notice(await offline.answer(chat, lambda: offline.fake.push_text(chat, "there is a pothole")))
    assert reply.text == UNAVAILABLE
    assert offline.rasa.messages(chat) == ["there is a pothole"]


async def test_database_down_gets_one_apology_and_rasa_hears_nothing(fake, tmp_path, caplog):
    db = Database("postgresql://nobody@127.0.0.1:1/x")
    rasa = RecordingRasa(f"http://127.0.0.1:{free_port()}")
    chat = new_chat()
    async with telegram_bot(fake, telegram_settings(fake, {"database_url": db.url}, tmp_path), db, rasa):
        fake.push_text(chat, "hello", language_code="zh")
        await fake.wait_for_messages(chat, timeout=WAIT)
        # Polling fetches the update again and again (it was never confirmed): still one apology.
        await wait_until(lambda: len(fake.calls_to("getUpdates")) >= 4, timeout=WAIT)
    assert [m.text for m in fake.sent_messages(chat)] == [texts.text("delayed", "zh")]
    assert rasa.sent == []
    assert "database unavailable (OperationalError)" in caplog.text


async def test_a_message_sent_while_the_database_is_down_is_answered_once_it_is_back(fake, tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'bot.db'}")  # no tables yet: every statement fails
    rasa = RecordingRasa(f"http://127.0.0.1:{free_port()}", timeout=2)
    chat = new_chat()
    async with telegram_bot(fake, telegram_settings(fake, {"database_url": db.url}, tmp_path), db, rasa) as bot:
        fake.push_sticker(chat)
        [delayed] = await fake.wait_for_messages(chat, timeout=WAIT)
        assert delayed.text == texts.text("delayed")
        Base.metadata.create_all(db.engine)
        [_, answer] = await fake.wait_for_messages(chat, 2, timeout=WAIT)
        await bot.idle()
    assert answer.text == texts.unsupported("sticker")
    assert len(fake.sent_messages(chat)) == 2


async def test_group_chats_are_ignored(offline):
    fake, group, chat = offline.fake, -1000000000000 - new_chat(), new_chat()
    fake.push_text(group, "hello everyone")
    await offline.answer(chat, lambda: fake.push_sticker(chat))
    assert fake.sent_messages(group) == []
    with offline.db.transaction() as session:
        assert session.scalar(select(Resident).where(Resident.external_id == str(group))) is None


async def test_a_smell_of_gas_is_answered_at_once_in_the_residents_language(offline):
    chat = new_chat()
    [reply] = without_notice(await offline.answer(chat, lambda: offline.fake.push_text(chat, "樓道裡一股燃氣味",
                                                                                      language_code="zh")))
    gas = referrals.urgent_referral_for("燃气泄漏")
    assert gas is not None and reply.text == gas.answer_in("zh")
    assert offline.rasa.messages(chat) == []  # not read as a request: nothing can be filed
