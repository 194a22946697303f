"""The whole loop with everything real except Telegram's servers.

A resident files a pothole report (words, location, photo, confirm), gets a reference; staff
move the case from the command line; the scheduler process pushes both changes; the resident
asks for the status and sees it resolved. The same through the web chat.
"""

from __future__ import annotations

import random

import httpx
import pytest

from bot.photos import clean_photo
from bot.rasa_client import RasaClient
from bot.telegram.app import build_application, running
from bot.webchat.app import create_app
from cases.queries import find_case
from cases.store.db import Database
from testkit.telegram import FakeTelegramServer
from tests.e2e.loop_harness import (
    JPEG,
    REFERENCE,
    WAIT,
    answer,
    bot_settings,
    button_payloads,
    last_with_buttons,
    staff,
    start_scheduler,
)

pytestmark = pytest.mark.e2e


async def test_telegram_resident_files_a_pothole_and_follows_it_to_resolved(stack, tmp_path):
    chat = random.randrange(10**9, 2 * 10**9)
    async with FakeTelegramServer(token=f"{chat}:E2E", enforce_limits=True) as fake:
        settings = bot_settings(stack, fake)
        db, rasa = Database(stack.database_url), RasaClient(stack.rasa_url)
        try:
            async with running(build_application(settings, db=db, rasa=rasa), settings) as app:
                asked_location = await answer(
                    app,
                    fake,
                    chat,
                    lambda: fake.push_text(chat, "there's a huge pothole right here, nearly lost a wheel in it"),
                )
                assert "location" in " ".join(m.text for m in asked_location).lower()
                asked_photo = await answer(app, fake, chat, lambda: fake.push_location(chat, 31.2304, 121.4737))
                assert "photo" in " ".join(m.text for m in asked_photo).lower()
                summary = await answer(app, fake, chat, lambda: fake.push_photo(chat, JPEG))
                assert "/affirm" in button_payloads(summary), [m.text for m in summary]
                confirm_message = last_with_buttons(summary)
                done = await answer(app,
                    fake, chat, lambda: fake.push_callback(chat, "/affirm", message_id=confirm_message.message_id)
                )
                [reference] = {r for m in done for r in REFERENCE.findall(m.text)}

                with db.transaction() as session:
                    case = find_case(session, reference=reference)
                    assert case.request_type == "pothole"
                    assert "nearly lost a wheel" in case.description
                    assert (case.latitude, case.longitude) == (31.2304, 121.4737)
                    [photo] = case.photos
                    assert (stack.media_dir / photo.path).read_bytes() == clean_photo(JPEG).data
                    assert case.resident.external_id == str(chat)

                before_pushes = len(fake.sent_messages(chat))
                staff(stack, "set-status", reference, "in_progress", "--note", "crew booked for Tuesday")
                staff(stack, "set-status", reference, "resolved", "--note", "pothole filled")
                scheduler = start_scheduler(stack, fake, tmp_path / "jobs.log")
                try:
                    pushes = (await fake.wait_for_messages(chat, before_pushes + 2, timeout=WAIT))[before_pushes:]
                finally:
                    scheduler.terminate()
                    scheduler.wait(timeout=30)
                assert reference in pushes[0].text and "in progress" in pushes[0].text
                assert "crew booked for Tuesday" in pushes[0].text
                assert reference in pushes[1].text and "resolved" in pushes[1].text
                assert "pothole filled" in pushes[1].text

                # The bot's answer waits for the chat's turn after the scheduler's pushes (pacing shared through
                # the database); the fake checks that the per-chat limit held.
                status = await answer(app, fake, chat,
                                      lambda: fake.push_text(chat, f"what's the status of {reference}"))
                assert "resolved" in " ".join(m.text for m in status).lower()
            assert fake.duplicates() == []
            assert fake.violations == []
        finally:
            await rasa.aclose()
            db.dispose()


async def test_web_chat_resident_files_and_sees_updates_when_polling(stack):
    db, rasa = Database(stack.database_url), RasaClient(stack.rasa_url)
    app = create_app(settings=stack.settings(), db=db, rasa=rasa)
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://chat", timeout=WAIT
        ) as web:
            (await web.get("/")).raise_for_status()

            async def say(**body):
                response = await web.post("/api/messages", json=body)
                response.raise_for_status()
                return response.json()["replies"]

            # The place is in the message, so the next question is the photo.
            asked = await say(text="the street lamp outside 12 acacia avenue has been flickering all week")
            assert "photo" in " ".join(r["text"] for r in asked).lower()
            summary = await say(payload="/deny")  # no photo
            assert "/affirm" in [b["payload"] for r in summary for b in r.get("buttons") or []]
            assert "12 acacia avenue" in " ".join(r["text"] for r in summary)
            done = await say(payload="/affirm")
            [reference] = {r for reply in done for r in REFERENCE.findall(reply["text"])}

            staff(stack, "set-status", reference, "in_progress", "--note", "electrician on the way")
            staff(stack, "set-status", reference, "resolved")
            updates = (await web.get("/api/updates")).json()["updates"]
            assert [reference in u["text"] for u in updates] == [True, True]
            assert "electrician on the way" in updates[0]["text"] and "resolved" in updates[1]["text"]
            assert (await web.get(f"/api/updates?after={updates[-1]['id']}")).json()["updates"] == []

            status = await say(text=f"status of {reference}?")
            assert "resolved" in " ".join(r["text"] for r in status).lower()
        with db.transaction() as session:
            case = find_case(session, reference=reference)
            assert case.request_type == "streetlight" and case.address == "12 acacia avenue"  # from the first message
    finally:
        await rasa.aclose()
        db.dispose()
