"""The dispatcher of stored Telegram updates (bot.telegram.inbox), on a real database."""

from __future__ import annotations

import asyncio

from bot.telegram.inbox import CHANNEL, Dispatcher
from cases.clock import utcnow
from cases.store import inbox


async def test_a_chat_another_worker_holds_is_left_to_it_without_asking_again_and_again(sqlite_db):
    with sqlite_db.transaction() as session:
        inbox.store(session, channel=CHANNEL, key="1:1", sequence=1, chat_key="telegram:1:7", payload="{}",
                    now=utcnow())
        assert inbox.lease(session, chat_key="telegram:1:7", holder="other", now=utcnow(), ttl=60)
    handled: list[str] = []

    async def handle(payload: str) -> None:
        handled.append(payload)

    dispatcher = Dispatcher(sqlite_db, handle, lease_seconds=60, poll_seconds=60)
    dispatcher.start("telegram:1:7")
    await asyncio.wait_for(asyncio.gather(*dispatcher._working.values()), timeout=5)  # it stops: no busy loop
    assert handled == [] and not dispatcher.busy
    with sqlite_db.transaction() as session:  # still stored, for the worker that holds the chat
        assert inbox.ready_chats(session, channel=CHANNEL, now=utcnow(), limit=5) == []
        assert inbox.release(session, chat_key="telegram:1:7", holder="other") is True
