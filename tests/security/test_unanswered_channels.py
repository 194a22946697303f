"""A case filed whose reply never reached the resident is pushed to them exactly once, end to end: the real Rasa,
action server and database, Telegram faked (the outbox's side is in test_unanswered.py)."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
from sqlalchemy import select

from bot import texts
from bot.delivery.push import PushLimiter, deliver_due, push_bot
from bot.rasa_client import RasaClient
from bot.webchat.app import create_app
from cases import outbox
from cases.models import Case, Notification
from cases.residents import find_resident
from cases.store.db import Database

# `fake`: the fake Bot API with a token of its own; `online`: our bot on it and the real stack.
from tests.bot.telegram_harness import fake, new_chat, online, payloads  # noqa: F401
from tests.security.test_unanswered import REFERENCE, later

pytestmark = pytest.mark.e2e


def receipt_status(db, reference: str) -> str:
    """The status of the held receipt of the case `reference`."""
    with db.transaction() as session:
        return session.scalar(
            select(Notification.status)
            .join(Case, Notification.case_id == Case.id)
            .where(Case.reference == reference, Notification.kind == outbox.RECEIPT)
        )



async def file_on_telegram(online, chat: int):
    """Describe a problem with its place, skip the photo; the summary message with its Confirm button."""
    fake = online.fake
    # A number of its own: the end-to-end tests share one database, and a pothole already open at the same
    # street and number would be offered to follow instead.
    place = f"{chat % 9000 + 100} Park Lane"
    await online.answer(chat, lambda: fake.push_text(chat, f"There is a deep pothole outside {place}"))
    replies = await online.answer(chat, lambda: fake.push_text(chat, "skip"))
    summary = replies[-1]
    assert "/affirm" in payloads(summary), [r.text for r in replies]
    return summary


async def test_telegram_filing_reply_lost_the_reference_reaches_the_resident_once(online, tmp_path):
    fake, chat = online.fake, new_chat()
    summary = await file_on_telegram(online, chat)
    # The reply to Confirm (with the reference) does not reach Telegram: the resident only sees the apology.
    fake.fail_next("sendMessage", chat, status=500)
    [apology] = await online.answer(chat, lambda: fake.push_callback(chat, "/affirm", summary.message_id))
    assert apology.text == texts.text("unavailable")
    with online.db.transaction() as session:
        resident = find_resident(session, channel="telegram", external_id=str(chat))
        [case] = session.scalars(select(Case).where(Case.resident_id == resident.id)).all()
        reference = case.reference
    assert not [m for m in fake.sent_messages(chat) if reference in (m.text or "")]

    settings = online.settings
    # The jobs process sweeps two minutes later in life; here, only Telegram's one message a second per chat
    # (counted from the apology) must pass first.
    while time.monotonic() < fake.sent_messages(chat)[-1].time + settings.push_per_chat_interval_seconds:
        await asyncio.sleep(0.05)
    async with push_bot(settings) as bot:
        for clock in (later(settings.receipt_delay_seconds + 2), later(settings.receipt_delay_seconds + 3600)):
            await deliver_due(
                db=online.db, bot=bot, limiter=PushLimiter.from_settings(settings), settings=settings, now=clock
            )
    told = [m.text for m in fake.sent_messages(chat) if reference in (m.text or "")]
    assert len(told) == 1 and "Park Lane" not in told[0], told


async def test_telegram_filing_reply_delivered_no_push(online):
    fake, chat = online.fake, new_chat()
    summary = await file_on_telegram(online, chat)
    replies = await online.answer(chat, lambda: fake.push_callback(chat, "/affirm", summary.message_id))
    [reference] = REFERENCE.findall(" ".join(r.text for r in replies))
    assert receipt_status(online.db, reference) == outbox.OutboxStatus.CANCELLED


async def test_web_chat_filing_reply_delivered_no_push(stack):
    db, rasa = Database(stack.database_url), RasaClient(stack.rasa_url)
    app = create_app(settings=stack.settings(media_dir=stack.media_dir), db=db, rasa=rasa)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as web:
            await web.get("/")
            await web.post("/api/messages", json={"text": "There is a deep pothole outside 9317 Park Lane"})
            await web.post("/api/messages", json={"text": "skip"})
            done = await web.post("/api/messages", json={"payload": "/affirm"})
            [reference] = REFERENCE.findall(" ".join(r["text"] for r in done.json()["replies"]))
        assert receipt_status(db, reference) == outbox.OutboxStatus.CANCELLED
    finally:
        await rasa.aclose()
        db.dispose()
