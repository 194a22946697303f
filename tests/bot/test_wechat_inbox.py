"""The WeChat channel's durable inbox (bot/wechat/inbox.py), on a real database: workers that die, several workers
taking one resident's messages, WeChat's retries. Only WeChat's servers are faked (testkit/wechat), and Rasa (it
echoes)."""

from __future__ import annotations

import asyncio
import itertools
import time

from sqlalchemy import func, select

from cases.models import PendingUpdate
from testkit.wechat import FakeWeChatServer
from tests.bot.telegram_harness import wait_until
from tests.bot.wechat_harness import EchoRasa, new_openid, wechat_channel

FAST = {"wechat_lease_seconds": 1.0, "wechat_inbox_poll_seconds": 0.1}  # a dead worker's residents pass on in 1 s
# Live workers: a lease no stall on a busy test machine outlasts (a lapsed one would let a second worker in).
LIVE = {"wechat_lease_seconds": 15.0, "wechat_inbox_poll_seconds": 0.1}


def echoes(fake: FakeWeChatServer, openid: str) -> list[str]:
    """The echoed answers a resident got, in the order they arrived."""
    return [text for text in fake.texts_to(openid) if text.startswith("echo: ")]


def pending(db) -> int:
    """WeChat messages stored and not yet handled."""
    with db.transaction() as session:
        return session.scalar(select(func.count()).select_from(PendingUpdate).where(PendingUpdate.channel == "wechat"))


async def crash(channel) -> None:
    """The worker dies where it is: its dispatcher's tasks end without a word to the database (its leases lapse)."""
    inbox = channel.app.state.inbox
    tasks = [task for task in (inbox._loop_task, *inbox._working.values()) if task is not None]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def test_a_message_acknowledged_by_a_worker_that_died_is_answered_by_a_new_one(db, tmp_path):
    openid, media = new_openid(), tmp_path / "media"
    async with FakeWeChatServer() as fake:
        dying = EchoRasa(held=True)
        async with wechat_channel(db, dying, media, fake=fake, **FAST) as first:
            answer = await first.wechat.text(openid, "the street light is out")
            assert (answer.status_code, answer.text) == (200, "success")  # WeChat has its answer: it will not retry
            await asyncio.wait_for(dying.received.wait(), 10)  # the turn is in hand, in Rasa
            await crash(first)
        assert pending(db) == 1 and echoes(fake, openid) == []  # kept, though the worker that took it is gone

        async with wechat_channel(db, EchoRasa(), media, fake=fake, **FAST) as second:
            await wait_until(lambda: echoes(fake, openid))  # the new worker found it once the dead one's lease lapsed
            await second.settle()
        assert echoes(fake, openid) == ["echo: the street light is out"]
        assert pending(db) == 0


async def test_a_worker_stopping_finishes_the_turn_in_hand_and_leaves_the_next_stored_for_another(db, tmp_path):
    openid, media = new_openid(), tmp_path / "media"
    async with FakeWeChatServer() as fake:
        slow = EchoRasa(delay=0.5)
        async with wechat_channel(db, slow, media, fake=fake, **LIVE) as first:
            await first.wechat.text(openid, "first")
            await asyncio.wait_for(slow.received.wait(), 10)
            await first.wechat.text(openid, "second")  # stored behind "first"
        assert echoes(fake, openid) == ["echo: first"] and pending(db) == 1

        async with wechat_channel(db, EchoRasa(), media, fake=fake, **LIVE):
            await wait_until(lambda: len(echoes(fake, openid)) == 2)
        assert echoes(fake, openid) == ["echo: first", "echo: second"]


async def test_one_residents_messages_reaching_two_workers_at_once_are_answered_in_order(db, tmp_path):
    openid, media, calls = new_openid(), tmp_path / "media", []
    created = int(time.time())
    async with FakeWeChatServer() as fake:
        one, two = EchoRasa(calls, delay=0.3), EchoRasa(calls, delay=0.3)
        two.received = one.received  # whichever worker takes "1" (the other's look may find it first)
        async with wechat_channel(db, one, media, fake=fake, **LIVE) as a, \
                wechat_channel(db, two, media, fake=fake, **LIVE) as b:
            await a.wechat.text(openid, "1", created=created)
            await asyncio.wait_for(one.received.wait(), 10)  # "1" in hand...
            # ... while "2", "3" and "4" reach both workers at once, in no particular order.
            answers = await asyncio.gather(b.wechat.text(openid, "3", created=created + 2),
                                           a.wechat.text(openid, "2", created=created + 1),
                                           b.wechat.text(openid, "4", created=created + 3))
            assert [answer.text for answer in answers] == ["success"] * 3
            await wait_until(lambda: len(echoes(fake, openid)) == 4)
            await asyncio.gather(a.settle(), b.settle())
        assert echoes(fake, openid) == ["echo: 1", "echo: 2", "echo: 3", "echo: 4"]
        assert [message for message, _, _ in calls] == ["1", "2", "3", "4"]
        assert all(later[1] >= earlier[2] for earlier, later in itertools.pairwise(calls)), "one turn at a time"


async def test_a_call_wechat_retries_is_answered_once_whichever_worker_each_retry_reaches(db, tmp_path):
    openid, media = new_openid(), tmp_path / "media"
    async with FakeWeChatServer() as fake:
        async with wechat_channel(db, EchoRasa(delay=0.2), media, fake=fake, **LIVE) as a, \
                wechat_channel(db, EchoRasa(delay=0.2), media, fake=fake, **LIVE) as b:
            xml = a.wechat.text_xml(openid, "hello", msg_id=424242)
            answers = await asyncio.gather(a.wechat.post_xml(xml), b.wechat.post_xml(xml), a.wechat.post_xml(xml))
            assert [(answer.status_code, answer.text) for answer in answers] == [(200, "success")] * 3
            await wait_until(lambda: echoes(fake, openid))
            await asyncio.gather(a.settle(), b.settle())
            late = await b.wechat.post_xml(xml)  # WeChat's last retry, after the turn was answered
            assert late.text == "success"
            await b.settle()
        assert echoes(fake, openid) == ["echo: hello"] and pending(db) == 0
