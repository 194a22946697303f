"""WeChat messages stored before WeChat is answered, then handled resident by resident, in order, by any worker.

The route stores each message or event (its key from records.message_key, the resident's OpenID as its queue, the
XML as WeChat sent it, decrypted) and only then answers "success", so a process that dies after answering loses no
turn: the row waits until a live worker takes the resident's lease (bot/dispatcher.py, cases/store/inbox.py). A
call WeChat retries (3 times, 5 s apart, when it got no answer) has a key already stored and is not stored again.
"""

from __future__ import annotations

from typing import Any

from bot.dispatcher import Dispatcher
from bot.wechat import records
from bot.wechat.turns import Turns
from cases.store.db import Database
from huiyin.settings import Settings


def resident_queue(openid: str) -> str:
    """The queue a resident's messages wait in: `wechat:<OpenID>`, the shape forgetting them deletes."""
    return f"{records.CHANNEL}:{openid}"


def dispatcher(*, settings: Settings, db: Database, turns: Turns) -> Dispatcher:
    """A dispatcher running stored WeChat messages as turns (enter it with `async with` to sweep for lapsed ones)."""
    return Dispatcher(db, turns.handle, channel=records.CHANNEL, lease_seconds=settings.wechat_lease_seconds,
                      poll_seconds=settings.wechat_inbox_poll_seconds)


async def store(inbox: Dispatcher, message: Any, xml: str) -> bool:
    """Commit a parsed message with its XML (raises if the database cannot take it) and start its resident's turns
    here; False if WeChat had sent it before."""
    # CreateTime orders a resident's messages: a call stored only at WeChat's retry still goes before later ones.
    return await inbox.store(key=records.message_key(message), sequence=int(message.time or 0),
                             chat=resident_queue(str(message.source)), payload=xml)
