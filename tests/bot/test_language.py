"""Residents in Chinese: the first answer in their platform's language, /language and the language buttons."""

from __future__ import annotations

import pytest

from bot import inbound
from cases.residents import find_resident
from tests.bot.telegram_harness import fake, new_chat, online, payloads  # noqa: F401 - fixtures
from tests.bot.webchat_harness import browser, say, session_of, stack_app, texts_of  # noqa: F401 - fixtures
from tests.residents_data.notice import without_notice

ZH_GREETING = "您好！我是回音"
CHOICE = ['/set_language{"language":"en"}', '/set_language{"language":"zh"}']


def stored_language(db, channel, external_id) -> str:
    with db.transaction() as session:
        return find_resident(session, channel=channel, external_id=str(external_id)).language


def test_the_language_payload_is_accepted_only_for_languages_we_speak():
    assert inbound.button_payload(CHOICE[1], "HY") == CHOICE[1]
    assert inbound.button_payload('/set_language{"language":"fr"}', "HY") is None
    assert inbound.button_payload('/set_language{"language":"zh","x":"y"}', "HY") is None
    assert inbound.command_message("/language") == "/set_language"


@pytest.mark.e2e
async def test_telegram_first_answer_in_chinese_then_language_command_and_buttons(online):
    fake, chat = online.fake, new_chat()
    [greeting] = without_notice(await online.answer(chat, lambda: fake.push_text(chat, "/start",
                                                                                language_code="zh-hans")))
    assert greeting.text.startswith(ZH_GREETING)
    assert stored_language(online.db, "telegram", chat) == "zh"

    [choice] = await online.answer(chat, lambda: fake.push_text(chat, "/language", language_code="zh-hans"))
    assert choice.text.startswith("请选择您使用的语言")
    assert payloads(choice) == CHOICE
    [done] = await online.answer(chat, lambda: fake.push_callback(chat, CHOICE[0], choice.message_id))
    assert done.text == "OK, I'll use English from now on, for your requests' updates too."
    assert stored_language(online.db, "telegram", chat) == "en"
    # Telegram still says zh-hans, but the resident chose English: the stored choice wins.
    [greeting] = await online.answer(chat, lambda: fake.push_text(chat, "/start", language_code="zh-hans"))
    assert greeting.text.startswith("Hello! I'm Huiyin")


async def test_web_chat_answers_in_the_browsers_language_and_switches_with_the_button(stack_app):
    db = stack_app.state.db
    async with browser(stack_app) as client:
        client.headers["accept-language"] = "zh-CN,zh;q=0.9,en;q=0.8"
        [greeting] = without_notice(texts_of(await client.post("/api/messages", json={"payload": "/greet"})))
        assert greeting.startswith(ZH_GREETING)
        choice = await client.post("/api/messages", json={"payload": "/set_language"})
        assert [b["payload"] for b in choice.json()["replies"][0]["buttons"]] == CHOICE
        [done] = texts_of(await client.post("/api/messages", json={"payload": CHOICE[0]}))
        assert done.startswith("OK, I'll use English")
        assert stored_language(db, "web", session_of(client)) == "en"
        [greeting] = texts_of(await client.post("/api/messages", json={"payload": "/greet"}))
        assert greeting.startswith("Hello! I'm Huiyin")
        [back] = texts_of(await client.post("/api/messages", json={"payload": CHOICE[1]}))
        assert back == "好的，之后我将使用中文与您交流，诉求进展通知也将以中文发送。"
        replies = texts_of(await say(client, "what can you do?"))
        assert replies[0].startswith("请用自己的话描述问题")
