"""The whole loop with everything real except Telegram's servers.

A resident files a pothole report (words, location, photo, confirm), gets a reference; staff
move the case from the command line; the scheduler process pushes both changes; the resident
asks for the status and sees it resolved. The same through the web chat.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import subprocess
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from bot.photos import clean_photo
from bot.rasa_client import RasaClient
from bot.telegram.app import build_application, running
from bot.webchat.app import create_app
from cases import lifecycle, queries
from cases.clock import utcnow
from cases.followup import survey
from cases.handoff import handoff
from cases.models import HandoffRequest, Resident, StaffUser, Survey
from cases.queries import find_case
from cases.residents import find_resident, get_or_create_resident
from cases.store.db import Database
from testkit.stack import APP_PYTHON, PROJECT_ROOT
from testkit.telegram import FakeTelegramServer
from tests.city import CITY, NO_QUIET_HOURS, QUIET_HOURS_OFF_ENV

pytestmark = pytest.mark.e2e

REFERENCE = re.compile(r"\bHY-\d{4}-\d{5}\b")
WAIT = 30.0
# A tiny but valid JPEG (1x1 pixel).
JPEG = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffdb004300080606070605080707070909080a0c140d0c0b0b0c1912130f141d1a1f1e1d1a1c1c"
    "20242e2720222c231c1c2837292c30313434341f27393d38323c2e333432ffc0000b080001000101011100ffc4001f000001050101010101010000"
    "0000000000000102030405060708090a0bffc400b5100002010303020403050504040000017d01020300041105122131410613516107227114328191"
    "a1082342b1c11552d1f02433627282090a161718191a25262728292a3435363738393a434445464748494a535455565758595a636465666768696a"
    "737475767778797a838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8"
    "d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9faffda0008010100003f00fbd3ffd9"
)


def staff(stack, *args: str) -> str:
    """Run the staff command line against the stack's database, as staff would."""
    env = {
        **os.environ,
        "DATABASE_URL": stack.database_url,
        "MEDIA_DIR": str(stack.media_dir),
        "TIMEZONE": "Asia/Shanghai",
        "TELEGRAM_BOT_TOKEN": "",
        **QUIET_HOURS_OFF_ENV,
    }
    done = subprocess.run(
        [str(APP_PYTHON), "-m", "huiyin", *args], env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def start_scheduler(stack, fake: FakeTelegramServer, log_path) -> subprocess.Popen:
    """The real scheduler process (`python -m jobs`), sending through the fake Bot API."""
    env = {
        **os.environ,
        "DATABASE_URL": stack.database_url,
        "MEDIA_DIR": str(stack.media_dir),
        "TIMEZONE": "Asia/Shanghai",
        "TELEGRAM_BOT_TOKEN": fake.token or "",
        "TELEGRAM_API_BASE_URL": fake.base_url,
        "TELEGRAM_FILE_BASE_URL": fake.base_file_url,
        "PUSH_INTERVAL_SECONDS": "0.5",
        **QUIET_HOURS_OFF_ENV,
    }
    return subprocess.Popen(
        [str(APP_PYTHON), "-m", "jobs"], env=env, cwd=PROJECT_ROOT, stdout=log_path.open("w"), stderr=subprocess.STDOUT
    )


async def bot_idle(app) -> None:
    """Wait until the bot has no update queued or in hand (a turn may have several messages, paced 1 s apart)."""
    deadline, calm = asyncio.get_running_loop().time() + WAIT, 0
    while calm < 3:  # three looks in a row, so an update between queue and processor is seen
        assert asyncio.get_running_loop().time() < deadline, "the bot never finished its turn"
        busy = app.update_processor.current_concurrent_updates or not app.update_queue.empty()
        calm = 0 if busy else calm + 1
        await asyncio.sleep(0.01)


async def answer(app, fake, chat: int, push) -> list:
    """Push an update and return the bot's new messages once it has finished answering."""
    before = len(fake.sent_messages(chat))
    push()
    await fake.wait_for_messages(chat, before + 1, timeout=WAIT)
    await bot_idle(app)
    return fake.sent_messages(chat)[before:]


def button_payloads(messages) -> list[str]:
    """Every button payload offered in these messages."""
    return [
        b["callback_data"] for m in messages for row in (m.reply_markup or {}).get("inline_keyboard", []) for b in row
    ]


def last_with_buttons(messages):
    """The last message that carries a keyboard."""
    return [m for m in messages if (m.reply_markup or {}).get("inline_keyboard")][-1]


async def test_telegram_resident_files_a_pothole_and_follows_it_to_resolved(stack, tmp_path):
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


def new_staff(db: Database, username: str):
    """A member of staff answering residents (as the console's admin would create them)."""
    with db.transaction() as session:
        staff = StaffUser(
            username=username, display_name="Wang Fang", password_hash="x", role="agent", created_at=utcnow()
        )
        session.add(staff)
        session.flush()
        return staff.id


def resident_messages(db: Database, chat: int) -> list[str]:
    """What the resident wrote in their latest handoff, as the agent sees it."""
    with db.transaction() as session:
        request = session.scalar(
            select(HandoffRequest)
            .join(Resident)
            .where(Resident.channel == "telegram", Resident.external_id == str(chat))
            .order_by(HandoffRequest.id.desc())
        )
        return [m.text for m in request.messages if m.direction == "resident"] if request else []


async def test_telegram_resident_talks_to_a_person_and_comes_back_to_the_bot(stack, tmp_path):
    chat = random.randrange(10**9, 2 * 10**9)
    async with FakeTelegramServer(token=f"{chat}:E2E", enforce_limits=True) as fake:
        settings = stack.settings(
            telegram_bot_token=fake.token,
            telegram_api_base_url=fake.base_url,
            telegram_file_base_url=fake.base_file_url,
            media_dir=stack.media_dir,
        )
        db, rasa = Database(stack.database_url), RasaClient(stack.rasa_url)
        staff_id = new_staff(db, f"agent-{chat}")
        try:
            async with running(build_application(settings, db=db, rasa=rasa), settings) as app:
                told = await answer(app, fake, chat, lambda: fake.push_text(chat, "I want to talk to a real person"))
                assert "member of staff" in " ".join(m.text for m in told)

                # From now on the resident writes to the person: stored, and the bot says nothing.
                before = len(fake.sent_messages(chat))
                fake.push_text(chat, "the drain outside number 8 overflows every time it rains")
                deadline = asyncio.get_running_loop().time() + WAIT
                while len(resident_messages(db, chat)) < 2:
                    assert asyncio.get_running_loop().time() < deadline
                    await asyncio.sleep(0.1)
                assert resident_messages(db, chat) == [
                    "I want to talk to a real person",
                    "the drain outside number 8 overflows every time it rains",
                ]
                # Both messages are stored, so the bot has handled them; once it is idle, nothing more is coming.
                await bot_idle(app)
                assert len(fake.sent_messages(chat)) == before

                # The agent takes the chat and answers, as through the console; the jobs process delivers.
                with db.transaction() as session:
                    resident = find_resident(session, channel="telegram", external_id=str(chat))
                    request, staff = handoff.open_handoff_for(session, resident), session.get(StaffUser, staff_id)
                    handoff.take(session, handoff=request, staff=staff)
                    handoff.agent_reply(
                        session, handoff=request, staff=staff, text="Thanks, I've logged it with the drainage team."
                    )
                scheduler = start_scheduler(stack, fake, tmp_path / "jobs.log")
                try:
                    pushed = (await fake.wait_for_messages(chat, before + 2, timeout=WAIT))[before:]
                    assert pushed[0].text == "Wang Fang from the city has joined the chat."
                    assert pushed[1].text == "Wang Fang (city staff): Thanks, I've logged it with the drainage team."
                    with db.transaction() as session:
                        resident = find_resident(session, channel="telegram", external_id=str(chat))
                        handoff.end(
                            session,
                            handoff=handoff.open_handoff_for(session, resident),
                            staff=session.get(StaffUser, staff_id),
                        )
                    [ended] = (await fake.wait_for_messages(chat, before + 3, timeout=WAIT))[before + 2 :]
                    assert "ended the chat" in ended.text
                finally:
                    scheduler.terminate()
                    scheduler.wait(timeout=30)

                # The assistant answers again, from a clean start.
                greeting = await answer(app, fake, chat, lambda: fake.push_text(chat, "hello"))
                assert "/check_status" in button_payloads(greeting)
                assert len(resident_messages(db, chat)) == 2  # nothing more went to the transcript
            assert fake.violations == []
        finally:
            await rasa.aclose()
            db.dispose()


async def test_telegram_resident_answers_the_satisfaction_question_not_fixed(stack, tmp_path):
    chat = random.randrange(10**9, 2 * 10**9)
    async with FakeTelegramServer(token=f"{chat}:E2E", enforce_limits=True) as fake:
        settings = stack.settings(
            telegram_bot_token=fake.token,
            telegram_api_base_url=fake.base_url,
            telegram_file_base_url=fake.base_file_url,
            media_dir=stack.media_dir,
        )
        db, rasa = Database(stack.database_url), RasaClient(stack.rasa_url)
        with db.transaction() as session:
            resident = get_or_create_resident(session, channel="telegram", external_id=str(chat))
            case = lifecycle.open_case(
                session,
                resident=resident,
                request_type="pothole",
                description="deep hole by the school gate",
                address="3 School Lane",
                reference_prefix="HY",
            )
            reference = case.reference
            # Resolved by staff longer ago than the survey's delay...
            lifecycle.change_status(
                session,
                case=case,
                to_status="resolved",
                actor="staff",
                public_note="Filled on Monday.",
                now=utcnow() - timedelta(hours=settings.survey_delay_hours + 1),
                **CITY,
            )
            # ...so the survey sweep (as the jobs process runs it) asks the question now.
            assert survey.send_due_surveys(session, delay_hours=settings.survey_delay_hours, quiet_hours=NO_QUIET_HOURS)
        try:
            async with running(build_application(settings, db=db, rasa=rasa), settings) as app:
                scheduler = start_scheduler(stack, fake, tmp_path / "jobs.log")
                try:
                    resolved, question = await fake.wait_for_messages(chat, 2, timeout=WAIT)
                finally:
                    scheduler.terminate()
                    scheduler.wait(timeout=30)
                assert "resolved" in resolved.text and reference in question.text
                assert button_payloads([question])[1] == f'/rate_case{{"reference":"{reference}","rating":"2"}}'

                replies = await answer(
                    app,
                    fake,
                    chat,
                    lambda: fake.push_callback(chat, button_payloads([question])[1], message_id=question.message_id),
                )
                text = " ".join(m.text for m in replies)
                assert "reopened" in text and reference in text
                assert "Would you like to add a comment?" in text
                with db.transaction() as session:
                    case = queries.find_case(session, reference=reference)
                    assert case.status == "in_progress"
                    assert case.events[-1].public_note == survey.REOPENED_NOTE

                offer = last_with_buttons(replies)
                await answer(app, fake, chat, lambda: fake.push_callback(chat, "/affirm", message_id=offer.message_id))
                thanks = await answer(app, fake, chat, lambda: fake.push_text(chat, "they only put a cone next to it"))
                assert "passed your comment on" in " ".join(m.text for m in thanks)
                with db.transaction() as session:
                    answered = session.scalar(select(Survey).where(Survey.case_id == case.id))
                    assert (answered.rating, answered.comment) == (2, "they only put a cone next to it")
            assert fake.violations == []
        finally:
            await rasa.aclose()
            db.dispose()
