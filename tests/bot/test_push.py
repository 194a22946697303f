"""Pushes from the outbox reach Telegram (a fake Bot API server) in order, within limits, once."""

from __future__ import annotations

import asyncio
import gc
import itertools
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from bot.delivery.push import LEASE_SECONDS, RETRY_CAP_SECONDS, PushLimiter, deliver_due, push_bot
from cases import lifecycle, outbox
from cases.clock import utcnow
from cases.models import Notification, Resident
from cases.residents import get_or_create_resident
from testkit.telegram import TOKEN, FakeTelegramServer
from tests.city import CITY, NO_QUIET_HOURS, make_settings

FIRST_CHAT = 5000


def queue_pushes(db, *, chats: int, per_chat: int, first_chat: int = FIRST_CHAT) -> dict[int, list[str]]:
    """Open a case per chat and let staff move it `per_chat` times; the texts queued, per chat, oldest first."""
    with db.transaction() as s:
        for n in range(chats):
            resident = get_or_create_resident(s, channel="telegram", external_id=str(first_chat + n))
            case = lifecycle.open_case(
                s,
                resident=resident,
                request_type="pothole",
                description="a hole",
                address=f"{n} Park Lane",
                reference_prefix="HY",
            )
            for k in range(per_chat):
                lifecycle.change_status(
                    s,
                    case=case,
                    to_status="resolved" if k % 2 else "in_progress",
                    actor="staff",
                    public_note=f"update {k + 1}",
                    **CITY,
                )
    return queued_texts(db)


def queued_texts(db) -> dict[int, list[str]]:
    """Every Telegram outbox row's text, per chat, oldest first."""
    texts: dict[int, list[str]] = {}
    with db.transaction() as s:
        for row in s.scalars(select(Notification).where(Notification.channel == "telegram").order_by(Notification.id)):
            texts.setdefault(int(row.chat_id), []).append(row.text)
    return texts


def rows(db) -> list[Notification]:
    """Every outbox row, oldest first."""
    with db.transaction() as s:
        return list(s.scalars(select(Notification).order_by(Notification.id)))


def received(fake: FakeTelegramServer) -> dict[int, list[str]]:
    """What each chat received, in order."""
    texts: dict[int, list[str]] = {}
    for message in fake.sent_messages():
        texts.setdefault(message.chat_id, []).append(message.text)
    return texts


def later(seconds: float):
    """A clock `seconds` ahead of the wall clock."""
    return lambda: utcnow() + timedelta(seconds=seconds)


@pytest.fixture
def fake():
    """The fake Bot API in a thread, Telegram's limits enforced (429 on a violation)."""
    with FakeTelegramServer() as server:
        yield server


@pytest.fixture
def push_settings(fake):
    """Settings pointing the bot at the fake server."""
    return make_settings(
        telegram_bot_token=TOKEN,
        telegram_api_base_url=fake.base_url,
        telegram_file_base_url=fake.base_file_url,
        push_interval_seconds=0.2,
    )


@pytest.fixture
async def bot(push_settings):
    """The push bot, initialised against the fake."""
    async with push_bot(push_settings) as telegram_bot:
        yield telegram_bot


@pytest.fixture
def limiter(push_settings):
    """The process-wide limiter."""
    return PushLimiter.from_settings(push_settings)


async def test_pushes_arrive_in_order_are_marked_sent_and_never_sent_again(db, fake, bot, limiter, push_settings):
    expected = queue_pushes(db, chats=3, per_chat=2)
    stats = await deliver_due(db=db, bot=bot, limiter=limiter, settings=push_settings)
    assert (stats.sent, stats.failed, stats.retried) == (6, 0, 0)
    assert received(fake) == expected
    assert {(r.status, r.attempts) for r in rows(db)} == {("sent", 1)}
    # a restart (new limiter, clock a day on) finds nothing to send
    again = await deliver_due(
        db=db, bot=bot, limiter=PushLimiter.from_settings(push_settings), settings=push_settings, now=later(86400)
    )
    assert again.sent == 0 and len(fake.sent_messages()) == 6
    assert fake.violations == [] and fake.duplicates() == []


@pytest.fixture
def short_gc_pauses():
    """Objects made so far are left out of garbage collection during the test: a full collection of the heap a
    whole test session builds can pause the process longer than the window a timing test measures."""
    gc.collect()
    gc.freeze()
    yield
    gc.unfreeze()


async def test_retry_after_pauses_all_sending_and_counts_no_attempt(
    sqlite_db, fake, bot, limiter, push_settings, short_gc_pauses
):
    db = sqlite_db
    expected = queue_pushes(db, chats=3, per_chat=1)
    first_chat = min(expected)
    fake.fail_next("sendMessage", first_chat, status=429, retry_after=1)
    stats = await deliver_due(db=db, bot=bot, limiter=limiter, settings=push_settings)
    assert (stats.rate_limited, stats.released, stats.sent) == (1, 1, 3)
    # the three chats are sent side by side: another chat's send may be answered before the refusal
    [refused] = [call for call in fake.calls_to("sendMessage") if call.status == 429]
    assert refused.params["chat_id"] == first_chat
    # nothing went out during the pause (a send already on its way may have), and the refused row came later
    assert not [m for m in fake.sent_messages() if refused.time + 0.1 < m.time < refused.time + 1.0]
    assert fake.sent_messages(first_chat)[0].time >= refused.time + 1.0
    assert received(fake) == expected
    assert {(r.status, r.attempts) for r in rows(db)} == {("sent", 1)}  # the refused try did not count


async def test_blocked_bot_makes_resident_unreachable_and_is_not_retried(sqlite_db, fake, bot, limiter, push_settings):
    db = sqlite_db
    expected = queue_pushes(db, chats=2, per_chat=2)
    blocked, other = sorted(expected)
    fake.block_chat(blocked)
    stats = await deliver_due(db=db, bot=bot, limiter=limiter, settings=push_settings)
    assert (stats.sent, stats.failed, stats.retried) == (2, 2, 0)
    assert received(fake) == {other: expected[other]}
    assert [c.params["chat_id"] for c in fake.calls_to("sendMessage")].count(blocked) == 1
    with db.transaction() as s:
        assert s.scalar(select(Resident).where(Resident.external_id == str(blocked))).unreachable_at is not None
        assert s.scalar(select(Resident).where(Resident.external_id == str(other))).unreachable_at is None
    failed = [r for r in rows(db) if r.chat_id == str(blocked)]
    assert {r.status for r in failed} == {"failed"} and "blocked" in failed[0].last_error
    await deliver_due(db=db, bot=bot, limiter=limiter, settings=push_settings, now=later(86400))
    assert [c.params["chat_id"] for c in fake.calls_to("sendMessage")].count(blocked) == 1


async def test_chat_not_found_fails_the_row(sqlite_db, fake, bot, limiter, push_settings):
    db = sqlite_db
    [chat] = queue_pushes(db, chats=1, per_chat=1)
    fake.fail_next("sendMessage", chat, status=400, description="Bad Request: chat not found")
    stats = await deliver_due(db=db, bot=bot, limiter=limiter, settings=push_settings)
    assert (stats.sent, stats.failed, stats.retried) == (0, 1, 0)
    [row] = rows(db)
    assert row.status == "failed" and "chat not found" in row.last_error.lower()


async def test_a_rejected_token_burns_no_attempts(sqlite_db, fake, bot, limiter, push_settings):
    db = sqlite_db
    queue_pushes(db, chats=1, per_chat=1)
    fake.fail_next("sendMessage", status=401)
    stats = await deliver_due(db=db, bot=bot, limiter=limiter, settings=push_settings)
    assert (stats.sent, stats.failed, stats.released) == (0, 0, 1)
    [row] = rows(db)
    assert (row.status, row.attempts) == ("pending", 0) and row.next_attempt_at > utcnow()


async def test_server_error_is_retried_later_keeping_the_chat_in_order(sqlite_db, fake, bot, limiter, push_settings):
    db = sqlite_db
    expected = queue_pushes(db, chats=1, per_chat=2)
    [chat] = expected
    fake.fail_next("sendMessage", chat, status=500)
    stats = await deliver_due(db=db, bot=bot, limiter=limiter, settings=push_settings)
    assert (stats.sent, stats.retried, stats.released) == (0, 1, 1)
    first, second = rows(db)
    assert (first.status, first.attempts, second.status, second.attempts) == ("pending", 1, "pending", 0)
    assert first.next_attempt_at > utcnow() and "Internal Server Error" in first.last_error
    # not due yet: the second message waits behind the first
    assert (await deliver_due(db=db, bot=bot, limiter=limiter, settings=push_settings)).sent == 0
    stats = await deliver_due(db=db, bot=bot, limiter=limiter, settings=push_settings, now=later(RETRY_CAP_SECONDS))
    assert stats.sent == 2 and received(fake) == expected
    assert [r.attempts for r in rows(db)] == [2, 1]


async def test_rows_abandoned_mid_send_go_out_once_after_the_lease(db, fake, bot, limiter, push_settings):
    expected = queue_pushes(db, chats=3, per_chat=1)
    with db.transaction() as s:  # a sender claims the rows, then dies before sending
        assert len(outbox.claim_due(s, channel="telegram", limit=10)) == 3
    assert (await deliver_due(db=db, bot=bot, limiter=limiter, settings=push_settings)).sent == 0
    stats = await deliver_due(db=db, bot=bot, limiter=limiter, settings=push_settings, now=later(LEASE_SECONDS + 1))
    assert stats.sent == 3 and received(fake) == expected
    await deliver_due(db=db, bot=bot, limiter=limiter, settings=push_settings, now=later(2 * LEASE_SECONDS))
    assert fake.duplicates() == [] and len(fake.sent_messages()) == 3
    assert {r.status for r in rows(db)} == {"sent"}


async def test_a_row_that_waited_too_long_is_claimed_afresh_before_it_is_sent(
    sqlite_db, fake, bot, limiter, push_settings
):
    db = sqlite_db
    expected = queue_pushes(db, chats=1, per_chat=1)
    start, calls = utcnow(), []

    def clock():  # the claim happens at `start`; when the send could begin, its lease is nearly over
        calls.append(1)
        return start if len(calls) == 1 else start + timedelta(seconds=LEASE_SECONDS - 10)

    stats = await deliver_due(db=db, bot=bot, limiter=limiter, settings=push_settings, now=clock)
    assert (stats.released, stats.sent) == (1, 1)
    assert received(fake) == expected
    [row] = rows(db)
    assert (row.status, row.attempts) == ("sent", 1)


async def test_two_sweeps_at_once_never_send_a_row_twice(db, bot, push_settings, fake):
    # Two schedulers, each with its own limiter: together they may go past Telegram's rate, so
    # this fake only records violations. One sweep holds at most ~61 chats, so both get work.
    fake.enforce_limits = False
    expected = queue_pushes(db, chats=80, per_chat=1)
    one, two = await asyncio.gather(
        *(
            deliver_due(
                db=db, bot=bot, limiter=PushLimiter.from_settings(push_settings), settings=push_settings, batch_size=4
            )
            for _ in range(2)
        )
    )
    assert one.sent + two.sent == 80 and one.sent and two.sent
    assert fake.duplicates() == [] and received(fake) == expected
    assert {(r.status, r.attempts) for r in rows(db)} == {("sent", 1)}


def test_concurrent_claims_never_share_a_row(db):
    queue_pushes(db, chats=2, per_chat=1)
    other: list = []
    querying = threading.Event()  # the other claimer has sent its first statement to the database

    def claim_elsewhere():
        with db.transaction() as s:
            other.extend(r.id for r in outbox.claim_due(s, channel="telegram", limit=10))

    def on_statement(*_args):
        if threading.current_thread() is thread:
            querying.set()

    with db.transaction() as s:
        mine = [r.id for r in outbox.claim_due(s, channel="telegram", limit=10)]
        thread = threading.Thread(target=claim_elsewhere)
        event.listen(db.engine, "before_cursor_execute", on_statement)
        try:
            thread.start()
            # The other claimer queries before this transaction commits.
            assert querying.wait(timeout=10), "the other claimer never reached the database"
        finally:
            event.remove(db.engine, "before_cursor_execute", on_statement)
    thread.join(timeout=30)
    assert len(mine) == 2 and other == []  # SQLite: the other waited for the commit, then found them taken


async def test_limits_hold_for_120_messages_to_40_chats(sqlite_db, fake, bot, limiter, push_settings):
    db = sqlite_db
    expected = queue_pushes(db, chats=40, per_chat=3)
    started = time.monotonic()
    stats = await deliver_due(db=db, bot=bot, limiter=limiter, settings=push_settings)
    elapsed = time.monotonic() - started
    assert stats.sent == 120 and stats.rate_limited == 0
    assert fake.violations == [] and fake.duplicates() == [] and received(fake) == expected
    assert elapsed > 120 / 30, elapsed  # never above the overall limit
    # Chats are served side by side, not one after another: each had its first message before any had its third
    # (an order, not a wall-clock window, so a slow machine cannot fail it).
    order = [int(c.params["chat_id"]) for c in sorted(fake.calls_to("sendMessage"), key=lambda c: c.time)
             if c.status == 200]
    third = next(i for i, chat in enumerate(order) if order[: i + 1].count(chat) == 3)
    assert len(set(order[:third])) == 40


async def test_limiter_keeps_the_window_the_chat_interval_and_a_pause():
    limiter = PushLimiter(rate=50, window=0.2, chat_interval=0.15)  # 10 sends per 0.2 s
    times: list[tuple[float, int]] = []

    async def send(chat: int) -> None:
        await limiter.acquire(chat)
        times.append((time.monotonic(), chat))
        limiter.release(chat)

    await asyncio.gather(*(send(n % 4) for n in range(30)))
    stamps = sorted(t for t, _ in times)
    assert all(stamps[i + 10] - stamps[i] >= 0.2 for i in range(len(stamps) - 10))
    for chat in range(4):
        mine = [t for t, c in times if c == chat]
        assert all(b - a >= 0.15 for a, b in itertools.pairwise(mine))
    limiter.pause(0.3)
    paused_at = time.monotonic()
    await send(99)
    assert times[-1][0] - paused_at >= 0.3


async def test_buttons_go_out_as_an_inline_keyboard(sqlite_db, fake, bot, limiter, push_settings):
    from cases.followup.survey import rating_payload, survey_buttons

    with sqlite_db.transaction() as s:
        resident = get_or_create_resident(s, channel="telegram", external_id="7001")
        outbox.queue(
            s,
            resident=resident,
            text="Is it fixed?",
            buttons=survey_buttons("HY-2026-00042", "en"),
            quiet_hours=NO_QUIET_HOURS,
        )
        outbox.queue(s, resident=resident, text="No buttons here", quiet_hours=NO_QUIET_HOURS)
    stats = await deliver_due(db=sqlite_db, bot=bot, limiter=limiter, settings=push_settings)
    assert stats.sent == 2
    question, plain = fake.sent_messages(7001)
    keyboard = question.reply_markup["inline_keyboard"]
    assert [[b["callback_data"] for b in row] for row in keyboard] == [
        [rating_payload("HY-2026-00042", n)] for n in range(1, 6)
    ]
    assert keyboard[0][0]["text"] == "1 ★ Not fixed"
    assert plain.reply_markup is None
