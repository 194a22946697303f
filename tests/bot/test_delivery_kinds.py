"""Every kind of outbound Telegram message goes through the one outbox and sender: killed mid-send, nothing is
lost or sent twice; and the bot's replies and the jobs' pushes to one chat, sent by different processes, keep
Telegram's per-chat limit together (through the database)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.delivery.pacing import ChatPacer
from bot.delivery.push import LEASE_SECONDS, PushLimiter, deliver_due, push_bot
from bot.rasa_client import Button, Reply
from bot.telegram.replies import send_replies
from cases import outbox
from cases.models import Notification
from cases.reporting import runs as report_runs
from cases.staff import alerts
from tests.bot.test_push import FIRST_CHAT, bot, fake, later, limiter, push_settings, queue_pushes  # noqa: F401
from tests.cases.builders import staff

ROOT = Path(__file__).resolve().parents[2]
ALERT_CHAT, REPORT_CHAT = 901, 902


def queue_every_kind(db, console_url: str) -> dict[int, str]:
    """One resident push, one staff alert, one report summary, each to its own chat; what each chat should get."""
    expected = {chat: texts[0] for chat, texts in queue_pushes(db, chats=1, per_chat=1).items()}
    with db.transaction() as s:
        staff(s, "rsup", role="supervisor", department="Roads and Highways", chat_id=str(ALERT_CHAT))
        staff(s, "csup", role="supervisor", chat_id=str(REPORT_CHAT))
        alerts.alert(s, key="late", kind="escalation", role="supervisor", department="Roads and Highways",
                     text="HY-1 is overdue.")
        run = report_runs.claim_run(s, period="weekly", start=date(2026, 10, 26), department="")
        assert run is not None and report_runs.queue_report(s, run=run, text="Weekly report, all departments") == 1
    expected[ALERT_CHAT] = f"HY-1 is overdue.\n{console_url}/alerts"
    expected[REPORT_CHAT] = "Weekly report, all departments"
    return expected


def kinds(db) -> dict[str, str]:
    """Each outbox row's kind (None: a resident's push) and its status."""
    with db.transaction() as s:
        return {row.kind or "push": row.status for row in s.scalars(select(Notification).order_by(Notification.id))}


async def wait_until(condition, timeout: float = 30.0) -> None:
    """Wait for `condition()` to hold, or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_a_sender_killed_mid_send_loses_and_duplicates_no_message_of_any_kind(db, fake, bot, limiter,
                                                                                   push_settings):
    expected = queue_every_kind(db, push_settings.console_public_url)
    for chat in expected:  # each send reaches Telegram and is left unanswered: not accepted, not acknowledged
        fake.hang_next("sendMessage", chat)
    sender = subprocess.Popen([sys.executable, "-m", "tests.bot.sender_process", db.url, fake.base_url],
                              cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        await wait_until(lambda: fake.hung_calls() == 3 or sender.poll() is not None)
        assert fake.hung_calls() == 3, "the sender process ended before its sends were in flight"
    finally:
        sender.send_signal(signal.SIGKILL)
        sender.wait()
    fake.release_hung()  # answered after the sender died: nothing was delivered
    assert fake.sent_messages() == []
    assert kinds(db) == {"push": "sending", outbox.STAFF_ALERT: "sending", outbox.REPORT: "sending"}
    # Another sender leaves the rows alone while the dead one's lease runs, then sends each once.
    assert (await deliver_due(db=db, bot=bot, limiter=limiter, settings=push_settings)).sent == 0
    stats = await deliver_due(db=db, bot=bot, limiter=limiter, settings=push_settings, now=later(LEASE_SECONDS + 1))
    assert stats.sent == 3
    assert {m.chat_id: m.text for m in fake.sent_messages()} == expected
    assert len(fake.sent_messages()) == 3 and fake.duplicates() == [] and fake.violations == []
    assert kinds(db) == {"push": "sent", outbox.STAFF_ALERT: "sent", outbox.REPORT: "sent"}
    again = await deliver_due(db=db, bot=bot, limiter=limiter, settings=push_settings, now=later(2 * LEASE_SECONDS))
    assert again.sent == 0 and len(fake.sent_messages()) == 3


async def test_a_sender_cancelled_while_waiting_for_a_chat_hands_its_rows_back(db, fake, bot, limiter, push_settings):
    """Cancelled before its send started (a deploy stops the jobs): the rows go back at once, unsent and uncounted."""
    expected = queue_every_kind(db, push_settings.console_public_url)
    blocker = ChatPacer(db, 60.0)
    for chat in expected:  # another process took every chat's sends for the next minute
        assert await blocker.reserve(chat) is not None
    sweep = asyncio.create_task(deliver_due(db=db, bot=bot, limiter=limiter, settings=push_settings))
    await wait_until(lambda: set(kinds(db).values()) == {"sending"})
    sweep.cancel()
    with pytest.raises(asyncio.CancelledError):
        await sweep
    assert fake.sent_messages() == []
    assert set(kinds(db).values()) == {"pending"}
    with db.transaction() as s:
        assert {row.attempts for row in s.scalars(select(Notification))} == {0}


async def test_replies_and_pushes_from_two_processes_keep_the_per_chat_limit_together(db, fake, limiter,
                                                                                     push_settings):
    chat = FIRST_CHAT
    pushes = queue_pushes(db, chats=1, per_chat=3)[chat]
    replies = [f"reply {n}" for n in range(3)]
    # The bot process: its own Bot, its own pacer object; the jobs process: another Bot, limiter and pacer.
    async with push_bot(push_settings) as bot_process, push_bot(push_settings) as jobs_process:
        bot_pacer = ChatPacer(db, push_settings.push_per_chat_interval_seconds,
                              burst=push_settings.push_per_chat_burst)

        async def conversation() -> None:
            for text in replies:  # three turns, each answered with one message (buttons keep them apart)
                await send_replies(bot_process, chat, [Reply(text=text, buttons=(Button("OK", "/affirm"),))],
                                   bot_pacer)

        await asyncio.gather(conversation(), deliver_due(db=db, bot=jobs_process, limiter=PushLimiter.from_settings(
            push_settings), settings=push_settings))
    got = [m.text for m in fake.sent_messages(chat)]
    assert sorted(got) == sorted(pushes + replies) and [t for t in got if t in pushes] == pushes
    assert fake.violations == []
    times = [m.time for m in fake.sent_messages(chat)]
    # three at once at most, then one a second: any four messages span a second or more
    assert min(later - first for first, later in zip(times, times[3:], strict=False)) >= 1.0
