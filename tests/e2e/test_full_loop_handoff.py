"""The whole loop of a live chat on Telegram: the resident asks for a person, writes to them (stored, the bot silent),
an agent takes the chat and answers through the jobs process, ends it, and the assistant answers again."""

from __future__ import annotations

import asyncio
import random

import pytest
from sqlalchemy import select

from bot.rasa_client import RasaClient
from bot.telegram.app import build_application, running
from cases.clock import utcnow
from cases.handoff import handoff
from cases.models import HandoffRequest, Resident, StaffUser
from cases.residents import find_resident
from cases.store.db import Database
from testkit.telegram import FakeTelegramServer
from tests.e2e.loop_harness import (
    WAIT,
    answer,
    bot_idle,
    bot_settings,
    button_payloads,
    start_scheduler,
)

pytestmark = pytest.mark.e2e


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
        settings = bot_settings(stack, fake)
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
