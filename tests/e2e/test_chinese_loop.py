"""A Chinese-speaking resident on Telegram: the whole loop in Chinese, pushes from the real jobs process included.

Telegram says the resident's language (language_code zh-hans); the bot stores it on the resident
before Rasa sees the first message, the session starts in Chinese, and after a staff status change
the scheduler's push is in Chinese with the request type's Chinese name.
"""

from __future__ import annotations

import random

import pytest

from bot.rasa_client import RasaClient
from bot.telegram.app import build_application, running
from cases.queries import find_case
from cases.store.db import Database
from testkit.telegram import FakeTelegramServer
from tests.e2e.loop_harness import (
    REFERENCE,
    WAIT,
    answer,
    button_payloads,
    last_with_buttons,
    staff,
    start_scheduler,
)
from tests.residents_data.notice import without_notice

pytestmark = pytest.mark.e2e
ZH = "zh-hans"


async def test_chinese_resident_files_by_buttons_and_gets_chinese_pushes(stack, tmp_path):
    chat = random.randrange(10**9, 2 * 10**9)
    async with FakeTelegramServer(token=f"{chat}:E2E", enforce_limits=True) as fake:
        settings = stack.settings(
            telegram_bot_token=fake.token,
            telegram_api_base_url=fake.base_url,
            telegram_file_base_url=fake.base_file_url,
            media_dir=stack.media_dir,
        )
        db, rasa = Database(stack.database_url), RasaClient(stack.rasa_url)
        try:
            async with running(build_application(settings, db=db, rasa=rasa), settings) as app:
                greeting = await answer(app, fake, chat, lambda: fake.push_text(chat, "/start", language_code=ZH))
                assert without_notice(greeting)[0].text.startswith("您好！我是回音")
                assert greeting[0].text.startswith("隐私说明")  # first contact: the privacy notice comes first
                menu = await answer(
                    app,
                    fake,
                    chat,
                    lambda: fake.push_callback(
                        chat, "/help", message_id=last_with_buttons(greeting).message_id, language_code=ZH
                    ),
                )
                assert "道路坑洼或破损" in [
                    b["text"] for m in menu for row in m.reply_markup["inline_keyboard"] for b in row
                ]
                asked = await answer(
                    app,
                    fake,
                    chat,
                    lambda: fake.push_callback(
                        chat, "/report_pothole", message_id=last_with_buttons(menu).message_id, language_code=ZH
                    ),
                )
                assert asked[-1].text == "请简单描述一下问题。"
                # The description names the place, so the location question is skipped.
                asked = await answer(app,
                    fake, chat, lambda: fake.push_text(chat, "人民路12号门口有个大坑", language_code=ZH)
                )
                assert asked[-1].text.startswith("请发送一张问题照片")
                summary = await answer(
                    app,
                    fake,
                    chat,
                    lambda: fake.push_callback(
                        chat, "/deny", message_id=last_with_buttons(asked).message_id, language_code=ZH
                    ),
                )
                assert summary[-1].text.startswith("请核对您的诉求：\n类别：道路坑洼或破损")
                assert "/affirm" in button_payloads(summary)
                done = await answer(
                    app,
                    fake,
                    chat,
                    lambda: fake.push_callback(
                        chat, "/affirm", message_id=last_with_buttons(summary).message_id, language_code=ZH
                    ),
                )
                [reference] = {r for m in done for r in REFERENCE.findall(m.text)}
                assert done[-1].text.startswith(
                    f"感谢您的反映！您的诉求已登记，编号 {reference}（道路坑洼或破损）。市政道路管理处"
                )
                with db.transaction() as session:
                    case = find_case(session, reference=reference)
                    assert (case.description, case.resident.language) == ("人民路12号门口有个大坑", "zh")
                    assert (case.address, case.latitude) == ("人民路12号门口", None)

                before = len(fake.sent_messages(chat))
                staff(stack, "set-status", reference, "in_progress", "--note", "施工队周二到场")
                scheduler = start_scheduler(stack, fake, tmp_path / "jobs.log")
                try:
                    [push] = (await fake.wait_for_messages(chat, before + 1, timeout=WAIT))[before:]
                finally:
                    scheduler.terminate()
                    scheduler.wait(timeout=30)
                assert push.text.startswith(f"您的诉求 {reference}（道路坑洼或破损）有新进展：当前状态为「处理中」。")
                assert "办理说明：施工队周二到场" in push.text

                # The bot's answer waits its turn after the scheduler's push: pacing is shared through the database.
                status = await answer(app,
                    fake, chat, lambda: fake.push_text(chat, f"/status {reference}", language_code=ZH)
                )
                assert status[0].text.startswith(f"{reference}（道路坑洼或破损）当前状态：处理中。")
            assert fake.duplicates() == []
            assert fake.violations == []
        finally:
            await rasa.aclose()
            db.dispose()
